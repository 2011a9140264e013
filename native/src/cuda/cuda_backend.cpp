// The CUDA backend: the embedded PTX (one module per native/src/cuda/*.cu) loaded through
// the driver API, one stream and one cuBLAS handle per context, a caching allocator, and a
// launch per op. See driver.h for how the driver and cuBLAS are reached without the SDK.
//
// Knobs (environment, read when a context is created):
//   ADVCORE_CUDA_DEVICE            device ordinal (default 0)
//   ADVCORE_CUDA_GEMM=own          use the built-in ac_sgemm kernel even if cuBLAS loads
//   ADVCORE_CUDA_CONV=gemm|direct  force the im2col+GEMM or the direct forward convolution
//                                  (default: direct when C*KH*KW <= 64, else im2col+GEMM)
//   ADVCORE_CUDA_CONV_WORKSPACE_MB im2col workspace budget per context (default 256)
//   ADVCORE_CUBLAS                 path of the cuBLAS library to load
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "allocator.h"
#include "core/context.h"
#include "core/error.h"
#include "driver.h"
#include "kernel_args.h"
#include "kernels.h"
#include "ptx_modules.h"

namespace ac {
namespace cuda {
namespace {

// ------------------------------------------------------------------------ device probe

// What a cheap look at the machine found: the driver, a device, its capability. Computed
// once per process; never throws.
struct Probe {
  bool ok = false;
  std::string reason;  // why not, without the "CUDA is not available: " prefix
  int ordinal = 0;
  CUdevice device = 0;
  std::string name;
  int cc_major = 0, cc_minor = 0, sms = 1, driver_version = 0;
  size_t total_memory = 0;
};

Probe run_probe() {
  Probe p;
  const Driver& d = driver();
  if (!d.ok) {
    p.reason = d.error;
    return p;
  }
  const DriverApi& api = d.api;
  CUresult r = api.cuInit(0);
  if (r == CUDA_ERROR_NO_DEVICE) {
    p.reason = "no CUDA device (cuInit: " + error_text(r) + ")";
    return p;
  }
  if (r != CUDA_SUCCESS) {
    p.reason = "cuInit failed: " + error_text(r);
    return p;
  }
  api.cuDriverGetVersion(&p.driver_version);
  int count = 0;
  r = api.cuDeviceGetCount(&count);
  if (r != CUDA_SUCCESS) {
    p.reason = "cuDeviceGetCount failed: " + error_text(r);
    return p;
  }
  if (count <= 0) {
    p.reason = "no CUDA device";
    return p;
  }
  if (const char* env = std::getenv("ADVCORE_CUDA_DEVICE"); env && *env) {
    char* end = nullptr;
    long v = std::strtol(env, &end, 10);
    if (*end != '\0' || v < 0 || v >= count) {
      p.reason = format("ADVCORE_CUDA_DEVICE=%s, but the devices are 0..%d", env, count - 1);
      return p;
    }
    p.ordinal = static_cast<int>(v);
  }
  r = api.cuDeviceGet(&p.device, p.ordinal);
  if (r != CUDA_SUCCESS) {
    p.reason = format("cuDeviceGet(%d) failed: ", p.ordinal) + error_text(r);
    return p;
  }
  char name[256] = {0};
  if (api.cuDeviceGetName(name, static_cast<int>(sizeof name) - 1, p.device) == CUDA_SUCCESS)
    p.name = name;
  else
    p.name = format("CUDA device %d", p.ordinal);
  api.cuDeviceGetAttribute(&p.cc_major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, p.device);
  api.cuDeviceGetAttribute(&p.cc_minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, p.device);
  api.cuDeviceGetAttribute(&p.sms, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, p.device);
  if (p.sms < 1) p.sms = 1;
  api.cuDeviceTotalMem(&p.total_memory, p.device);
  if (p.cc_major < 8) {
    p.reason = format("%s (device %d) has compute capability %d.%d; the embedded kernels need "
                      "8.0 (Ampere) or newer",
                      p.name.c_str(), p.ordinal, p.cc_major, p.cc_minor);
    return p;
  }
  p.ok = true;
  return p;
}

const Probe& probe() {
  static const Probe p = run_probe();
  return p;
}

// ------------------------------------------------------------------------ the loaded GPU

struct Kernels {
#define AC_KERNEL_FIELD(name) CUfunction name = nullptr;
  AC_CUDA_KERNELS(AC_KERNEL_FIELD)
#undef AC_KERNEL_FIELD
};

// The primary context with every PTX module loaded and every kernel resolved. Built once
// per process by the first backend and kept for the life of the process (modules and the
// primary context are shared by all backends on the device).
struct Gpu {
  const Probe* info = nullptr;
  CUcontext ctx = nullptr;
  std::vector<CUmodule> modules;
  Kernels k;
};

void load_gpu(Gpu& g) {
  const DriverApi& api = driver().api;
  g.info = &probe();
  check(api.cuDevicePrimaryCtxRetain(&g.ctx, g.info->device), "cuDevicePrimaryCtxRetain",
        g.info->name);
  check(api.cuCtxSetCurrent(g.ctx), "cuCtxSetCurrent", g.info->name);
  for (size_t m = 0; m < kPtxModuleCount; ++m) {
    const PtxModule& mod = kPtxModules[m];
    std::vector<char> error_log(8192, '\0'), info_log(8192, '\0');
    int options[4] = {CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
                      CU_JIT_INFO_LOG_BUFFER, CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES};
    void* values[4] = {error_log.data(),
                       reinterpret_cast<void*>(static_cast<uintptr_t>(error_log.size() - 1)),
                       info_log.data(),
                       reinterpret_cast<void*>(static_cast<uintptr_t>(info_log.size() - 1))};
    CUmodule module = nullptr;
    CUresult r = api.cuModuleLoadDataEx(&module, mod.text, 4, options, values);
    if (r != CUDA_SUCCESS) {
      std::string log(error_log.data());
      if (log.size() > 2000) log = log.substr(0, 2000) + "...";
      fail_cuda(r, "cuModuleLoadDataEx",
                format("JIT of embedded PTX module '%s' (%zu bytes, built by %s) for %s "
                       "(sm_%d%d, driver %d) failed%s%s",
                       mod.name, mod.size, kPtxCompiler, g.info->name.c_str(), g.info->cc_major,
                       g.info->cc_minor, g.info->driver_version, log.empty() ? "" : ": ",
                       log.c_str()));
    }
    g.modules.push_back(module);
  }
  auto find = [&](const char* name) {
    for (CUmodule module : g.modules) {
      CUfunction f = nullptr;
      CUresult r = api.cuModuleGetFunction(&f, module, name);
      if (r == CUDA_SUCCESS) return f;
      if (r != CUDA_ERROR_NOT_FOUND) check(r, "cuModuleGetFunction", name);
    }
    fail(AC_ERR_INTERNAL, format("CUDA kernel %s is missing from the embedded PTX (%zu modules "
                                 "built by %s)",
                                 name, kPtxModuleCount, kPtxCompiler));
  };
#define AC_KERNEL_FIND(name) g.k.name = find(#name);
  AC_CUDA_KERNELS(AC_KERNEL_FIND)
#undef AC_KERNEL_FIND
}

// The process-wide GPU, loaded on first use. A failure is remembered and reported again
// to every later caller (loading the same PTX again would fail the same way).
Gpu& gpu() {
  static std::mutex mu;
  static Gpu* loaded = nullptr;  // deliberately leaked: the driver tears down at exit
  static std::string failure;
  static ac_status failure_status = AC_OK;
  std::lock_guard<std::mutex> lock(mu);
  if (loaded) return *loaded;
  if (failure_status != AC_OK) fail(failure_status, failure);
  auto g = std::make_unique<Gpu>();
  try {
    load_gpu(*g);
  } catch (const Error& e) {
    failure = e.what();
    failure_status = e.status();
    throw;
  }
  loaded = g.release();
  return *loaded;
}

// ------------------------------------------------------------------------ helpers

CUdeviceptr dptr(const void* p) {
  return static_cast<CUdeviceptr>(reinterpret_cast<uintptr_t>(p));
}

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  long x = std::strtol(v, &end, 10);
  if (*end != '\0' || x <= 0 || x > INT_MAX) return fallback;
  return static_cast<int>(x);
}

std::string env_str(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

AcConvArgs conv_args(const ConvShape& s) {
  AcConvArgs a{};
  a.n = s.n; a.c = s.c; a.h = s.h; a.w = s.w;
  a.o = s.o; a.kh = s.kh; a.kw = s.kw;
  a.oh = s.oh; a.ow = s.ow;
  a.sh = s.sh; a.sw = s.sw; a.pt = s.pt; a.pl = s.pl;
  return a;
}

AcPoolArgs pool_args(const PoolShape& s) {
  AcPoolArgs a{};
  a.n = s.n; a.c = s.c; a.h = s.h; a.w = s.w; a.oh = s.oh; a.ow = s.ow;
  a.kh = s.kh; a.kw = s.kw; a.sh = s.sh; a.sw = s.sw; a.ph = s.ph; a.pw = s.pw;
  return a;
}

constexpr unsigned kThreads = 256;

// ------------------------------------------------------------------------ the backend

class CudaBackend final : public Backend {
 public:
  explicit CudaBackend(Gpu& g) : gpu_(g), k_(g.k) {
    const DriverApi& a = driver().api;
    bind();
    check(a.cuStreamCreate(&stream_, CU_STREAM_NON_BLOCKING), "cuStreamCreate");
    allocator_ = std::make_unique<DeviceAllocator>([this] { sync_noexcept(); },
                                                   gpu_.info->name);
    std::string blas_note;
    const Cublas& cb = cublas();
    if (env_str("ADVCORE_CUDA_GEMM") == "own") {
      blas_note = "built-in SGEMM (ADVCORE_CUDA_GEMM=own)";
    } else if (!cb.ok) {
      blas_note = "built-in SGEMM; " + cb.error;
    } else {
      cublasStatus_t st = cb.api.cublasCreate(&blas_);
      if (st != CUBLAS_STATUS_SUCCESS) {
        blas_ = nullptr;
        blas_note = std::string("built-in SGEMM; cublasCreate failed: ") + cublas_status_name(st);
      } else {
        st = cb.api.cublasSetStream(blas_, stream_);
        if (st != CUBLAS_STATUS_SUCCESS) {
          cb.api.cublasDestroy(blas_);
          blas_ = nullptr;
          blas_note = std::string("built-in SGEMM; cublasSetStream failed: ") +
                      cublas_status_name(st);
        } else {
          blas_note = cb.library;
        }
      }
    }
    std::string conv = env_str("ADVCORE_CUDA_CONV");
    conv_mode_ = conv == "gemm" ? ConvMode::Gemm : conv == "direct" ? ConvMode::Direct : ConvMode::Auto;
    workspace_budget_ = static_cast<size_t>(env_int("ADVCORE_CUDA_CONV_WORKSPACE_MB", 256)) << 20;
    name_ = format("cuda (%s, sm_%d%d, %s)", gpu_.info->name.c_str(), gpu_.info->cc_major,
                   gpu_.info->cc_minor, blas_note.c_str());
  }

  ~CudaBackend() override {
    const DriverApi& a = driver().api;
    a.cuCtxSetCurrent(gpu_.ctx);
    if (stream_) a.cuStreamSynchronize(stream_);
    if (workspace_) allocator_->release_uncached(workspace_);
    for (auto [p, uncached] : retired_)
      uncached ? allocator_->release_uncached(p) : allocator_->release(p);
    allocator_.reset();
    if (blas_) cublas().api.cublasDestroy(blas_);
    if (stream_) a.cuStreamDestroy(stream_);
  }

  CudaBackend(const CudaBackend&) = delete;
  CudaBackend& operator=(const CudaBackend&) = delete;

  const char* name() const override { return name_.c_str(); }
  int64_t workspace_bytes() const override { return static_cast<int64_t>(workspace_size_); }

  // ---------------------------------------------------------------- memory

  void* alloc(size_t bytes) override {
    bind();
    return allocator_->allocate(bytes);
  }
  void free(void* p) noexcept override { release_block(p, false); }

  void copy_from_host(void* dst, const void* src, size_t bytes) override {
    if (bytes == 0) return;
    no_host_work_while_capturing("copy_from_host");
    bind();
    check(api().cuMemcpyHtoDAsync(dptr(dst), src, bytes, stream_), "cuMemcpyHtoDAsync");
    ++transfers.host_to_device;
    // The caller may reuse or free `src` as soon as we return.
    sync();
  }
  void copy_to_host(void* dst, const void* src, size_t bytes) override {
    if (bytes == 0) return;
    no_host_work_while_capturing("copy_to_host");
    bind();
    check(api().cuMemcpyDtoHAsync(dst, dptr(src), bytes, stream_), "cuMemcpyDtoHAsync");
    ++transfers.device_to_host;
    sync();
  }
  void copy(void* dst, const void* src, size_t bytes) override {
    if (bytes == 0 || dst == src) return;
    bind();
    uintptr_t d = reinterpret_cast<uintptr_t>(dst), s = reinterpret_cast<uintptr_t>(src);
    bool overlap = d < s + bytes && s < d + bytes;
    if (!overlap) {
      check(api().cuMemcpyDtoDAsync(dptr(dst), dptr(src), bytes, stream_), "cuMemcpyDtoDAsync");
      return;
    }
    // Overlapping ranges (copy_samples within one tensor): through a temporary, as memmove.
    Scratch tmp(*this, bytes);
    check(api().cuMemcpyDtoDAsync(dptr(tmp.get()), dptr(src), bytes, stream_), "cuMemcpyDtoDAsync");
    check(api().cuMemcpyDtoDAsync(dptr(dst), dptr(tmp.get()), bytes, stream_), "cuMemcpyDtoDAsync");
  }
  void fill(float* x, int64_t count, float value) override {
    if (count <= 0) return;
    bind();
    unsigned bits = 0;
    std::memcpy(&bits, &value, sizeof bits);
    check(api().cuMemsetD32Async(dptr(x), bits, static_cast<size_t>(count), stream_),
          "cuMemsetD32Async");
  }
  void synchronize() override {
    no_host_work_while_capturing("synchronize");
    bind();
    sync();
  }
  bool all_finite(const float* x, int64_t count) override {
    if (count <= 0) return true;
    no_host_work_while_capturing("all_finite");
    bind();
    Scratch flag(*this, sizeof(int));
    check(api().cuMemsetD32Async(dptr(flag.get()), 0u, 1, stream_), "cuMemsetD32Async");
    int* bad = static_cast<int*>(flag.get());
    launch(k_.ac_all_finite, "ac_all_finite", elementwise_grid(count), kThreads, x, count, bad);
    int host = 0;
    check(api().cuMemcpyDtoHAsync(&host, dptr(bad), sizeof host, stream_), "cuMemcpyDtoHAsync");
    ++transfers.device_to_host;
    sync();
    return host == 0;
  }
  void fill_normal(float* x, int64_t count, float mean, float std, uint64_t seed,
                   uint64_t offset) override {
    if (count <= 0) return;
    bind();
    launch(k_.ac_fill_normal, "ac_fill_normal", elementwise_grid((count + 3) / 4), kThreads, x,
           count, mean, std, seed, offset);
  }
  void fill_uniform(float* x, int64_t count, float lo, float hi, uint64_t seed,
                    uint64_t offset) override {
    if (count <= 0) return;
    bind();
    launch(k_.ac_fill_uniform, "ac_fill_uniform", elementwise_grid((count + 3) / 4), kThreads,
           x, count, lo, hi, seed, offset);
  }

  // ---------------------------------------------------------------- layers

  void conv2d_forward(const ConvShape& s, const float* x, const float* w, const float* b,
                      float* y) override {
    bind();
    const AcConvArgs a = conv_args(s);
    const int64_t Q = s.c * s.kh * s.kw, P = s.oh * s.ow;
    if (conv_mode_ == ConvMode::Direct || (conv_mode_ == ConvMode::Auto && Q <= 64)) {
      launch(k_.ac_conv_direct_forward, "ac_conv_direct_forward",
             elementwise_grid(s.n * s.o * P), kThreads, a, x, w, b, y);
      return;
    }
    const int64_t nc = conv_chunk(s);
    float* col = conv_workspace(nc, Q, s.o, P);
    float* tmp = col + Q * nc * P;
    for (int64_t n0 = 0; n0 < s.n; n0 += nc) {
      const int64_t cur = std::min(nc, s.n - n0);
      launch(k_.ac_im2col, "ac_im2col", elementwise_grid(Q * cur * P), kThreads, a, x, col, n0,
             cur);
      gemm(false, false, s.o, cur * P, Q, 1.0f, w, Q, col, cur * P, 0.0f, tmp, cur * P);
      launch(k_.ac_gemm_to_nchw, "ac_gemm_to_nchw", elementwise_grid(cur * s.o * P), kThreads,
             static_cast<const float*>(tmp), b, y, s.o, P, n0, cur);
    }
  }

  void conv2d_backward(const ConvShape& s, const float* x, const float* w, const float* dy,
                       float* dx, float* dw, float* db) override {
    bind();
    const AcConvArgs a = conv_args(s);
    const int64_t Q = s.c * s.kh * s.kw, P = s.oh * s.ow;
    if (db)
      launch(k_.ac_channel_sum, "ac_channel_sum", block_grid(s.o), kThreads, dy, db, s.n, s.o, P);
    if (!dx && !dw) return;
    const int64_t nc = conv_chunk(s);
    float* col = conv_workspace(nc, Q, s.o, P);
    float* dyt = col + Q * nc * P;
    for (int64_t n0 = 0; n0 < s.n; n0 += nc) {
      const int64_t cur = std::min(nc, s.n - n0);
      launch(k_.ac_nchw_to_gemm, "ac_nchw_to_gemm", elementwise_grid(cur * s.o * P), kThreads,
             dy, dyt, s.o, P, n0, cur);
      if (dw) {
        launch(k_.ac_im2col, "ac_im2col", elementwise_grid(Q * cur * P), kThreads, a, x, col,
               n0, cur);
        // dW[O][Q] (+)= dyT[O][cur*P] col[Q][cur*P]^T; the first chunk overwrites.
        gemm(false, true, s.o, Q, cur * P, 1.0f, dyt, cur * P, col, cur * P,
             n0 == 0 ? 0.0f : 1.0f, dw, Q);
      }
      if (dx) {
        // dcol[Q][cur*P] = W[O][Q]^T dyT[O][cur*P], then gathered into dx.
        gemm(true, false, Q, cur * P, s.o, 1.0f, w, Q, dyt, cur * P, 0.0f, col, cur * P);
        launch(k_.ac_col2im, "ac_col2im", elementwise_grid(cur * s.c * s.h * s.w), kThreads, a,
               static_cast<const float*>(col), dx, n0, cur);
      }
    }
  }

  void linear_forward(int64_t n, int64_t in, int64_t out, const float* x, const float* w,
                      const float* b, float* y) override {
    bind();
    gemm(false, true, n, out, in, 1.0f, x, in, w, in, 0.0f, y, out);
    if (b) launch(k_.ac_bias_rows, "ac_bias_rows", elementwise_grid(n * out), kThreads, y, b, n, out);
  }

  void linear_backward(int64_t n, int64_t in, int64_t out, const float* x, const float* w,
                       const float* dy, float* dx, float* dw, float* db) override {
    bind();
    if (dx) gemm(false, false, n, in, out, 1.0f, dy, out, w, in, 0.0f, dx, in);
    if (dw) gemm(true, false, out, in, n, 1.0f, dy, out, x, in, 0.0f, dw, in);
    if (db) launch(k_.ac_column_sum, "ac_column_sum", elementwise_grid(out), kThreads, dy, db, n, out);
  }

  void activation_forward(Activation kind, float param, int64_t count, const float* x,
                          float* y) override {
    if (count <= 0) return;
    bind();
    launch(k_.ac_activation_forward, "ac_activation_forward", elementwise_grid(count), kThreads,
           static_cast<int>(kind), param, x, y, count);
  }
  void activation_backward(Activation kind, float param, int64_t count, const float* x,
                           const float* dy, float* dx) override {
    if (count <= 0) return;
    bind();
    launch(k_.ac_activation_backward, "ac_activation_backward", elementwise_grid(count),
           kThreads, static_cast<int>(kind), param, x, dy, dx, count);
  }

  void maxpool_forward(const PoolShape& s, const float* x, float* y) override {
    bind();
    launch(k_.ac_maxpool_forward, "ac_maxpool_forward", elementwise_grid(s.n * s.c * s.oh * s.ow),
           kThreads, pool_args(s), x, y);
  }
  void maxpool_backward(const PoolShape& s, const float* x, const float* dy, float* dx) override {
    bind();
    launch(k_.ac_maxpool_backward, "ac_maxpool_backward", elementwise_grid(s.n * s.c * s.h * s.w),
           kThreads, pool_args(s), x, dy, dx);
  }
  void avgpool_forward(const PoolShape& s, const float* x, float* y) override {
    bind();
    launch(k_.ac_avgpool_forward, "ac_avgpool_forward", elementwise_grid(s.n * s.c * s.oh * s.ow),
           kThreads, pool_args(s), x, y);
  }
  void avgpool_backward(const PoolShape& s, const float* dy, float* dx) override {
    bind();
    launch(k_.ac_avgpool_backward, "ac_avgpool_backward", elementwise_grid(s.n * s.c * s.h * s.w),
           kThreads, pool_args(s), dy, dx);
  }
  void global_avgpool_forward(int64_t nc, int64_t hw, const float* x, float* y) override {
    bind();
    launch(k_.ac_global_avgpool_forward, "ac_global_avgpool_forward", warp_grid(nc), kThreads,
           x, y, nc, hw);
  }
  void global_avgpool_backward(int64_t nc, int64_t hw, const float* dy, float* dx) override {
    bind();
    launch(k_.ac_global_avgpool_backward, "ac_global_avgpool_backward",
           elementwise_grid(nc * hw), kThreads, dy, dx, nc, hw);
  }

  void batchnorm_forward(const BatchNormShape& s, const float* x, const float* gamma,
                         const float* beta, float* running_mean, float* running_var,
                         float* save_mean, float* save_invstd, float* y, bool training,
                         float momentum, float eps) override {
    bind();
    const AcBnArgs a{s.n, s.c, s.hw};
    Scratch stats(*this, static_cast<size_t>(2 * s.c) * sizeof(double));
    double* st = static_cast<double*>(stats.get());
    if (training)
      launch(k_.ac_bn_stats_train, "ac_bn_stats_train", block_grid(s.c), kThreads, a, x,
             running_mean, running_var, save_mean, save_invstd, st, momentum, eps);
    else
      launch(k_.ac_bn_stats_eval, "ac_bn_stats_eval", elementwise_grid(s.c), kThreads, s.c,
             static_cast<const float*>(running_mean), static_cast<const float*>(running_var),
             save_mean, save_invstd, st, eps);
    launch(k_.ac_bn_apply, "ac_bn_apply", elementwise_grid(s.n * s.c * s.hw), kThreads, a, x,
           gamma, beta, static_cast<const double*>(st), y);
  }

  void batchnorm_backward(const BatchNormShape& s, const float* x, const float* gamma,
                          const float* save_mean, const float* save_invstd, const float* dy,
                          float* dx, float* dgamma, float* dbeta, bool training) override {
    if (!dx && !dgamma && !dbeta) return;
    bind();
    const AcBnArgs a{s.n, s.c, s.hw};
    Scratch sums(*this, static_cast<size_t>(2 * s.c) * sizeof(double));
    double* sm = static_cast<double*>(sums.get());
    launch(k_.ac_bn_backward_reduce, "ac_bn_backward_reduce", block_grid(s.c), kThreads, a, x,
           dy, save_mean, save_invstd, sm, dgamma, dbeta);
    if (dx)
      launch(k_.ac_bn_backward_dx, "ac_bn_backward_dx", elementwise_grid(s.n * s.c * s.hw),
             kThreads, a, x, dy, gamma, save_mean, save_invstd, static_cast<const double*>(sm),
             dx, training ? 1 : 0);
  }

  void dropout_forward(int64_t count, const float* x, float* mask, float* y, float p,
                       uint64_t seed, uint64_t offset) override {
    if (count <= 0) return;
    bind();
    const float scale = 1.0f / (1.0f - p);  // exactly the reference's T(1) / (T(1) - p)
    launch(k_.ac_dropout_forward, "ac_dropout_forward", elementwise_grid((count + 3) / 4),
           kThreads, x, mask, y, count, p, scale, seed, offset);
  }
  void mul(int64_t count, const float* a, const float* b, float* y) override {
    if (count <= 0) return;
    bind();
    launch(k_.ac_mul, "ac_mul", elementwise_grid(count), kThreads, a, b, y, count);
  }
  void add(int64_t count, const float* a, const float* b, float* y) override {
    if (count <= 0) return;
    bind();
    launch(k_.ac_add, "ac_add", elementwise_grid(count), kThreads, a, b, y, count);
  }

  // ---------------------------------------------------------------- losses

  void loss_forward_backward(Loss kind, float param, int64_t n, int64_t k, const float* logits,
                             const int32_t* labels, float* loss, float* dlogits) override {
    static_assert(static_cast<int>(Loss::CwMargin) == AC_K_CW_MARGIN &&
                      static_cast<int>(Loss::CwMarginTargeted) == AC_K_CW_MARGIN_TARGETED &&
                      static_cast<int>(Loss::Dlr) == AC_K_DLR &&
                      static_cast<int>(Loss::DlrTargeted) == AC_K_DLR_TARGETED,
                  "loss kind codes (kernel_args.h) mirror ac::Loss");
    if (n <= 0) return;
    bind();
    launch(k_.ac_loss_forward_backward, "ac_loss_forward_backward", warp_grid(n), kThreads,
           static_cast<int>(kind), param, n, k, logits, labels, loss, dlogits);
  }
  void argmax(int64_t n, int64_t k, const float* logits, int32_t* pred) override {
    if (n <= 0) return;
    bind();
    launch(k_.ac_argmax, "ac_argmax", warp_grid(n), kThreads, n, k, logits, pred);
  }

  // ---------------------------------------------------------------- optimisers

  void adam_update(int64_t count, float* param, const float* grad, float* m, float* v, float lr,
                   float beta1, float beta2, float eps, float weight_decay,
                   int64_t step) override {
    if (count <= 0) return;
    bind();
    const double bc1 = 1.0 - std::pow(static_cast<double>(beta1), static_cast<double>(step));
    const double bc2 = 1.0 - std::pow(static_cast<double>(beta2), static_cast<double>(step));
    launch(k_.ac_adam_update, "ac_adam_update", elementwise_grid(count), kThreads, count, param,
           grad, m, v, lr, beta1, beta2, eps, weight_decay, bc1, bc2);
  }
  void sgd_update(int64_t count, float* param, const float* grad, float* vel, float lr,
                  float momentum, float weight_decay, bool nesterov) override {
    if (count <= 0) return;
    bind();
    launch(k_.ac_sgd_update, "ac_sgd_update", elementwise_grid(count), kThreads, count, param,
           grad, vel, lr, momentum, weight_decay, nesterov ? 1 : 0);
  }

  // ---------------------------------------------------------------- per-sample primitives

  void batch_l2_norm(int64_t n, int64_t d, const float* x, float* out) override {
    reduce(AC_K_L2, n, d, x, nullptr, out);
  }
  void batch_linf_norm(int64_t n, int64_t d, const float* x, float* out) override {
    reduce(AC_K_LINF, n, d, x, nullptr, out);
  }
  void batch_dot(int64_t n, int64_t d, const float* a, const float* b, float* out) override {
    reduce(AC_K_DOT, n, d, a, b, out);
  }
  void batch_axpy(int64_t n, int64_t d, const float* alpha, const float* x, float* y) override {
    if (n <= 0) return;
    bind();
    launch(k_.ac_batch_axpy, "ac_batch_axpy", block_grid(n), kThreads, n, d, alpha, x, y);
  }
  void batch_scale(int64_t n, int64_t d, const float* alpha, float* x) override {
    if (n <= 0) return;
    bind();
    launch(k_.ac_batch_scale, "ac_batch_scale", block_grid(n), kThreads, n, d, alpha, x);
  }
  void clip01(int64_t count, float* x) override {
    if (count <= 0) return;
    bind();
    launch(k_.ac_clip01, "ac_clip01", elementwise_grid(count), kThreads, count, x);
  }
  void project_l2(int64_t n, int64_t d, const float* center, const float* eps,
                  float* y) override {
    if (n <= 0) return;
    bind();
    launch(k_.ac_project_l2, "ac_project_l2", block_grid(n), kThreads, n, d, center, eps, y);
  }
  void project_linf(int64_t n, int64_t d, const float* center, const float* eps,
                    float* y) override {
    if (n <= 0) return;
    bind();
    launch(k_.ac_project_linf, "ac_project_linf", block_grid(n), kThreads, n, d, center, eps, y);
  }
  void quantize8(int64_t count, float* x) override {
    if (count <= 0) return;
    bind();
    launch(k_.ac_quantize8, "ac_quantize8", elementwise_grid(count), kThreads, count, x);
  }

  // ---------------------------------------------------------------- Gaussian low-pass (lowpass.cu)

  void gaussian_blur(int64_t planes, int64_t h, int64_t w, float sigma, const float* x,
                     float* y) override {
    if (planes <= 0 || h <= 0 || w <= 0) return;
    bind();
    const double s = static_cast<double>(sigma);
    const int64_t r = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(2.5 * s)));
    const int64_t used_w = std::min(r, w - 1), used_h = std::min(r, h - 1);
    const int64_t hw = h * w, count = planes * hw;
    // Taps for both axes (rows first), then the row pass into a scratch plane stack, so y may be x.
    Scratch taps(*this, static_cast<size_t>(used_w + used_h + 2) * sizeof(float));
    Scratch tmp(*this, static_cast<size_t>(count) * sizeof(float));
    float* taps_w = static_cast<float*>(taps.get());
    float* taps_h = taps_w + used_w + 1;
    launch(k_.ac_gaussian_taps, "ac_gaussian_taps", 1, kThreads, s, r, used_w, taps_w);
    launch(k_.ac_gaussian_taps, "ac_gaussian_taps", 1, kThreads, s, r, used_h, taps_h);
    float* t = static_cast<float*>(tmp.get());
    const float* tc = t;
    const int64_t one = 1;
    launch(k_.ac_gaussian_pass, "ac_gaussian_pass", elementwise_grid(count), kThreads,
           planes * h, h, hw, w, w, one, used_w, static_cast<const float*>(taps_w), x, t);
    launch(k_.ac_gaussian_pass, "ac_gaussian_pass", elementwise_grid(count), kThreads,
           planes * w, w, hw, one, h, w, used_h, static_cast<const float*>(taps_h), tc, y);
  }
  void smooth_clip_masks(int64_t n, int64_t d, const float* x, const float* r, float eps,
                         float* m0, float* m1, float* a0, float* a1, int32_t* outside) override {
    if (n <= 0) return;
    bind();
    launch(k_.ac_smooth_clip_masks, "ac_smooth_clip_masks", block_grid(n), kThreads, n, d, x, r,
           eps, m0, m1, a0, a1, outside);
  }

  // ---------------------------------------------------------------- patch replacement (patches.cu)

  void patches_extract(const PatchShape& s, const float* features, float* patches) override {
    const int64_t total = s.slices() * s.n * s.per_image() * s.dim();
    if (total <= 0) return;
    bind();
    launch(k_.ac_patch_extract, "ac_patch_extract", elementwise_grid(total), kThreads, s.n,
           s.depth, s.h, s.w, s.d, s.p, s.c, s.rows, s.cols, features, patches);
  }
  void patches_rebuild(const PatchShape& s, const float* patches, float* features) override {
    const int64_t total = s.n * s.depth * s.h * s.w;
    if (total <= 0) return;
    bind();
    launch(k_.ac_patch_rebuild, "ac_patch_rebuild", elementwise_grid(total), kThreads, s.n,
           s.depth, s.h, s.w, s.d, s.p, s.c, s.rows, s.cols, patches, features);
  }
  void patch_strategy_apply(int64_t rows, int64_t dim, int32_t strategy, float eps,
                            float* patches, const float* quantized) override {
    if (rows <= 0 || dim <= 0) return;
    bind();
    const int kind = strategy;
    // L2: one thread per row; the others: one thread per value.
    launch(k_.ac_patch_strategy, "ac_patch_strategy", elementwise_grid(kind == 1 ? rows : rows * dim),
           kThreads, rows, dim, kind, eps, patches, quantized);
  }
  void e8_quantize(int64_t blocks, float scale, const float* x, float* out) override {
    if (blocks <= 0) return;
    bind();
    launch(k_.ac_e8_nearest, "ac_e8_nearest", elementwise_grid(blocks), kThreads, blocks, scale,
           x, out);
  }

  // ---------------------------------------------------------------- nearest neighbours (knn.cu)

  void knn(int64_t n, int64_t K, int64_t d, int32_t k, const float* queries, const float* codebook,
           const float* /*codebook_sq_norms*/, int32_t* indices, float* distances) override {
    if (n <= 0) return;
    bind();
    constexpr int64_t kKnnThreads = 128;   // AC_KNN_THREADS in knn.cu
    constexpr int64_t kMinPartRows = 1024;  // a codebook part is worth a block from this size
    const int m = knn_candidates(K, k);
    const int64_t query_blocks = (n + kKnnThreads - 1) / kKnnThreads;
    // Split the codebook into parts when the query blocks alone cannot fill the GPU.
    const int64_t want = static_cast<int64_t>(gpu_.info->sms) * 4;
    int64_t parts = query_blocks >= want ? 1 : (want + query_blocks - 1) / query_blocks;
    parts = std::max<int64_t>(1, std::min({parts, K / kMinPartRows, int64_t{65535}}));
    const size_t slots = static_cast<size_t>(parts * n * m);
    Scratch cand_v(*this, slots * sizeof(float)), cand_i(*this, slots * sizeof(int32_t));
    float* cv = static_cast<float*>(cand_v.get());
    int32_t* ci = static_cast<int32_t*>(cand_i.get());
    launch2d(k_.ac_knn_scan, "ac_knn_scan", block_grid(query_blocks), static_cast<unsigned>(parts),
             static_cast<unsigned>(kKnnThreads), n, K, d, m, parts, queries, codebook, cv, ci);
    const float* cvc = cv;
    const int32_t* cic = ci;
    const int kk = k;
    launch(k_.ac_knn_finish, "ac_knn_finish", elementwise_grid(n), kThreads, n, K, d, kk, m, parts,
           queries, codebook, cvc, cic, indices, distances);
  }
  void row_sq_norms(int64_t n, int64_t d, const float* x, float* out) override {
    if (n <= 0) return;
    bind();
    launch(k_.ac_row_sq_norms, "ac_row_sq_norms", elementwise_grid(n), kThreads, n, d, x, out);
  }
  void gather_rows(int64_t n, int64_t K, int64_t d, const float* table, const int32_t* indices,
                   float* out) override {
    const int64_t total = n * d;
    if (total <= 0) return;
    bind();
    launch(k_.ac_gather_rows, "ac_gather_rows", elementwise_grid(total), kThreads, n, K, d, table,
           indices, out);
  }

  // ---------------------------------------------------------------- fused attack steps
  // One block per sample (attack.cu); the ABI layer has checked every operand.

  static AcAttackArgs args(const AttackRows& o) {
    return AcAttackArgs{o.n, o.d, o.k, o.x, o.y, o.grad, o.logits, o.labels, o.best_y,
                        o.best_norm, o.criterion.kind, o.criterion.margin};
  }

  void attack_keep_best(const AttackRows& o, int32_t* adversarial) override {
    if (o.n <= 0) return;
    bind();
    launch(k_.ac_attack_keep_best, "ac_attack_keep_best", block_grid(o.n), kThreads, args(o),
           adversarial);
  }
  void pgd_step(const AttackRows& o, const float* eps, const float* alpha, int32_t norm,
                float grad_sign, bool quantize) override {
    if (o.n <= 0) return;
    bind();
    launch(k_.ac_pgd_step, "ac_pgd_step", block_grid(o.n), kThreads, args(o), eps, alpha,
           static_cast<int>(norm), grad_sign, quantize ? 1 : 0);
  }
  void ddn_step(const AttackRows& o, float* radius, float alpha, float gamma, float grad_sign,
                bool quantize) override {
    if (o.n <= 0) return;
    bind();
    launch(k_.ac_ddn_step, "ac_ddn_step", block_grid(o.n), kThreads, args(o), radius, alpha,
           gamma, grad_sign, quantize ? 1 : 0);
  }
  void bp_step(const AttackRows& o, int32_t* stage, float gamma, float alpha, float beta_min,
               float grad_sign, int32_t rounding) override {
    if (o.n <= 0) return;
    bind();
    launch(k_.ac_bp_step, "ac_bp_step", block_grid(o.n), kThreads, args(o), stage, gamma, alpha,
           beta_min, grad_sign, static_cast<int>(rounding));
  }
  void quantized_line_search(int64_t n, int64_t d, const float* x, const float* y,
                             const float* z, float* out, float* beta) override {
    if (n <= 0) return;
    bind();
    launch(k_.ac_quantized_line_search, "ac_quantized_line_search", block_grid(n), kThreads, n,
           d, x, y, z, out, beta);
  }
  void cw_init(int64_t n, int64_t d, const float* x, float* w, float* y) override {
    const int64_t count = n * d;
    if (count <= 0) return;
    bind();
    launch(k_.ac_cw_init, "ac_cw_init", elementwise_grid(count), kThreads, count, x, w, y);
  }
  void cw_step(const AttackRows& o, float* w, const float* lambda, float* m, float* v,
               int32_t* found, float lr, float beta1, float beta2, float eps,
               int64_t step) override {
    if (o.n <= 0) return;
    bind();
    const double bc1 = 1.0 - std::pow(static_cast<double>(beta1), static_cast<double>(step));
    const double bc2 = 1.0 - std::pow(static_cast<double>(beta2), static_cast<double>(step));
    launch(k_.ac_cw_step, "ac_cw_step", block_grid(o.n), kThreads, args(o), w, lambda, m, v,
           found, lr, beta1, beta2, eps, bc1, bc2);
  }
  void deepfool_step(const AttackRows& o, float* r_total, const float* jacobian,
                     int32_t* active, float overshoot) override {
    if (o.n <= 0) return;
    bind();
    const int64_t class_stride = o.n * o.d;  // jacobian is class-major [k, n, d]
    launch(k_.ac_deepfool_step, "ac_deepfool_step", block_grid(o.n), kThreads, args(o), r_total,
           jacobian, class_stride, active, overshoot);
  }
  void jsma_step(const AttackRows& o, const float* grad_target, const float* grad_other,
                 float* domain, int32_t* changed, int32_t* active, float theta,
                 int64_t max_changed) override {
    if (o.n <= 0) return;
    bind();
    launch(k_.ac_jsma_step, "ac_jsma_step", block_grid(o.n), kThreads, args(o), grad_target,
           grad_other, domain, changed, active, theta, max_changed);
  }

  // ---------------------------------------------------------------- graph-Laplacian smoothing
  // smoothing.cu: the graph in two per-pixel kernels (degrees in a double scratch), the
  // matvec per pixel, the CG one block per system. No host transfer, no synchronisation.

  static AcCgArgs cg_args(const CgProblem& p) {
    return AcCgArgs{p.systems, p.per_graph, p.h, p.w, p.weights, p.s1, p.b, p.x, p.work,
                    p.iterations, p.residuals, p.k, p.mode, p.warm ? 1 : 0, p.max_iter,
                    p.alpha, p.tol};
  }

  void smoothing_graph_build(const SmoothingGraphShape& s, const float* images,
                             float* weights) override {
    const int64_t pixels = s.n * s.h * s.w;
    if (pixels <= 0) return;
    bind();
    const AcGraphArgs a{s.n, s.c, s.h, s.w, s.k, s.kernel, s.sigma_f, s.sigma_s};
    Scratch degree(*this, static_cast<size_t>(pixels) * sizeof(double));
    double* d = static_cast<double*>(degree.get());
    launch(k_.ac_graph_degrees, "ac_graph_degrees", elementwise_grid(pixels), kThreads, a, images,
           d);
    launch(k_.ac_graph_weights, "ac_graph_weights", elementwise_grid(pixels), kThreads, a, images,
           static_cast<const double*>(d), weights);
  }
  void smoothing_apply(const CgProblem& p, const float* v, float* y) override {
    const int64_t total = p.systems * p.h * p.w;
    if (total <= 0) return;
    bind();
    launch(k_.ac_laplacian_apply, "ac_laplacian_apply", elementwise_grid(total), kThreads,
           cg_args(p), v, y);
  }
  void smoothing_cg(const CgProblem& p) override {
    if (p.systems <= 0) return;
    bind();
    // A warp per 32 pixels up to kThreads: small images do not idle most of a block.
    const int64_t hw = p.h * p.w;
    const unsigned threads = static_cast<unsigned>(std::min<int64_t>(kThreads, (hw + 31) / 32 * 32));
    launch(k_.ac_cg_solve, "ac_cg_solve", block_grid(p.systems), threads, cg_args(p));
  }

  // ---------------------------------------------------------------- CUDA graphs
  // Stream capture in relaxed mode (the caching allocator may cuMemAlloc meanwhile). Blocks
  // freed during a capture may be used by the graph, so they are parked (retired_) rather
  // than recycled, and so is a replaced im2col workspace while any graph lives; all parked
  // blocks go back when the last graph is destroyed. Tensors a graph reads or writes must
  // outlive it (advcore.h). Not yet run on a GPU: see README.md, "What awaits a GPU run".

  const char* graph_unsupported_reason() const override {
    return driver().graphs ? nullptr : driver().graph_error.c_str();
  }
  void graph_begin() override {
    if (!driver().graphs) fail(AC_ERR_NOT_AVAILABLE, "CUDA graphs: " + driver().graph_error);
    if (capturing_) fail(AC_ERR_INVALID_ARGUMENT, "graph_begin: a capture is already in progress");
    bind();
    check(driver().graph.cuStreamBeginCapture(stream_, CU_STREAM_CAPTURE_MODE_RELAXED),
          "cuStreamBeginCapture");
    capturing_ = true;
  }
  void* graph_end() override {
    if (!capturing_) fail(AC_ERR_INVALID_ARGUMENT, "graph_end: no capture in progress");
    bind();
    const GraphApi& g = driver().graph;
    capturing_ = false;  // the driver ends the capture even when it reports an error
    CUgraph graph = nullptr;
    check(g.cuStreamEndCapture(stream_, &graph), "cuStreamEndCapture");
    CUgraphExec exec = nullptr;
    CUresult r = g.cuGraphInstantiateWithFlags(&exec, graph, 0);
    g.cuGraphDestroy(graph);
    check(r, "cuGraphInstantiateWithFlags");
    ++live_graphs_;
    return exec;
  }
  void graph_launch(void* graph) override {
    no_host_work_while_capturing("graph_launch");
    bind();
    check(driver().graph.cuGraphLaunch(static_cast<CUgraphExec>(graph), stream_), "cuGraphLaunch");
  }
  void graph_destroy(void* graph) noexcept override {
    if (!graph) return;
    api().cuCtxSetCurrent(gpu_.ctx);
    sync_noexcept();  // a launch may still be running
    driver().graph.cuGraphExecDestroy(static_cast<CUgraphExec>(graph));
    if (--live_graphs_ == 0 && !capturing_) {
      for (auto [p, uncached] : retired_)
        uncached ? allocator_->release_uncached(p) : allocator_->release(p);
      retired_.clear();
    }
  }

 private:
  enum class ConvMode { Auto, Gemm, Direct };

  void no_host_work_while_capturing(const char* op) const {
    if (capturing_)
      fail(AC_ERR_INVALID_ARGUMENT,
           format("%s needs the host, which is not allowed while a CUDA graph is being "
                  "captured (between ac_graph_begin and ac_graph_end)", op));
  }
  // Back to the allocator, or parked while a graph may still use the block.
  void release_block(void* p, bool uncached) noexcept {
    if (!p) return;
    if (capturing_ || (uncached && live_graphs_ > 0)) {
      try {
        retired_.emplace_back(p, uncached);
        return;
      } catch (...) {  // out of host memory: leak the block rather than risk reuse
        return;
      }
    }
    uncached ? allocator_->release_uncached(p) : allocator_->release(p);
  }

  // A temporary device block from the caching allocator, released at scope exit (the
  // stream orders its reuse after the kernels queued here).
  class Scratch {
   public:
    Scratch(CudaBackend& b, size_t bytes) : b_(b), p_(b.allocator_->allocate(bytes)) {}
    ~Scratch() { b_.release_block(p_, false); }
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;
    void* get() const { return p_; }

   private:
    CudaBackend& b_;
    void* p_;
  };

  static const DriverApi& api() { return driver().api; }

  // Make the device's primary context current on the calling thread (.NET may call from
  // any thread; the driver's current context is per thread).
  void bind() const {
    CUcontext cur = nullptr;
    if (api().cuCtxGetCurrent(&cur) != CUDA_SUCCESS || cur != gpu_.ctx)
      check(api().cuCtxSetCurrent(gpu_.ctx), "cuCtxSetCurrent");
  }
  // Every stream synchronisation of a live backend goes through these two (counted for
  // ac_context_transfer_counts; the destructor's final one is not).
  void sync() {
    ++transfers.synchronizations;
    check(api().cuStreamSynchronize(stream_), "cuStreamSynchronize");
  }
  void sync_noexcept() noexcept {
    ++transfers.synchronizations;
    api().cuStreamSynchronize(stream_);
  }

  // Grid for a grid-stride loop over `work` items: enough blocks to fill the GPU a few
  // times over, never more than the work needs.
  unsigned elementwise_grid(int64_t work) const {
    int64_t cap = static_cast<int64_t>(gpu_.info->sms) * 32;
    int64_t need = (work + kThreads - 1) / kThreads;
    return static_cast<unsigned>(std::max<int64_t>(1, std::min(need, cap)));
  }
  // One block per item (sample, channel), grid-stride beyond 65535.
  static unsigned block_grid(int64_t items) {
    return static_cast<unsigned>(std::max<int64_t>(1, std::min<int64_t>(items, 65535)));
  }
  // One warp per item.
  unsigned warp_grid(int64_t items) const {
    int64_t warps_per_block = kThreads / 32;
    int64_t need = (items + warps_per_block - 1) / warps_per_block;
    int64_t cap = static_cast<int64_t>(gpu_.info->sms) * 32;
    return static_cast<unsigned>(std::max<int64_t>(1, std::min(need, cap)));
  }

  // cuLaunchKernel with the argument list built from the values given; each argument's
  // C++ type must match the kernel parameter (int64_t for int64_t, float for float, ...).
  template <class... A>
  void launch2d(CUfunction f, const char* name, unsigned gx, unsigned gy, unsigned block,
                const A&... args) {
    void* params[] = {const_cast<void*>(static_cast<const void*>(&args))...};
    check(api().cuLaunchKernel(f, gx, gy, 1, block, 1, 1, 0, stream_, params, nullptr),
          "cuLaunchKernel", name);
  }
  template <class... A>
  void launch(CUfunction f, const char* name, unsigned grid, unsigned block, const A&... args) {
    launch2d(f, name, grid, 1, block, args...);
  }

  void reduce(int op, int64_t n, int64_t d, const float* x, const float* y, float* out) {
    if (n <= 0) return;
    bind();
    launch(k_.ac_batch_reduce, "ac_batch_reduce", block_grid(n), kThreads, op, n, d, x, y, out);
  }

  // Row-major C[M][N] = alpha op(A) op(B) + beta C (see gemm.cu for the conventions).
  // cuBLAS is column-major, so it computes C^T = op(B)^T op(A)^T: swap the operands.
  void gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
            int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
    if (M <= 0 || N <= 0) return;
    if (K <= 0) {  // C = beta C
      if (beta == 0.0f)
        for (int64_t i = 0; i < M; ++i) fill(C + i * ldc, N, 0.0f);
      return;
    }
    const bool fits = M <= INT_MAX && N <= INT_MAX && K <= INT_MAX && lda <= INT_MAX &&
                      ldb <= INT_MAX && ldc <= INT_MAX;
    if (blas_ && fits) {
      cublasStatus_t st = cublas().api.cublasSgemm(
          blas_, tb ? CUBLAS_OP_T : CUBLAS_OP_N, ta ? CUBLAS_OP_T : CUBLAS_OP_N,
          static_cast<int>(N), static_cast<int>(M), static_cast<int>(K), &alpha, B,
          static_cast<int>(ldb), A, static_cast<int>(lda), &beta, C, static_cast<int>(ldc));
      if (st != CUBLAS_STATUS_SUCCESS)
        fail(st == 3 ? AC_ERR_OUT_OF_MEMORY : AC_ERR_DEVICE,
             format("cuBLAS error %s in cublasSgemm_v2 (M=%lld N=%lld K=%lld)",
                    cublas_status_name(st), static_cast<long long>(M),
                    static_cast<long long>(N), static_cast<long long>(K)));
      return;
    }
    // ac_sgemm: 64x64 tiles; the grid's y dimension is limited to 65535 tiles, so very tall
    // products go in slabs of rows.
    const int64_t slab = int64_t{65535} * 64;
    for (int64_t r0 = 0; r0 < M; r0 += slab) {
      const int64_t rows = std::min(slab, M - r0);
      const float* Ar = ta ? A + r0 : A + r0 * lda;
      float* Cr = C + r0 * ldc;
      const int ta_i = ta ? 1 : 0, tb_i = tb ? 1 : 0;
      launch2d(k_.ac_sgemm, "ac_sgemm", static_cast<unsigned>((N + 63) / 64),
               static_cast<unsigned>((rows + 63) / 64), 256u, ta_i, tb_i, rows, N, K, alpha, Ar,
               lda, B, ldb, beta, Cr, ldc);
    }
  }

  // Samples per im2col chunk: as many as the workspace budget allows (at least one), with
  // chunk*P within cuBLAS's int range.
  int64_t conv_chunk(const ConvShape& s) const {
    const int64_t Q = s.c * s.kh * s.kw, P = s.oh * s.ow;
    const int64_t per_sample = (Q + s.o) * P * static_cast<int64_t>(sizeof(float));
    int64_t nc = static_cast<int64_t>(workspace_budget_) / std::max<int64_t>(per_sample, 1);
    nc = std::min(nc, static_cast<int64_t>(INT_MAX) / std::max<int64_t>(P, 1));
    return std::max<int64_t>(1, std::min(nc, s.n));
  }

  // The grow-only im2col workspace: col[Q][nc*P] followed by [O][nc*P].
  float* conv_workspace(int64_t nc, int64_t Q, int64_t O, int64_t P) {
    size_t bytes = static_cast<size_t>((Q + O) * nc * P) * sizeof(float);
    if (bytes > workspace_size_) {
      if (workspace_) {
        release_block(workspace_, true);
        workspace_ = nullptr;
        workspace_size_ = 0;
      }
      workspace_ = allocator_->allocate_uncached(bytes);
      workspace_size_ = bytes;
    }
    return static_cast<float*>(workspace_);
  }

  Gpu& gpu_;
  const Kernels& k_;
  CUstream stream_ = nullptr;
  cublasHandle_t blas_ = nullptr;
  std::unique_ptr<DeviceAllocator> allocator_;
  ConvMode conv_mode_ = ConvMode::Auto;
  size_t workspace_budget_ = size_t{256} << 20;
  void* workspace_ = nullptr;
  size_t workspace_size_ = 0;
  std::string name_;
  bool capturing_ = false;
  int live_graphs_ = 0;
  std::vector<std::pair<void*, bool>> retired_;  // (block, uncached), see graph_destroy
};

}  // namespace
}  // namespace cuda

bool cuda_available(std::string* reason) {
  const cuda::Probe& p = cuda::probe();
  if (reason) *reason = p.ok ? std::string() : "CUDA is not available: " + p.reason;
  return p.ok;
}

std::unique_ptr<Backend> make_cuda_backend(std::string* reason) {
  std::string why;
  if (!cuda_available(&why)) {
    if (reason) *reason = why;
    fail(AC_ERR_NOT_AVAILABLE, why);
  }
  return std::make_unique<cuda::CudaBackend>(cuda::gpu());
}

}  // namespace ac
