// Between the emulator's driver (fake_cuda.cpp), its execution engine (emu_runtime.cpp)
// and the kernel table (kernel_registry.cpp).
#pragma once
#include <cstddef>
#include <functional>
#include <vector>

#include "emu_runtime.h"

namespace acemu {

// Runs `body` once per CUDA thread of every block of the grid.
void launch(ac_uint3 grid, ac_uint3 block, const std::function<void()>& body);

struct KernelEntry {
  const char* name;
  std::vector<size_t> param_sizes;             // sizeof each C++ parameter
  std::function<void(void**)> invoke;          // call with cuLaunchKernel's kernelParams
};

// Every kernel listed in kernels.h, compiled for the host.
const std::vector<KernelEntry>& kernel_registry();

}  // namespace acemu
