// The PTX embedded in the library: one module per native/src/cuda/*.cu, generated at build
// time by cmake/AdvCoreCudaPtx.cmake (advcore_ptx_modules.cpp in the build tree).
#pragma once
#include <cstddef>

namespace ac::cuda {

struct PtxModule {
  const char* name;  // the .cu file's base name
  const char* text;  // NUL-terminated PTX
  size_t size;       // bytes, without the NUL
};

extern const PtxModule kPtxModules[];
extern const size_t kPtxModuleCount;
extern const size_t kPtxTotalBytes;
extern const char* const kPtxCompiler;  // e.g. "clang-19 (clang version 19.1.7) sm_80"

}  // namespace ac::cuda
