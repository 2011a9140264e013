#include "driver.h"

#include <dlfcn.h>

#include <cstdlib>
#include <cstring>
#include <vector>

namespace ac::cuda {
namespace {

// dlsym into a typed function pointer (memcpy: a function pointer is not an object
// pointer, and a cast between them draws a pedantic warning).
template <class F>
bool resolve(void* lib, const char* name, F* out) {
  void* sym = dlsym(lib, name);
  if (!sym) return false;
  static_assert(sizeof(F) == sizeof(void*), "function pointers are pointer-sized");
  std::memcpy(out, &sym, sizeof sym);
  return true;
}

Driver load_driver() {
  Driver d;
  dlerror();
  void* lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char* why = dlerror();
    d.error = std::string("libcuda.so.1 not found (dlopen: ") + (why ? why : "unknown error") +
              "); is the NVIDIA driver installed?";
    return d;
  }
  // The library stays loaded for the life of the process (never dlclose'd): kernels,
  // contexts and modules hold on to it.
  DriverApi& a = d.api;
  struct Sym {
    const char* name;
    bool ok;
  };
  std::vector<Sym> syms = {
      {"cuInit", resolve(lib, "cuInit", &a.cuInit)},
      {"cuDriverGetVersion", resolve(lib, "cuDriverGetVersion", &a.cuDriverGetVersion)},
      {"cuDeviceGetCount", resolve(lib, "cuDeviceGetCount", &a.cuDeviceGetCount)},
      {"cuDeviceGet", resolve(lib, "cuDeviceGet", &a.cuDeviceGet)},
      {"cuDeviceGetName", resolve(lib, "cuDeviceGetName", &a.cuDeviceGetName)},
      {"cuDeviceGetAttribute", resolve(lib, "cuDeviceGetAttribute", &a.cuDeviceGetAttribute)},
      {"cuDeviceTotalMem_v2", resolve(lib, "cuDeviceTotalMem_v2", &a.cuDeviceTotalMem)},
      {"cuDevicePrimaryCtxRetain",
       resolve(lib, "cuDevicePrimaryCtxRetain", &a.cuDevicePrimaryCtxRetain)},
      {"cuCtxSetCurrent", resolve(lib, "cuCtxSetCurrent", &a.cuCtxSetCurrent)},
      {"cuCtxGetCurrent", resolve(lib, "cuCtxGetCurrent", &a.cuCtxGetCurrent)},
      {"cuModuleLoadDataEx", resolve(lib, "cuModuleLoadDataEx", &a.cuModuleLoadDataEx)},
      {"cuModuleGetFunction", resolve(lib, "cuModuleGetFunction", &a.cuModuleGetFunction)},
      {"cuLaunchKernel", resolve(lib, "cuLaunchKernel", &a.cuLaunchKernel)},
      {"cuMemAlloc_v2", resolve(lib, "cuMemAlloc_v2", &a.cuMemAlloc)},
      {"cuMemFree_v2", resolve(lib, "cuMemFree_v2", &a.cuMemFree)},
      {"cuMemGetInfo_v2", resolve(lib, "cuMemGetInfo_v2", &a.cuMemGetInfo)},
      {"cuMemcpyHtoDAsync_v2", resolve(lib, "cuMemcpyHtoDAsync_v2", &a.cuMemcpyHtoDAsync)},
      {"cuMemcpyDtoHAsync_v2", resolve(lib, "cuMemcpyDtoHAsync_v2", &a.cuMemcpyDtoHAsync)},
      {"cuMemcpyDtoDAsync_v2", resolve(lib, "cuMemcpyDtoDAsync_v2", &a.cuMemcpyDtoDAsync)},
      {"cuMemsetD32Async", resolve(lib, "cuMemsetD32Async", &a.cuMemsetD32Async)},
      {"cuStreamCreate", resolve(lib, "cuStreamCreate", &a.cuStreamCreate)},
      {"cuStreamDestroy_v2", resolve(lib, "cuStreamDestroy_v2", &a.cuStreamDestroy)},
      {"cuStreamSynchronize", resolve(lib, "cuStreamSynchronize", &a.cuStreamSynchronize)},
      {"cuGetErrorName", resolve(lib, "cuGetErrorName", &a.cuGetErrorName)},
      {"cuGetErrorString", resolve(lib, "cuGetErrorString", &a.cuGetErrorString)},
  };
  std::string missing;
  int n_missing = 0;
  for (const Sym& s : syms)
    if (!s.ok && ++n_missing <= 3) missing += (missing.empty() ? "" : ", ") + std::string(s.name);
  if (n_missing > 3) missing += format(" and %d more", n_missing - 3);
  if (!missing.empty()) {
    d.error = "libcuda.so.1 lacks " + missing + " (an NVIDIA driver older than CUDA 11?)";
    return d;
  }
  d.ok = true;
  GraphApi& g = d.graph;
  std::string g_missing;
  auto want = [&](const char* name, auto* fn) {
    if (!resolve(lib, name, fn)) g_missing += (g_missing.empty() ? "" : ", ") + std::string(name);
  };
  want("cuStreamBeginCapture_v2", &g.cuStreamBeginCapture);
  want("cuStreamEndCapture", &g.cuStreamEndCapture);
  want("cuGraphInstantiateWithFlags", &g.cuGraphInstantiateWithFlags);
  want("cuGraphLaunch", &g.cuGraphLaunch);
  want("cuGraphExecDestroy", &g.cuGraphExecDestroy);
  want("cuGraphDestroy", &g.cuGraphDestroy);
  if (g_missing.empty()) {
    d.graphs = true;
  } else {
    d.graph = GraphApi{};
    d.graph_error = "libcuda.so.1 lacks " + g_missing + " (CUDA graphs need a CUDA 11.4+ driver)";
  }
  return d;
}

Cublas load_cublas() {
  Cublas c;
  std::vector<std::string> names;
  if (const char* env = std::getenv("ADVCORE_CUBLAS"); env && *env) names.emplace_back(env);
  for (const char* n : {"libcublas.so.13", "libcublas.so.12", "libcublas.so.11", "libcublas.so"})
    names.emplace_back(n);
  // Toolkit locations that are often not in the loader's search path.
  std::vector<std::string> dirs;
  if (const char* home = std::getenv("CUDA_HOME"); home && *home) dirs.push_back(std::string(home) + "/lib64/");
  dirs.emplace_back("/usr/local/cuda/lib64/");
  dirs.emplace_back("/usr/local/cuda/targets/x86_64-linux/lib/");
  std::string tried;
  void* lib = nullptr;
  for (const std::string& n : names) {
    std::vector<std::string> candidates = {n};
    if (n.find('/') == std::string::npos)
      for (const std::string& d : dirs) candidates.push_back(d + n);
    for (const std::string& path : candidates) {
      dlerror();
      lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (lib) {
        c.library = path;
        break;
      }
      const char* why = dlerror();
      if (path == n) tried += (tried.empty() ? "" : "; ") + n + ": " + (why ? why : "?");
    }
    if (lib) break;
  }
  if (!lib) {
    c.error = "cuBLAS not found (" + tried + ")";
    return c;
  }
  CublasApi& a = c.api;
  bool ok = resolve(lib, "cublasCreate_v2", &a.cublasCreate) &&
            resolve(lib, "cublasDestroy_v2", &a.cublasDestroy) &&
            resolve(lib, "cublasSetStream_v2", &a.cublasSetStream) &&
            resolve(lib, "cublasSgemm_v2", &a.cublasSgemm);
  if (!ok) {
    c.error = c.library + " lacks the cublas*_v2 entry points";
    return c;
  }
  c.ok = true;
  return c;
}

}  // namespace

const Driver& driver() {
  static const Driver d = load_driver();  // thread-safe one-time initialisation
  return d;
}

const Cublas& cublas() {
  static const Cublas c = load_cublas();
  return c;
}

std::string error_text(CUresult r) {
  const Driver& d = driver();
  const char* name = nullptr;
  const char* text = nullptr;
  if (d.ok) {
    if (d.api.cuGetErrorName(r, &name) != CUDA_SUCCESS) name = nullptr;
    if (d.api.cuGetErrorString(r, &text) != CUDA_SUCCESS) text = nullptr;
  }
  std::string s = name ? name : format("CUDA error code %d", r);
  if (text) s += std::string(" (") + text + ")";
  return s;
}

void fail_cuda(CUresult r, const char* call, const std::string& detail) {
  const Driver& d = driver();
  const char* name = nullptr;
  const char* text = nullptr;
  if (d.ok) {
    if (d.api.cuGetErrorName(r, &name) != CUDA_SUCCESS) name = nullptr;
    if (d.api.cuGetErrorString(r, &text) != CUDA_SUCCESS) text = nullptr;
  }
  std::string msg = std::string("CUDA error ") + (name ? name : format("%d", r)) + " in " + call;
  if (text) msg += std::string(" (") + text + ")";
  if (!detail.empty()) msg += ": " + detail;
  fail(r == CUDA_ERROR_OUT_OF_MEMORY ? AC_ERR_OUT_OF_MEMORY : AC_ERR_DEVICE, msg);
}

const char* cublas_status_name(cublasStatus_t s) {
  switch (s) {
    case 0: return "CUBLAS_STATUS_SUCCESS";
    case 1: return "CUBLAS_STATUS_NOT_INITIALIZED";
    case 3: return "CUBLAS_STATUS_ALLOC_FAILED";
    case 7: return "CUBLAS_STATUS_INVALID_VALUE";
    case 8: return "CUBLAS_STATUS_ARCH_MISMATCH";
    case 11: return "CUBLAS_STATUS_MAPPING_ERROR";
    case 13: return "CUBLAS_STATUS_EXECUTION_FAILED";
    case 14: return "CUBLAS_STATUS_INTERNAL_ERROR";
    case 15: return "CUBLAS_STATUS_NOT_SUPPORTED";
    case 16: return "CUBLAS_STATUS_LICENSE_ERROR";
    default: return "CUBLAS_STATUS_UNKNOWN";
  }
}

}  // namespace ac::cuda
