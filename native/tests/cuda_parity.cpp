// CUDA backend against the reference kernels, op by op, on random data (never zeros).
// Every test SKIPs with "CUDA is not available: <reason>" where no GPU answers, except
// cuda_availability_is_reported, which checks exactly that path.
//
// Tolerances, relative to max |reference| (CHECK_CLOSE): 1e-4 for GEMM-based ops (float
// products against a double reference); 1e-5 for reductions the GPU accumulates in double
// or float transcendentals (exp, log, sin/cos); 1e-6 for element-wise float arithmetic.
// Selections (max-pool winners, argmax, dropout masks, margin gradients, quantisation)
// must match the float reference exactly.
//
// The GEMM paths are exercised in every variant: cuBLAS (default), the built-in ac_sgemm
// (ADVCORE_CUDA_GEMM=own), the direct convolution (ADVCORE_CUDA_CONV=direct) and im2col
// in several sample chunks (ADVCORE_CUDA_CONV=gemm with a 1 MiB workspace budget).
//
// Without a GPU, the whole file runs against the CPU emulator of native/src/cuda/emu
// (LD_LIBRARY_PATH pointing at its libcuda.so.1), which checks the host glue and the
// kernels' logic but not the PTX.
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "advcore.h"
#include "core/context.h"
#include "cpu/reference.h"
#include "test_util.h"

using namespace testutil;

namespace {

using Env = std::vector<std::pair<const char*, const char*>>;

// Sets environment variables for the lifetime of the object, then restores them.
class ScopedEnv {
 public:
  explicit ScopedEnv(const Env& env) {
    for (auto& [k, v] : env) {
      const char* old = std::getenv(k);
      saved_.push_back({k, old ? std::string(old) : std::string(), old != nullptr});
      setenv(k, v, 1);
    }
  }
  ~ScopedEnv() {
    for (auto& s : saved_) {
      if (s.had) setenv(s.key, s.value.c_str(), 1);
      else unsetenv(s.key);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  struct Saved {
    const char* key;
    std::string value;
    bool had;
  };
  std::vector<Saved> saved_;
};

// A CUDA backend configured by `env`, or SKIP with the reason CUDA is unavailable.
std::unique_ptr<ac::Backend> cuda_or_skip(const Env& env = {}) {
  std::string reason;
  if (!ac::cuda_available(&reason)) SKIP(reason);
  ScopedEnv scoped(env);
  return ac::make_cuda_backend(&reason);
}

const std::vector<Env>& gemm_variants() {
  static const std::vector<Env> v = {
      {},
      {{"ADVCORE_CUDA_GEMM", "own"}},
      {{"ADVCORE_CUDA_CONV", "direct"}},
      {{"ADVCORE_CUDA_CONV", "gemm"}, {"ADVCORE_CUDA_CONV_WORKSPACE_MB", "1"}},
  };
  return v;
}

std::string describe(const Env& env) {
  std::string s;
  for (auto& [k, v] : env) s += std::string(s.empty() ? "" : " ") + k + "=" + v;
  return s.empty() ? "default" : s;
}

// A device array filled from the host (or with NaN bits, so an op that fails to write an
// output is caught), read back with host().
template <class T>
class Dev {
 public:
  Dev(ac::Backend& b, const std::vector<T>& h) : b_(&b), n_(h.size()) {
    p_ = b.alloc(bytes());
    b.copy_from_host(p_, h.data(), bytes());
  }
  Dev(ac::Backend& b, size_t n) : b_(&b), n_(n) {
    p_ = b.alloc(bytes());
    b.fill(static_cast<float*>(p_), static_cast<int64_t>(n), std::numeric_limits<float>::quiet_NaN());
  }
  ~Dev() { b_->free(p_); }
  Dev(const Dev&) = delete;
  Dev& operator=(const Dev&) = delete;
  T* p() const { return static_cast<T*>(p_); }
  std::vector<T> host() const {
    std::vector<T> h(n_);
    b_->copy_to_host(h.data(), p_, bytes());
    return h;
  }

 private:
  size_t bytes() const { return std::max<size_t>(n_, 1) * sizeof(T); }
  ac::Backend* b_;
  void* p_ = nullptr;
  size_t n_;
};

template <class T>
T* opt(bool want, const std::unique_ptr<Dev<T>>& d) {
  return want && d ? d->p() : nullptr;
}

bool same_bits(const fvec& a, const fvec& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * 4) == 0);
}

}  // namespace

// ---------------------------------------------------------------- availability

TEST(cuda_availability_is_reported) {
  int32_t available = -1;
  char reason[512];
  std::memset(reason, 'x', sizeof reason);
  CHECK_STATUS(ac_device_available(AC_DEVICE_CUDA, &available, reason, sizeof reason), AC_OK);
  CHECK(available == 0 || available == 1);
  ac_context* ctx = nullptr;
  if (available == 0) {
    // Never a crash: a reason that says what is missing, and context creation refused with it.
    CHECK_MSG(std::strncmp(reason, "CUDA is not available: ", 23) == 0, "reason: %s", reason);
    CHECK(std::strlen(reason) > 23);
    CHECK_STATUS(ac_context_create(AC_DEVICE_CUDA, 0, 1, 0, &ctx), AC_ERR_NOT_AVAILABLE);
    CHECK(ctx == nullptr);
    // `reason` holds at most sizeof reason - 1 characters of the message.
    CHECK_MSG(std::strncmp(ac_last_error(), reason, sizeof reason - 1) == 0, "last error: %s",
              ac_last_error());
    std::string why;
    CHECK(!ac::cuda_available(&why));
    CHECK(why.compare(0, std::strlen(reason), reason) == 0);
    std::printf("    (%s)\n", reason);
  } else {
    CHECK(reason[0] == '\0');
    CHECK_STATUS(ac_context_create(AC_DEVICE_CUDA, 0, 1, 0, &ctx), AC_OK);
    ac_device device = AC_DEVICE_CPU;
    CHECK_STATUS(ac_context_device(ctx, &device), AC_OK);
    CHECK(device == AC_DEVICE_CUDA);
    std::printf("    (%s)\n", ctx->backend->name());
    CHECK_STATUS(ac_context_destroy(ctx), AC_OK);
  }
}

// ---------------------------------------------------------------- memory

TEST(cuda_memory_copies_fills_and_finite_check) {
  auto gpu = cuda_or_skip();
  Rng rng(1);
  for (size_t n : {size_t{1}, size_t{1000}, size_t{1000003}}) {
    fvec h = to_float(rng.vec(n));
    Dev<float> a(*gpu, h), b(*gpu, n);
    CHECK(same_bits(a.host(), h));
    gpu->copy(b.p(), a.p(), n * 4);
    CHECK(same_bits(b.host(), h));
    gpu->fill(b.p(), static_cast<int64_t>(n), -2.5f);
    CHECK(b.host() == fvec(n, -2.5f));
    CHECK(gpu->all_finite(a.p(), static_cast<int64_t>(n)));
    for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                      -std::numeric_limits<float>::infinity()}) {
      for (size_t at : {size_t{0}, n / 2, n - 1}) {
        fvec g = h;
        g[at] = bad;
        Dev<float> c(*gpu, g);
        CHECK_MSG(!gpu->all_finite(c.p(), static_cast<int64_t>(n)), "n=%zu at=%zu", n, at);
      }
    }
  }
  // Overlapping device-to-device copies behave like memmove (copy_samples within a tensor).
  fvec h = to_float(rng.vec(1000));
  Dev<float> a(*gpu, h);
  gpu->copy(a.p() + 100, a.p(), 800 * 4);
  fvec want = h;
  std::memmove(want.data() + 100, h.data(), 800 * 4);
  CHECK(same_bits(a.host(), want));
  Dev<float> c(*gpu, h);
  gpu->copy(c.p(), c.p() + 100, 800 * 4);
  want = h;
  std::memmove(want.data(), h.data() + 100, 800 * 4);
  CHECK(same_bits(c.host(), want));
}

// ---------------------------------------------------------------- random streams

TEST(cuda_random_fills_match_reference) {
  auto gpu = cuda_or_skip();
  for (int64_t n : {int64_t{1}, int64_t{3}, int64_t{4}, int64_t{5}, int64_t{1001}, int64_t{100003}}) {
    for (uint64_t offset : {uint64_t{0}, uint64_t{7}, uint64_t{1} << 40}) {
      const size_t un = static_cast<size_t>(n);
      fvec u_ref(un), g_ref(un);
      ac::ref::fill_uniform<float>(u_ref.data(), n, -0.5f, 2.0f, 1234, offset);
      ac::ref::fill_normal<float>(g_ref.data(), n, 0.25f, 1.5f, 1234, offset);
      Dev<float> u(*gpu, un), g(*gpu, un);
      gpu->fill_uniform(u.p(), n, -0.5f, 2.0f, 1234, offset);
      gpu->fill_normal(g.p(), n, 0.25f, 1.5f, 1234, offset);
      CHECK_CLOSE(u.host(), u_ref, 1e-6);
      // Float log/sin/cos against double ones: a few ulps.
      CHECK_CLOSE(g.host(), g_ref, 1e-5);
    }
  }
}

TEST(cuda_dropout_add_mul_match_reference) {
  auto gpu = cuda_or_skip();
  for (int64_t count : {int64_t{13}, int64_t{100001}}) {
    for (float p : {0.0f, 0.3f, 0.9f}) {
      Rng rng(static_cast<uint64_t>(count) + 5);
      const size_t n = static_cast<size_t>(count);
      fvec x = to_float(rng.vec(n)), b = to_float(rng.vec(n));
      fvec mask_ref(n), y_ref(n);
      ac::ref::dropout_forward<float>(count, x.data(), mask_ref.data(), y_ref.data(), p, 42, 1001);
      Dev<float> dx(*gpu, x), db(*gpu, b), mask(*gpu, n), y(*gpu, n);
      gpu->dropout_forward(count, dx.p(), mask.p(), y.p(), p, 42, 1001);
      CHECK(same_bits(mask.host(), mask_ref));
      CHECK(same_bits(y.host(), y_ref));
      // In place (y = x).
      Dev<float> inplace(*gpu, x);
      gpu->dropout_forward(count, inplace.p(), mask.p(), inplace.p(), p, 42, 1001);
      CHECK(same_bits(inplace.host(), y_ref));
      fvec sum_ref(n), prod_ref(n);
      ac::ref::add<float>(count, x.data(), b.data(), sum_ref.data());
      ac::ref::mul<float>(count, x.data(), b.data(), prod_ref.data());
      gpu->add(count, dx.p(), db.p(), y.p());
      CHECK(same_bits(y.host(), sum_ref));
      gpu->mul(count, dx.p(), db.p(), y.p());
      CHECK(same_bits(y.host(), prod_ref));
    }
  }
}

// ---------------------------------------------------------------- convolution and linear

TEST(cuda_conv2d_matches_reference) {
  // n, c, h, w, o, kh, kw, sh, sw, pad top/bottom/left/right
  const std::vector<ac::ConvShape> shapes = {
      conv_shape(2, 1, 28, 28, 4, 8, 8, 2, 2, 3, 3, 3, 3),    // C4 layer 1, 'same'
      conv_shape(3, 4, 14, 14, 6, 6, 6, 2, 2, 0, 0, 0, 0),    // C4 layer 2, 'valid'
      conv_shape(2, 3, 9, 7, 5, 3, 3, 1, 1, 1, 1, 1, 1),
      conv_shape(2, 3, 10, 11, 4, 3, 2, 2, 3, 0, 1, 1, 0),    // asymmetric everything
      conv_shape(13, 16, 16, 16, 8, 3, 3, 1, 1, 1, 1, 1, 1),  // several im2col chunks at 1 MiB
      conv_shape(1, 2, 5, 5, 3, 5, 5, 1, 1, 0, 0, 0, 0),      // 1x1 output
  };
  for (const Env& env : gemm_variants()) {
    auto gpu = cuda_or_skip(env);
    for (const ac::ConvShape& s : shapes) {
      Rng rng(static_cast<uint64_t>(s.n * 100 + s.c * 10 + s.kh));
      const size_t nx = static_cast<size_t>(s.n * s.c * s.h * s.w),
                   nw = static_cast<size_t>(s.o * s.c * s.kh * s.kw), no = static_cast<size_t>(s.o),
                   ny = static_cast<size_t>(s.n * s.o * s.oh * s.ow);
      dvec x = rng.vec(nx), w = rng.vec(nw, -0.5, 0.5), b = rng.vec(no), dy = rng.vec(ny);
      dvec y_ref(ny), y0_ref(ny), dx_ref(nx), dw_ref(nw), db_ref(no);
      ac::ref::conv2d_forward<double>(s, x.data(), w.data(), b.data(), y_ref.data());
      ac::ref::conv2d_forward<double>(s, x.data(), w.data(), nullptr, y0_ref.data());
      ac::ref::conv2d_backward<double>(s, x.data(), w.data(), dy.data(), dx_ref.data(),
                                       dw_ref.data(), db_ref.data());
      Dev<float> gx(*gpu, to_float(x)), gw(*gpu, to_float(w)), gb(*gpu, to_float(b)),
          gdy(*gpu, to_float(dy)), gy(*gpu, ny);
      gpu->conv2d_forward(s, gx.p(), gw.p(), gb.p(), gy.p());
      std::string why;
      CHECK_MSG(harness::close_arrays(gy.host(), y_ref, 1e-4, &why), "%s, %lldx%lldx%lldx%lld k%lld: y %s",
                describe(env).c_str(), (long long)s.n, (long long)s.c, (long long)s.h,
                (long long)s.w, (long long)s.kh, why.c_str());
      gpu->conv2d_forward(s, gx.p(), gw.p(), nullptr, gy.p());
      CHECK_CLOSE(gy.host(), y0_ref, 1e-4);
      for (int want = 1; want < 8; ++want) {
        auto gdx = std::make_unique<Dev<float>>(*gpu, nx);
        auto gdw = std::make_unique<Dev<float>>(*gpu, nw);
        auto gdb = std::make_unique<Dev<float>>(*gpu, no);
        gpu->conv2d_backward(s, gx.p(), gw.p(), gdy.p(), opt(want & 1, gdx), opt(want & 2, gdw),
                             opt(want & 4, gdb));
        if (want & 1)
          CHECK_MSG(harness::close_arrays(gdx->host(), dx_ref, 1e-4, &why), "%s: dx %s",
                    describe(env).c_str(), why.c_str());
        if (want & 2)
          CHECK_MSG(harness::close_arrays(gdw->host(), dw_ref, 1e-4, &why), "%s: dw %s",
                    describe(env).c_str(), why.c_str());
        if (want & 4) CHECK_CLOSE(gdb->host(), db_ref, 1e-5);
      }
    }
    CHECK(gpu->workspace_bytes() >= 0);
  }
}

TEST(cuda_linear_matches_reference) {
  struct Shape {
    int64_t n, in, out;
  };
  for (const Env& env : gemm_variants()) {
    auto gpu = cuda_or_skip(env);
    for (Shape s : {Shape{1, 10, 3}, Shape{7, 300, 10}, Shape{130, 77, 65}, Shape{3, 2048, 129}}) {
      Rng rng(static_cast<uint64_t>(s.n * 1000 + s.in));
      const size_t nx = static_cast<size_t>(s.n * s.in), nw = static_cast<size_t>(s.out * s.in),
                   ny = static_cast<size_t>(s.n * s.out), nb = static_cast<size_t>(s.out);
      dvec x = rng.vec(nx), w = rng.vec(nw, -0.2, 0.2), b = rng.vec(nb), dy = rng.vec(ny);
      dvec y_ref(ny), y0_ref(ny), dx_ref(nx), dw_ref(nw), db_ref(nb);
      ac::ref::linear_forward<double>(s.n, s.in, s.out, x.data(), w.data(), b.data(), y_ref.data());
      ac::ref::linear_forward<double>(s.n, s.in, s.out, x.data(), w.data(), nullptr, y0_ref.data());
      ac::ref::linear_backward<double>(s.n, s.in, s.out, x.data(), w.data(), dy.data(),
                                       dx_ref.data(), dw_ref.data(), db_ref.data());
      Dev<float> gx(*gpu, to_float(x)), gw(*gpu, to_float(w)), gb(*gpu, to_float(b)),
          gdy(*gpu, to_float(dy)), gy(*gpu, ny);
      gpu->linear_forward(s.n, s.in, s.out, gx.p(), gw.p(), gb.p(), gy.p());
      CHECK_CLOSE(gy.host(), y_ref, 1e-4);
      gpu->linear_forward(s.n, s.in, s.out, gx.p(), gw.p(), nullptr, gy.p());
      CHECK_CLOSE(gy.host(), y0_ref, 1e-4);
      for (int want = 1; want < 8; ++want) {
        auto gdx = std::make_unique<Dev<float>>(*gpu, nx);
        auto gdw = std::make_unique<Dev<float>>(*gpu, nw);
        auto gdb = std::make_unique<Dev<float>>(*gpu, nb);
        gpu->linear_backward(s.n, s.in, s.out, gx.p(), gw.p(), gdy.p(), opt(want & 1, gdx),
                             opt(want & 2, gdw), opt(want & 4, gdb));
        if (want & 1) CHECK_CLOSE(gdx->host(), dx_ref, 1e-4);
        if (want & 2) CHECK_CLOSE(gdw->host(), dw_ref, 1e-4);
        if (want & 4) CHECK_CLOSE(gdb->host(), db_ref, 1e-5);
      }
    }
  }
}

// ---------------------------------------------------------------- element-wise layers

TEST(cuda_activations_match_reference) {
  auto gpu = cuda_or_skip();
  using ac::Activation;
  for (int64_t count : {int64_t{17}, int64_t{100003}}) {
    Rng rng(static_cast<uint64_t>(count));
    const size_t n = static_cast<size_t>(count);
    fvec x = to_float(rng.vec(n, -2, 2)), dy = to_float(rng.vec(n));
    x[0] = 0.0f;   // the kinks
    x[1] = 1.5f;
    for (auto [kind, param] : {std::pair{Activation::Relu, 0.0f}, std::pair{Activation::LeakyRelu, 0.1f},
                               std::pair{Activation::BoundedRelu, 1.5f}}) {
      fvec y_ref(n), dx_ref(n);
      ac::ref::activation_forward<float>(kind, param, count, x.data(), y_ref.data());
      ac::ref::activation_backward<float>(kind, param, count, x.data(), dy.data(), dx_ref.data());
      Dev<float> gx(*gpu, x), gdy(*gpu, dy), gy(*gpu, n), gdx(*gpu, n);
      gpu->activation_forward(kind, param, count, gx.p(), gy.p());
      gpu->activation_backward(kind, param, count, gx.p(), gdy.p(), gdx.p());
      CHECK(same_bits(gy.host(), y_ref));
      CHECK(same_bits(gdx.host(), dx_ref));
      gpu->activation_forward(kind, param, count, gx.p(), gx.p());  // in place
      CHECK(same_bits(gx.host(), y_ref));
    }
  }
}

TEST(cuda_pooling_matches_reference) {
  auto gpu = cuda_or_skip();
  for (auto s : {pool_shape(1, 3, 32, 32, 2, 2, 0), pool_shape(7, 4, 9, 7, 3, 2, 1),
                 pool_shape(2, 5, 8, 8, 3, 1, 1), pool_shape(5, 2, 6, 6, 4, 2, 2)}) {
    Rng rng(static_cast<uint64_t>(s.n * s.h + s.kh));
    const size_t nx = static_cast<size_t>(s.n * s.c * s.h * s.w),
                 ny = static_cast<size_t>(s.n * s.c * s.oh * s.ow);
    fvec x = to_float(rng.vec(nx)), dy = to_float(rng.vec(ny));
    for (size_t i = 0; i + 1 < nx; i += 7) x[i + 1] = x[i];  // ties: the first one wins
    fvec y_ref(ny), dx_ref(nx);
    ac::ref::maxpool_forward<float>(s, x.data(), y_ref.data());
    ac::ref::maxpool_backward<float>(s, x.data(), dy.data(), dx_ref.data());
    Dev<float> gx(*gpu, x), gdy(*gpu, dy), gy(*gpu, ny), gdx(*gpu, nx);
    gpu->maxpool_forward(s, gx.p(), gy.p());
    gpu->maxpool_backward(s, gx.p(), gdy.p(), gdx.p());
    CHECK(same_bits(gy.host(), y_ref));
    CHECK(same_bits(gdx.host(), dx_ref));  // same winners, same summation order
    dvec ya_ref(ny), dxa_ref(nx);
    ac::ref::avgpool_forward<double>(s, to_double(x).data(), ya_ref.data());
    ac::ref::avgpool_backward<double>(s, to_double(dy).data(), dxa_ref.data());
    gpu->avgpool_forward(s, gx.p(), gy.p());
    gpu->avgpool_backward(s, gdy.p(), gdx.p());
    CHECK_CLOSE(gy.host(), ya_ref, 1e-6);
    CHECK_CLOSE(gdx.host(), dxa_ref, 1e-6);
  }
  for (auto [nc, hw] : {std::pair<int64_t, int64_t>{3, 64}, std::pair<int64_t, int64_t>{700, 64},
                        std::pair<int64_t, int64_t>{10, 1}, std::pair<int64_t, int64_t>{4, 1000}}) {
    Rng rng(static_cast<uint64_t>(nc + hw));
    fvec x = to_float(rng.vec(static_cast<size_t>(nc * hw))), dy = to_float(rng.vec(static_cast<size_t>(nc)));
    dvec y_ref(static_cast<size_t>(nc)), dx_ref(x.size());
    ac::ref::global_avgpool_forward<double>(nc, hw, to_double(x).data(), y_ref.data());
    ac::ref::global_avgpool_backward<double>(nc, hw, to_double(dy).data(), dx_ref.data());
    Dev<float> gx(*gpu, x), gdy(*gpu, dy), gy(*gpu, static_cast<size_t>(nc)), gdx(*gpu, x.size());
    gpu->global_avgpool_forward(nc, hw, gx.p(), gy.p());
    gpu->global_avgpool_backward(nc, hw, gdy.p(), gdx.p());
    CHECK_CLOSE(gy.host(), y_ref, 1e-6);
    CHECK_CLOSE(gdx.host(), dx_ref, 1e-6);
  }
}

TEST(cuda_batchnorm_matches_reference) {
  auto gpu = cuda_or_skip();
  for (ac::BatchNormShape s : {ac::BatchNormShape{1, 3, 50}, ac::BatchNormShape{17, 16, 64},
                               ac::BatchNormShape{65, 10, 1}, ac::BatchNormShape{4, 2, 3000}}) {
    for (bool training : {true, false}) {
      Rng rng(static_cast<uint64_t>(s.n * 7 + s.c + (training ? 1 : 0)));
      const size_t nx = static_cast<size_t>(s.n * s.c * s.hw), nc = static_cast<size_t>(s.c);
      fvec x = to_float(rng.vec(nx, 2, 4)), dy = to_float(rng.vec(nx));  // mean far from 0
      fvec gamma = to_float(rng.vec(nc, 0.5, 1.5)), beta = to_float(rng.vec(nc));
      fvec rm = to_float(rng.vec(nc)), rv = to_float(rng.vec(nc, 0.5, 2));
      dvec rm_ref = to_double(rm), rv_ref = to_double(rv), mean_ref(nc), invstd_ref(nc), y_ref(nx);
      ac::ref::batchnorm_forward<double>(s, to_double(x).data(), to_double(gamma).data(),
                                         to_double(beta).data(), rm_ref.data(), rv_ref.data(),
                                         mean_ref.data(), invstd_ref.data(), y_ref.data(), training,
                                         0.1, 1e-5);
      Dev<float> gx(*gpu, x), gdy(*gpu, dy), gg(*gpu, gamma), gbeta(*gpu, beta), grm(*gpu, rm),
          grv(*gpu, rv), gmean(*gpu, nc), ginv(*gpu, nc), gy(*gpu, nx);
      gpu->batchnorm_forward(s, gx.p(), gg.p(), gbeta.p(), grm.p(), grv.p(), gmean.p(), ginv.p(),
                             gy.p(), training, 0.1f, 1e-5f);
      CHECK_CLOSE(gy.host(), y_ref, 1e-5);
      CHECK_CLOSE(grm.host(), rm_ref, 1e-6);
      CHECK_CLOSE(grv.host(), rv_ref, 1e-6);
      CHECK_CLOSE(gmean.host(), mean_ref, 1e-6);
      CHECK_CLOSE(ginv.host(), invstd_ref, 1e-6);
      fvec mean = gmean.host(), invstd = ginv.host();
      dvec dx_ref(nx), dg_ref(nc), db_ref(nc);
      ac::ref::batchnorm_backward<double>(s, to_double(x).data(), to_double(gamma).data(),
                                          to_double(mean).data(), to_double(invstd).data(),
                                          to_double(dy).data(), dx_ref.data(), dg_ref.data(),
                                          db_ref.data(), training);
      for (int want = 1; want < 8; ++want) {
        auto gdx = std::make_unique<Dev<float>>(*gpu, nx);
        auto gdg = std::make_unique<Dev<float>>(*gpu, nc);
        auto gdb = std::make_unique<Dev<float>>(*gpu, nc);
        gpu->batchnorm_backward(s, gx.p(), gg.p(), gmean.p(), ginv.p(), gdy.p(), opt(want & 1, gdx),
                                opt(want & 2, gdg), opt(want & 4, gdb), training);
        if (want & 1) CHECK_CLOSE(gdx->host(), dx_ref, 1e-5);
        if (want & 2) CHECK_CLOSE(gdg->host(), dg_ref, 1e-5);
        if (want & 4) CHECK_CLOSE(gdb->host(), db_ref, 1e-5);
      }
    }
  }
}

// ---------------------------------------------------------------- losses and argmax

TEST(cuda_losses_match_reference) {
  auto gpu = cuda_or_skip();
  using ac::Loss;
  for (auto [n, k] : {std::pair<int64_t, int64_t>{37, 10}, std::pair<int64_t, int64_t>{5, 2},
                      std::pair<int64_t, int64_t>{9, 100}, std::pair<int64_t, int64_t>{300, 33}}) {
    Rng rng(static_cast<uint64_t>(n * k));
    const size_t nz = static_cast<size_t>(n * k), nn = static_cast<size_t>(n);
    dvec z = rng.vec(nz, -4, 4);
    // Ties among the non-label classes: the first maximiser gets the gradient.
    for (int64_t i = 0; i < n; i += 3) z[static_cast<size_t>(i * k + k - 1)] = z[static_cast<size_t>(i * k)];
    std::vector<int32_t> labels = rng.labels(nn, static_cast<int32_t>(k));
    fvec zf = to_float(z);
    Dev<float> gz(*gpu, zf);
    Dev<int32_t> gl(*gpu, labels);
    for (auto [kind, param] : {std::pair{Loss::CrossEntropy, 0.0f}, std::pair{Loss::CrossEntropy, 0.1f},
                               std::pair{Loss::LogProbMargin, 0.0f}, std::pair{Loss::CwMargin, 0.0f},
                               std::pair{Loss::CwMargin, 2.0f}}) {
      dvec loss_ref(nn), d_ref(nz);
      ac::ref::loss_forward_backward<double>(kind, param, n, k, to_double(zf).data(), labels.data(),
                                             loss_ref.data(), d_ref.data());
      Dev<float> gloss(*gpu, nn), gd(*gpu, nz);
      gpu->loss_forward_backward(kind, param, n, k, gz.p(), gl.p(), gloss.p(), gd.p());
      CHECK_CLOSE(gloss.host(), loss_ref, 1e-5);
      if (kind == Loss::CrossEntropy) {
        CHECK_CLOSE(gd.host(), d_ref, 1e-5);
      } else {
        fvec d_want(nz), loss_want(nn);
        ac::ref::loss_forward_backward<float>(kind, param, n, k, zf.data(), labels.data(),
                                              loss_want.data(), d_want.data());
        CHECK(same_bits(gd.host(), d_want));  // which classes get +-1 must agree exactly
      }
      Dev<float> gloss2(*gpu, nn);
      gpu->loss_forward_backward(kind, param, n, k, gz.p(), gl.p(), gloss2.p(), nullptr);
      CHECK(same_bits(gloss2.host(), gloss.host()));
    }
  }
}

// CwMarginTargeted, Dlr, DlrTargeted: values and gradients bit-identical to reference<float>
// (the kernel does the reference's double operations in the reference's order; the only
// contractible products are by 0.5, which are exact), and within 1e-5 of reference<double>.
// Ties in every third row exercise the stable order (p1..p4, j).
TEST(cuda_attack_losses_match_reference) {
  auto gpu = cuda_or_skip();
  using ac::Loss;
  for (auto [n, k] : {std::pair<int64_t, int64_t>{37, 10}, std::pair<int64_t, int64_t>{6, 4},
                      std::pair<int64_t, int64_t>{9, 100}, std::pair<int64_t, int64_t>{300, 33}}) {
    Rng rng(static_cast<uint64_t>(n * k + 11));
    const size_t nz = static_cast<size_t>(n * k), nn = static_cast<size_t>(n);
    dvec z = rng.vec(nz, -4, 4);
    for (int64_t i = 0; i < n; i += 3) {
      double* row = z.data() + i * k;
      row[k - 1] = row[0];
      row[1] = row[2];
    }
    fvec zf = to_float(z);
    Dev<float> gz(*gpu, zf);
    for (auto [kind, param] : {std::pair{Loss::CwMarginTargeted, 0.0f}, std::pair{Loss::CwMarginTargeted, 1.5f},
                               std::pair{Loss::Dlr, 0.0f}, std::pair{Loss::DlrTargeted, 0.0f}}) {
      std::vector<int32_t> labels = loss_labels(rng, kind, nn, static_cast<int32_t>(k));
      Dev<int32_t> gl(*gpu, labels);
      dvec loss_ref(nn), d_ref(nz);
      ac::ref::loss_forward_backward<double>(kind, param, n, k, z.data(), labels.data(),
                                             loss_ref.data(), d_ref.data());
      fvec loss_want(nn), d_want(nz);
      ac::ref::loss_forward_backward<float>(kind, param, n, k, zf.data(), labels.data(),
                                            loss_want.data(), d_want.data());
      Dev<float> gloss(*gpu, nn), gd(*gpu, nz);
      gpu->loss_forward_backward(kind, param, n, k, gz.p(), gl.p(), gloss.p(), gd.p());
      CHECK_CLOSE(gloss.host(), loss_ref, 1e-5);
      CHECK_CLOSE(gd.host(), d_ref, 1e-5);
      CHECK(same_bits(gloss.host(), loss_want));
      CHECK(same_bits(gd.host(), d_want));
      Dev<float> gloss2(*gpu, nn);
      gpu->loss_forward_backward(kind, param, n, k, gz.p(), gl.p(), gloss2.p(), nullptr);
      CHECK(same_bits(gloss2.host(), gloss.host()));
    }
  }
}

TEST(cuda_argmax_matches_reference) {
  auto gpu = cuda_or_skip();
  for (auto [n, k] : {std::pair<int64_t, int64_t>{37, 10}, std::pair<int64_t, int64_t>{4, 1},
                      std::pair<int64_t, int64_t>{9, 100}, std::pair<int64_t, int64_t>{2000, 7}}) {
    Rng rng(static_cast<uint64_t>(n + k));
    const size_t nz = static_cast<size_t>(n * k);
    fvec z = to_float(rng.vec(nz, -1, 1));
    for (int64_t i = 0; i < n; ++i) {  // exact ties, -inf, and NaN (first column or not)
      float* row = z.data() + i * k;
      if (i % 4 == 1 && k > 2) row[k - 1] = row[1] = 5.0f;
      if (i % 4 == 2) row[0] = std::numeric_limits<float>::quiet_NaN();
      if (i % 4 == 3 && k > 1) row[k / 2] = std::numeric_limits<float>::quiet_NaN();
      if (i % 5 == 0) row[k - 1] = -std::numeric_limits<float>::infinity();
    }
    std::vector<int32_t> want(static_cast<size_t>(n));
    ac::ref::argmax<float>(n, k, z.data(), want.data());
    Dev<float> gz(*gpu, z);
    Dev<int32_t> gp(*gpu, static_cast<size_t>(n));
    gpu->argmax(n, k, gz.p(), gp.p());
    CHECK(gp.host() == want);
  }
}

// ---------------------------------------------------------------- optimisers

TEST(cuda_optimisers_match_reference) {
  auto gpu = cuda_or_skip();
  const int64_t count = 10007;
  const size_t n = static_cast<size_t>(count);
  Rng rng(9);
  fvec p0 = to_float(rng.vec(n)), grads = to_float(rng.vec(3 * n));
  {  // Adam, three steps with weight decay
    fvec p = p0, m(n, 0.0f), v(n, 0.0f);
    Dev<float> gp(*gpu, p0), gm(*gpu, m), gv(*gpu, v), gg(*gpu, n);
    for (int64_t step = 1; step <= 3; ++step) {
      fvec g(grads.begin() + (step - 1) * count, grads.begin() + step * count);
      ac::ref::adam_update<float>(count, p.data(), g.data(), m.data(), v.data(), 1e-3f, 0.9f,
                                  0.999f, 1e-8f, 1e-4f, step);
      gpu->copy_from_host(gg.p(), g.data(), n * 4);
      gpu->adam_update(count, gp.p(), gg.p(), gm.p(), gv.p(), 1e-3f, 0.9f, 0.999f, 1e-8f, 1e-4f, step);
    }
    CHECK_CLOSE(gp.host(), p, 1e-6);
    CHECK_CLOSE(gm.host(), m, 1e-6);
    CHECK_CLOSE(gv.host(), v, 1e-6);
  }
  for (bool nesterov : {false, true}) {
    fvec p = p0, vel(n, 0.0f);
    Dev<float> gp(*gpu, p0), gvel(*gpu, vel), gg(*gpu, n);
    for (int64_t step = 1; step <= 3; ++step) {
      fvec g(grads.begin() + (step - 1) * count, grads.begin() + step * count);
      ac::ref::sgd_update<float>(count, p.data(), g.data(), vel.data(), 0.05f, 0.9f, 5e-4f, nesterov);
      gpu->copy_from_host(gg.p(), g.data(), n * 4);
      gpu->sgd_update(count, gp.p(), gg.p(), gvel.p(), 0.05f, 0.9f, 5e-4f, nesterov);
    }
    CHECK_CLOSE(gp.host(), p, 1e-6);
    CHECK_CLOSE(gvel.host(), vel, 1e-6);
  }
}

// ---------------------------------------------------------------- per-sample primitives

TEST(cuda_per_sample_ops_match_reference) {
  auto gpu = cuda_or_skip();
  for (auto [n, d] : {std::pair<int64_t, int64_t>{1, 1}, std::pair<int64_t, int64_t>{7, 784},
                      std::pair<int64_t, int64_t>{130, 3072}, std::pair<int64_t, int64_t>{3, 100000}}) {
    Rng rng(static_cast<uint64_t>(n * 31 + d));
    const size_t nx = static_cast<size_t>(n * d), nn = static_cast<size_t>(n);
    fvec a = to_float(rng.vec(nx)), b = to_float(rng.vec(nx, 0, 1));
    fvec alpha = to_float(rng.vec(nn, -2, 2));
    Dev<float> ga(*gpu, a), gb(*gpu, b), galpha(*gpu, alpha), out(*gpu, nn);
    fvec want(nn);
    ac::ref::batch_l2_norm<float>(n, d, a.data(), want.data());
    gpu->batch_l2_norm(n, d, ga.p(), out.p());
    CHECK_CLOSE(out.host(), want, 1e-6);
    ac::ref::batch_linf_norm<float>(n, d, a.data(), want.data());
    gpu->batch_linf_norm(n, d, ga.p(), out.p());
    CHECK(same_bits(out.host(), want));
    ac::ref::batch_dot<float>(n, d, a.data(), b.data(), want.data());
    gpu->batch_dot(n, d, ga.p(), gb.p(), out.p());
    CHECK_CLOSE(out.host(), want, 1e-6);
    fvec y = b;
    ac::ref::batch_axpy<float>(n, d, alpha.data(), a.data(), y.data());
    gpu->batch_axpy(n, d, galpha.p(), ga.p(), gb.p());
    CHECK_CLOSE(gb.host(), y, 1e-6);
    ac::ref::batch_scale<float>(n, d, alpha.data(), y.data());
    gpu->batch_scale(n, d, galpha.p(), gb.p());
    CHECK_CLOSE(gb.host(), y, 1e-6);
    // Projections: radii below, at zero, negative, and above the distance.
    fvec center = to_float(rng.vec(nx, 0, 1)), eps = to_float(rng.vec(nn, 0, 3));
    if (n > 2) {
      eps[1] = 0.0f;
      eps[2] = -1.0f;
    }
    fvec p2 = a, pinf = a;
    ac::ref::project_l2<float>(n, d, center.data(), eps.data(), p2.data());
    ac::ref::project_linf<float>(n, d, center.data(), eps.data(), pinf.data());
    Dev<float> gc(*gpu, center), geps(*gpu, eps), gy2(*gpu, a), gyinf(*gpu, a);
    gpu->project_l2(n, d, gc.p(), geps.p(), gy2.p());
    gpu->project_linf(n, d, gc.p(), geps.p(), gyinf.p());
    CHECK_CLOSE(gy2.host(), p2, 1e-6);
    CHECK(same_bits(gyinf.host(), pinf));
  }
}

TEST(cuda_image_ops_match_reference) {
  auto gpu = cuda_or_skip();
  for (int64_t count : {int64_t{1}, int64_t{256 * 3 + 5}, int64_t{100003}}) {
    Rng rng(static_cast<uint64_t>(count));
    const size_t n = static_cast<size_t>(count);
    fvec x = to_float(rng.vec(n, -0.3, 1.3));
    // Exact grid points and exact half-way points between two levels (round half to even).
    for (size_t i = 0; i < n; i += 5) x[i] = static_cast<float>(static_cast<double>(i % 256) / 255.0);
    for (size_t i = 2; i < n; i += 5) x[i] = static_cast<float>((static_cast<double>(i % 255) + 0.5) / 255.0);
    fvec clipped = x, quantized = x;
    ac::ref::clip01<float>(count, clipped.data());
    ac::ref::quantize8<float>(count, quantized.data());
    Dev<float> g1(*gpu, x), g2(*gpu, x);
    gpu->clip01(count, g1.p());
    gpu->quantize8(count, g2.p());
    CHECK(same_bits(g1.host(), clipped));
    CHECK(same_bits(g2.host(), quantized));
  }
}

// ---------------------------------------------------------------- through the C ABI

TEST(cuda_abi_end_to_end) {
  std::string reason;
  if (!ac::cuda_available(&reason)) SKIP(reason);
  ac_context *gpu = nullptr, *cpu = nullptr;
  CHECK_STATUS(ac_context_create(AC_DEVICE_CUDA, 0, 99, 0, &gpu), AC_OK);
  CHECK_STATUS(ac_context_create(AC_DEVICE_CPU, 1, 99, AC_CONTEXT_REFERENCE_KERNELS, &cpu), AC_OK);
  if (!gpu || !cpu) return;
  const int64_t shape[4] = {4, 1, 28, 28};
  const size_t n = 4 * 28 * 28;
  ac_tensor *tg = nullptr, *tc = nullptr;
  CHECK_STATUS(ac_tensor_create(gpu, AC_F32, 4, shape, &tg), AC_OK);
  CHECK_STATUS(ac_tensor_create(cpu, AC_F32, 4, shape, &tc), AC_OK);
  fvec zeros(n, 1.0f);
  CHECK_STATUS(ac_tensor_copy_to_host(tg, zeros.data(), static_cast<int64_t>(n * 4)), AC_OK);
  CHECK(zeros == fvec(n, 0.0f));  // tensors start zeroed
  CHECK_STATUS(ac_tensor_fill_normal(tg, 0.5f, 0.2f, 12), AC_OK);
  CHECK_STATUS(ac_tensor_fill_normal(tc, 0.5f, 0.2f, 12), AC_OK);
  CHECK_STATUS(ac_quantize8(gpu, tg), AC_OK);
  CHECK_STATUS(ac_quantize8(cpu, tc), AC_OK);
  CHECK_STATUS(ac_context_synchronize(gpu), AC_OK);
  fvec hg(n), hc(n);
  CHECK_STATUS(ac_tensor_copy_to_host(tg, hg.data(), static_cast<int64_t>(n * 4)), AC_OK);
  CHECK_STATUS(ac_tensor_copy_to_host(tc, hc.data(), static_cast<int64_t>(n * 4)), AC_OK);
  // Same seed and offset, same 8-bit image (a value within an ulp of a rounding boundary
  // could in principle differ by one level; count them).
  size_t differ = 0;
  for (size_t i = 0; i < n; ++i) differ += hg[i] != hc[i];
  CHECK_MSG(differ <= 2, "%zu of %zu pixels differ", differ, n);
  CHECK_STATUS(ac_tensor_check_finite(tg), AC_OK);
  int64_t ws = -1;
  CHECK_STATUS(ac_context_workspace_bytes(gpu, &ws), AC_OK);
  CHECK(ws >= 0);
  // Release order does not matter: the tensor keeps its context alive.
  CHECK_STATUS(ac_context_destroy(gpu), AC_OK);
  CHECK_STATUS(ac_tensor_destroy(tg), AC_OK);
  CHECK_STATUS(ac_tensor_destroy(tc), AC_OK);
  CHECK_STATUS(ac_context_destroy(cpu), AC_OK);
}

TEST(cuda_out_of_memory_is_reported) {
  std::string reason;
  if (!ac::cuda_available(&reason)) SKIP(reason);
  ac_context* gpu = nullptr;
  CHECK_STATUS(ac_context_create(AC_DEVICE_CUDA, 0, 1, 0, &gpu), AC_OK);
  if (!gpu) return;
  const int64_t shape[2] = {int64_t{1} << 20, int64_t{1} << 19};  // 2 TiB of floats
  ac_tensor* t = nullptr;
  CHECK_STATUS(ac_tensor_create(gpu, AC_F32, 2, shape, &t), AC_ERR_OUT_OF_MEMORY);
  CHECK(t == nullptr);
  CHECK_MSG(std::strstr(ac_last_error(), "CUDA_ERROR_OUT_OF_MEMORY") != nullptr &&
                std::strstr(ac_last_error(), "cuMemAlloc") != nullptr,
            "message: %s", ac_last_error());
  // The context still works afterwards.
  const int64_t small[1] = {1000};
  CHECK_STATUS(ac_tensor_create(gpu, AC_F32, 1, small, &t), AC_OK);
  CHECK_STATUS(ac_tensor_destroy(t), AC_OK);
  CHECK_STATUS(ac_context_destroy(gpu), AC_OK);
}
