// The thin layer over the CUDA driver API and cuBLAS, both loaded with dlopen at run time:
// no CUDA header or library is needed to build, and a machine without a GPU loads the
// library fine and is told why CUDA is unavailable. The few prototypes we call are
// declared here by hand from the documented driver API (types as cuda.h spells them on
// 64-bit Linux); the symbol names are the versioned ones cuda.h maps to (cuMemAlloc_v2...).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.h"

namespace ac::cuda {

using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using CUcontext = struct CUctx_st*;
using CUmodule = struct CUmod_st*;
using CUfunction = struct CUfunc_st*;
using CUstream = struct CUstream_st*;
using CUgraph = struct CUgraph_st*;
using CUgraphExec = struct CUgraphExec_st*;

constexpr CUresult CUDA_SUCCESS = 0;
constexpr CUresult CUDA_ERROR_OUT_OF_MEMORY = 2;
constexpr CUresult CUDA_ERROR_NO_DEVICE = 100;
constexpr CUresult CUDA_ERROR_NOT_FOUND = 500;

constexpr int CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16;
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;

constexpr int CU_JIT_INFO_LOG_BUFFER = 3;
constexpr int CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES = 4;
constexpr int CU_JIT_ERROR_LOG_BUFFER = 5;
constexpr int CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6;

constexpr unsigned CU_STREAM_NON_BLOCKING = 1;
// CUstreamCaptureMode: relaxed lets cuMemAlloc run during a capture (the caching allocator
// may need a fresh block); it is not recorded in the graph.
constexpr int CU_STREAM_CAPTURE_MODE_RELAXED = 2;

struct DriverApi {
  CUresult (*cuInit)(unsigned flags);
  CUresult (*cuDriverGetVersion)(int* version);
  CUresult (*cuDeviceGetCount)(int* count);
  CUresult (*cuDeviceGet)(CUdevice* device, int ordinal);
  CUresult (*cuDeviceGetName)(char* name, int len, CUdevice device);
  CUresult (*cuDeviceGetAttribute)(int* value, int attribute, CUdevice device);
  CUresult (*cuDeviceTotalMem)(size_t* bytes, CUdevice device);                  // _v2
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext* ctx, CUdevice device);
  CUresult (*cuCtxSetCurrent)(CUcontext ctx);
  CUresult (*cuCtxGetCurrent)(CUcontext* ctx);
  CUresult (*cuModuleLoadDataEx)(CUmodule* module, const void* image, unsigned num_options,
                                 int* options, void** option_values);
  CUresult (*cuModuleGetFunction)(CUfunction* fn, CUmodule module, const char* name);
  CUresult (*cuLaunchKernel)(CUfunction fn, unsigned gx, unsigned gy, unsigned gz, unsigned bx,
                             unsigned by, unsigned bz, unsigned shared_bytes, CUstream stream,
                             void** params, void** extra);
  CUresult (*cuMemAlloc)(CUdeviceptr* ptr, size_t bytes);                        // _v2
  CUresult (*cuMemFree)(CUdeviceptr ptr);                                        // _v2
  CUresult (*cuMemGetInfo)(size_t* free_bytes, size_t* total_bytes);             // _v2
  CUresult (*cuMemcpyHtoDAsync)(CUdeviceptr dst, const void* src, size_t bytes,
                                CUstream stream);                                // _v2
  CUresult (*cuMemcpyDtoHAsync)(void* dst, CUdeviceptr src, size_t bytes,
                                CUstream stream);                                // _v2
  CUresult (*cuMemcpyDtoDAsync)(CUdeviceptr dst, CUdeviceptr src, size_t bytes,
                                CUstream stream);                                // _v2
  CUresult (*cuMemsetD32Async)(CUdeviceptr dst, unsigned value, size_t count, CUstream stream);
  CUresult (*cuStreamCreate)(CUstream* stream, unsigned flags);
  CUresult (*cuStreamDestroy)(CUstream stream);                                  // _v2
  CUresult (*cuStreamSynchronize)(CUstream stream);
  CUresult (*cuGetErrorName)(CUresult error, const char** name);
  CUresult (*cuGetErrorString)(CUresult error, const char** text);
};

// CUDA graphs (stream capture), optional: resolved separately so that a driver without
// them still runs everything else. All non-null or all null (Driver::graph_error says why).
struct GraphApi {
  CUresult (*cuStreamBeginCapture)(CUstream stream, int mode);                   // _v2
  CUresult (*cuStreamEndCapture)(CUstream stream, CUgraph* graph);
  CUresult (*cuGraphInstantiateWithFlags)(CUgraphExec* exec, CUgraph graph,
                                          unsigned long long flags);
  CUresult (*cuGraphLaunch)(CUgraphExec exec, CUstream stream);
  CUresult (*cuGraphExecDestroy)(CUgraphExec exec);
  CUresult (*cuGraphDestroy)(CUgraph graph);
};

// The driver library, loaded once per process. `ok` false: `error` says why (dlopen
// message or missing symbol); nothing else is valid then.
struct Driver {
  bool ok = false;
  std::string error;
  DriverApi api{};
  bool graphs = false;      // GraphApi resolved
  std::string graph_error;  // why not, when !graphs
  GraphApi graph{};
};
const Driver& driver();

// "CUDA_ERROR_OUT_OF_MEMORY (out of memory)" for a driver result code.
std::string error_text(CUresult r);

// Throws ac::Error: AC_ERR_OUT_OF_MEMORY for CUDA_ERROR_OUT_OF_MEMORY, else AC_ERR_DEVICE,
// with "CUDA error <NAME> in <call> (<description>)[: detail]".
[[noreturn]] void fail_cuda(CUresult r, const char* call, const std::string& detail);
inline void check(CUresult r, const char* call, const std::string& detail = std::string()) {
  if (r != CUDA_SUCCESS) fail_cuda(r, call, detail);
}

// ---------------------------------------------------------------------- cuBLAS

using cublasHandle_t = struct cublasContext*;
using cublasStatus_t = int;
constexpr cublasStatus_t CUBLAS_STATUS_SUCCESS = 0;
constexpr int CUBLAS_OP_N = 0;
constexpr int CUBLAS_OP_T = 1;

struct CublasApi {
  cublasStatus_t (*cublasCreate)(cublasHandle_t* handle);                        // _v2
  cublasStatus_t (*cublasDestroy)(cublasHandle_t handle);                        // _v2
  cublasStatus_t (*cublasSetStream)(cublasHandle_t handle, CUstream stream);     // _v2
  cublasStatus_t (*cublasSgemm)(cublasHandle_t handle, int transa, int transb, int m, int n,
                                int k, const float* alpha, const float* a, int lda,
                                const float* b, int ldb, const float* beta, float* c,
                                int ldc);                                        // _v2
};

// cuBLAS, loaded once per process (libcublas.so.13, .12, .11, then libcublas.so; the
// environment variable ADVCORE_CUBLAS may name the file). `ok` false: the backend uses its
// own SGEMM kernel and `error` says why.
struct Cublas {
  bool ok = false;
  std::string error;
  std::string library;  // the name that loaded
  CublasApi api{};
};
const Cublas& cublas();

// "CUBLAS_STATUS_EXECUTION_FAILED" etc.
const char* cublas_status_name(cublasStatus_t s);

}  // namespace ac::cuda
