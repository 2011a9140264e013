// A stand-in libcuda.so.1 for machines without a GPU: the driver API entry points AdvCore
// uses, implemented on the CPU. Device memory is host memory (every pointer is checked
// against the live allocations), streams run synchronously, and cuModuleLoadDataEx reads
// the embedded PTX for real: it checks the header, lists the .entry kernels with their
// parameter sizes, and cuLaunchKernel refuses a kernel whose host-compiled signature does
// not match its PTX. Kernels run through emu_runtime.cpp.
//
// Environment: ACEMU_MEMORY_LIMIT_MB caps the "device" memory (to test out-of-memory paths);
// ACEMU_TRACE=1 prints every launch.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <regex>
#include <string>
#include <vector>

#include "emu_launch.h"

namespace {

using CUresult = int;
constexpr CUresult kOk = 0, kInvalidValue = 1, kOutOfMemory = 2, kNotInitialized = 3,
                   kInvalidImage = 200, kInvalidContext = 201, kInvalidPtx = 218,
                   kInvalidHandle = 400, kNotFound = 500, kLaunchFailed = 719;

struct Function {
  std::string name;
  std::vector<size_t> ptx_param_sizes;
  const acemu::KernelEntry* entry = nullptr;
};

struct Module {
  std::vector<Function*> functions;
};

std::mutex g_mu;
bool g_initialised = false;
std::map<uintptr_t, size_t> g_allocations;  // base -> bytes
size_t g_allocated = 0;
int g_context_token = 0;                       // the primary context's address
thread_local void* t_current_context = nullptr;
int g_stream_token = 0;

size_t memory_limit() {
  const char* v = std::getenv("ACEMU_MEMORY_LIMIT_MB");
  if (v && *v) return static_cast<size_t>(std::strtoull(v, nullptr, 10)) << 20;
  return size_t{8} << 30;
}

bool trace() {
  const char* v = std::getenv("ACEMU_TRACE");
  return v && *v == '1';
}

// Whether [p, p + bytes) lies inside one live allocation.
bool device_range_ok(uintptr_t p, size_t bytes) {
  std::lock_guard<std::mutex> lock(g_mu);
  auto it = g_allocations.upper_bound(p);
  if (it == g_allocations.begin()) return false;
  --it;
  return p >= it->first && p + bytes <= it->first + it->second;
}

// Parameter sizes of one .entry from its PTX parameter list.
std::vector<size_t> parse_params(const std::string& list) {
  std::vector<size_t> sizes;
  static const std::regex param(R"(\.param\s+(?:\.align\s+\d+\s+)?\.([a-z]+)(\d+)\s+[A-Za-z_0-9$]+(?:\[(\d+)\])?)");
  for (auto it = std::sregex_iterator(list.begin(), list.end(), param); it != std::sregex_iterator(); ++it) {
    size_t bits = std::stoul((*it)[2].str());
    size_t count = (*it)[3].matched ? std::stoul((*it)[3].str()) : 1;
    sizes.push_back(bits / 8 * count);
  }
  return sizes;
}

}  // namespace

extern "C" {

CUresult cuInit(unsigned flags) {
  if (flags != 0) return kInvalidValue;
  g_initialised = true;
  return kOk;
}
CUresult cuDriverGetVersion(int* v) {
  if (!v) return kInvalidValue;
  *v = 13000;
  return kOk;
}
CUresult cuDeviceGetCount(int* n) {
  if (!g_initialised) return kNotInitialized;
  if (!n) return kInvalidValue;
  *n = 1;
  return kOk;
}
CUresult cuDeviceGet(int* d, int ordinal) {
  if (!d || ordinal != 0) return kInvalidValue;
  *d = 0;
  return kOk;
}
CUresult cuDeviceGetName(char* name, int len, int d) {
  if (!name || len <= 0 || d != 0) return kInvalidValue;
  std::snprintf(name, static_cast<size_t>(len), "AdvCore CPU emulator");
  return kOk;
}
CUresult cuDeviceGetAttribute(int* v, int attr, int d) {
  if (!v || d != 0) return kInvalidValue;
  switch (attr) {
    case 16: *v = 2; return kOk;   // multiprocessors: small grids keep the emulator quick
    case 75: *v = 8; return kOk;   // compute capability 8.0
    case 76: *v = 0; return kOk;
    default: *v = 0; return kOk;
  }
}
CUresult cuDeviceTotalMem_v2(size_t* bytes, int d) {
  if (!bytes || d != 0) return kInvalidValue;
  *bytes = memory_limit();
  return kOk;
}
CUresult cuDevicePrimaryCtxRetain(void** ctx, int d) {
  if (!ctx || d != 0) return kInvalidValue;
  *ctx = &g_context_token;
  return kOk;
}
CUresult cuCtxSetCurrent(void* ctx) {
  if (ctx && ctx != &g_context_token) return kInvalidContext;
  t_current_context = ctx;
  return kOk;
}
CUresult cuCtxGetCurrent(void** ctx) {
  if (!ctx) return kInvalidValue;
  *ctx = t_current_context;
  return kOk;
}

CUresult cuModuleLoadDataEx(void** module, const void* image, unsigned num_options, int* options,
                            void** values) {
  if (!module || !image) return kInvalidValue;
  if (t_current_context != &g_context_token) return kInvalidContext;
  (void)num_options;
  (void)options;
  (void)values;
  std::string text(static_cast<const char*>(image));
  if (text.find(".version") == std::string::npos || text.find(".target sm_") == std::string::npos)
    return kInvalidPtx;
  auto* m = new Module;
  static const std::regex entry(R"(\.entry\s+([A-Za-z_0-9$]+)\s*\(([^)]*)\))");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), entry); it != std::sregex_iterator(); ++it) {
    auto* f = new Function;
    f->name = (*it)[1].str();
    f->ptx_param_sizes = parse_params((*it)[2].str());
    for (const acemu::KernelEntry& e : acemu::kernel_registry())
      if (f->name == e.name) f->entry = &e;
    m->functions.push_back(f);
  }
  if (m->functions.empty()) {
    delete m;
    return kInvalidImage;
  }
  *module = m;
  return kOk;
}

CUresult cuModuleGetFunction(void** fn, void* module, const char* name) {
  if (!fn || !module || !name) return kInvalidValue;
  for (Function* f : static_cast<Module*>(module)->functions) {
    if (f->name != name) continue;
    if (!f->entry) {
      std::fprintf(stderr, "acemu: kernel %s is in the PTX but not in kernels.h's list\n", name);
      return kNotFound;
    }
    if (f->ptx_param_sizes != f->entry->param_sizes) {
      std::fprintf(stderr, "acemu: kernel %s: PTX parameters and host-compiled parameters differ\n", name);
      return kInvalidImage;
    }
    *fn = f;
    return kOk;
  }
  return kNotFound;
}

CUresult cuLaunchKernel(void* fn, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                        unsigned bz, unsigned shared_bytes, void* stream, void** params,
                        void** extra) {
  if (!fn || !params || extra) return kInvalidValue;
  if (t_current_context != &g_context_token) return kInvalidContext;
  if (stream && stream != &g_stream_token) return kInvalidHandle;
  if (gx == 0 || gy == 0 || gz == 0 || bx == 0 || by == 0 || bz == 0) return kInvalidValue;
  if (bx * by * bz > 1024 || gy > 65535 || gz > 65535 || shared_bytes > 48 * 1024)
    return kInvalidValue;
  auto* f = static_cast<Function*>(fn);
  if (trace())
    std::fprintf(stderr, "acemu: %s<<<(%u,%u,%u), (%u,%u,%u)>>>\n", f->name.c_str(), gx, gy, gz,
                 bx, by, bz);
  const acemu::KernelEntry* e = f->entry;
  acemu::launch(ac_uint3{gx, gy, gz}, ac_uint3{bx, by, bz}, [e, params] { e->invoke(params); });
  return kOk;
}

CUresult cuMemAlloc_v2(unsigned long long* p, size_t bytes) {
  if (!p || bytes == 0) return kInvalidValue;
  if (t_current_context != &g_context_token) return kInvalidContext;
  {
    std::lock_guard<std::mutex> lock(g_mu);
    if (g_allocated + bytes > memory_limit()) return kOutOfMemory;
  }
  // Exactly `bytes` (malloc's 16-byte alignment is enough for the kernels on the host), so
  // that AddressSanitizer sees an access past the end of an allocation.
  void* mem = std::malloc(bytes);
  if (!mem) return kOutOfMemory;
  std::memset(mem, 0xA5, bytes);  // not zero: code must not rely on fresh memory being 0
  std::lock_guard<std::mutex> lock(g_mu);
  g_allocations[reinterpret_cast<uintptr_t>(mem)] = bytes;
  g_allocated += bytes;
  *p = reinterpret_cast<uintptr_t>(mem);
  return kOk;
}
CUresult cuMemFree_v2(unsigned long long p) {
  std::lock_guard<std::mutex> lock(g_mu);
  auto it = g_allocations.find(static_cast<uintptr_t>(p));
  if (it == g_allocations.end()) return kInvalidValue;
  g_allocated -= it->second;
  g_allocations.erase(it);
  std::free(reinterpret_cast<void*>(static_cast<uintptr_t>(p)));
  return kOk;
}
CUresult cuMemGetInfo_v2(size_t* free_bytes, size_t* total) {
  std::lock_guard<std::mutex> lock(g_mu);
  if (free_bytes) *free_bytes = memory_limit() - g_allocated;
  if (total) *total = memory_limit();
  return kOk;
}
CUresult cuMemcpyHtoDAsync_v2(unsigned long long dst, const void* src, size_t bytes, void*) {
  if (!device_range_ok(dst, bytes) || !src) return kInvalidValue;
  std::memcpy(reinterpret_cast<void*>(static_cast<uintptr_t>(dst)), src, bytes);
  return kOk;
}
CUresult cuMemcpyDtoHAsync_v2(void* dst, unsigned long long src, size_t bytes, void*) {
  if (!device_range_ok(src, bytes) || !dst) return kInvalidValue;
  std::memcpy(dst, reinterpret_cast<const void*>(static_cast<uintptr_t>(src)), bytes);
  return kOk;
}
CUresult cuMemcpyDtoDAsync_v2(unsigned long long dst, unsigned long long src, size_t bytes, void*) {
  if (!device_range_ok(dst, bytes) || !device_range_ok(src, bytes)) return kInvalidValue;
  // The driver does not promise anything for overlapping ranges; neither do we.
  if (dst < src + bytes && src < dst + bytes) {
    std::fprintf(stderr, "acemu: cuMemcpyDtoDAsync with overlapping ranges\n");
    return kInvalidValue;
  }
  std::memcpy(reinterpret_cast<void*>(static_cast<uintptr_t>(dst)),
              reinterpret_cast<const void*>(static_cast<uintptr_t>(src)), bytes);
  return kOk;
}
CUresult cuMemsetD32Async(unsigned long long dst, unsigned value, size_t count, void*) {
  if (!device_range_ok(dst, count * 4)) return kInvalidValue;
  auto* p = reinterpret_cast<unsigned*>(static_cast<uintptr_t>(dst));
  std::fill(p, p + count, value);
  return kOk;
}
CUresult cuStreamCreate(void** stream, unsigned) {
  if (!stream) return kInvalidValue;
  if (t_current_context != &g_context_token) return kInvalidContext;
  *stream = &g_stream_token;
  return kOk;
}
CUresult cuStreamDestroy_v2(void*) { return kOk; }
CUresult cuStreamSynchronize(void*) { return kOk; }

CUresult cuGetErrorName(CUresult e, const char** name) {
  if (!name) return kInvalidValue;
  switch (e) {
    case kOk: *name = "CUDA_SUCCESS"; return kOk;
    case kInvalidValue: *name = "CUDA_ERROR_INVALID_VALUE"; return kOk;
    case kOutOfMemory: *name = "CUDA_ERROR_OUT_OF_MEMORY"; return kOk;
    case kNotInitialized: *name = "CUDA_ERROR_NOT_INITIALIZED"; return kOk;
    case kInvalidImage: *name = "CUDA_ERROR_INVALID_IMAGE"; return kOk;
    case kInvalidContext: *name = "CUDA_ERROR_INVALID_CONTEXT"; return kOk;
    case kInvalidPtx: *name = "CUDA_ERROR_INVALID_PTX"; return kOk;
    case kInvalidHandle: *name = "CUDA_ERROR_INVALID_HANDLE"; return kOk;
    case kNotFound: *name = "CUDA_ERROR_NOT_FOUND"; return kOk;
    case kLaunchFailed: *name = "CUDA_ERROR_LAUNCH_FAILED"; return kOk;
    default: *name = nullptr; return kInvalidValue;
  }
}
CUresult cuGetErrorString(CUresult e, const char** text) {
  if (!text) return kInvalidValue;
  switch (e) {
    case kOutOfMemory: *text = "out of memory"; return kOk;
    case kInvalidValue: *text = "invalid argument"; return kOk;
    default: *text = "emulated driver error"; return kOk;
  }
}

}  // extern "C"
