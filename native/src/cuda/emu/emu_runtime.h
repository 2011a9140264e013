// CPU emulation of the CUDA execution model, for running the kernels where no GPU exists.
// compat.cuh includes this header when AC_CUDA_EMULATION is defined (the emulator build in
// native/src/cuda/emu only; the library never defines it). The .cu sources then compile as
// ordinary C++: the CUDA threads of a block run as cooperative fibers on one OS thread
// (ucontext; or each on its own OS thread with ACEMU_OS_THREADS=1, e.g. under
// AddressSanitizer), blocks one after another; __syncthreads and warp shuffles are real
// barriers (a barrier some threads never reach is reported as a deadlock), __shared__
// variables are function statics (one block is alive at a time), device memory is host
// memory.
// It checks logic (indexing, reductions, synchronisation, argument passing), not speed.
#pragma once
#include <stdint.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <cstdio>

#define __host__
#define __device__
#define __global__
#define __shared__ static
#define __constant__ static
#define __forceinline__ inline
#define __launch_bounds__(...)

#define AC_DEV inline
#define AC_DEV_NOINLINE inline

struct ac_uint3 {
  unsigned int x, y, z;
};

namespace acemu {

// The running CUDA thread's index: thread-local with the OS-thread engine, and set by the
// scheduler before it resumes a fiber with the fiber engine (one OS thread).
extern thread_local ac_uint3 t_thread_idx;
extern ac_uint3 g_block_idx, g_block_dim, g_grid_dim;

void syncthreads();
// Lane `src` of this thread's warp (its own value when src is outside 0..31).
uint64_t warp_exchange(uint64_t bits, int src_lane);

template <class T>
inline T shfl(T v, int src_lane) {
  static_assert(sizeof(T) <= 8, "shuffle of at most 64 bits");
  uint64_t bits = 0;
  std::memcpy(&bits, &v, sizeof v);
  bits = warp_exchange(bits, src_lane);
  T out;
  std::memcpy(&out, &bits, sizeof out);
  return out;
}

inline int lane() { return static_cast<int>(t_thread_idx.x & 31u); }

}  // namespace acemu

#define threadIdx (acemu::t_thread_idx)
#define blockIdx (acemu::g_block_idx)
#define blockDim (acemu::g_block_dim)
#define gridDim (acemu::g_grid_dim)

inline void __syncthreads() { acemu::syncthreads(); }

AC_DEV int ac_shfl_down(int v, int d) { return acemu::shfl(v, acemu::lane() + d); }
AC_DEV float ac_shfl_down(float v, int d) { return acemu::shfl(v, acemu::lane() + d); }
AC_DEV double ac_shfl_down(double v, int d) { return acemu::shfl(v, acemu::lane() + d); }
AC_DEV int ac_shfl_xor(int v, int m) { return acemu::shfl(v, acemu::lane() ^ m); }
AC_DEV float ac_shfl_xor(float v, int m) { return acemu::shfl(v, acemu::lane() ^ m); }
AC_DEV double ac_shfl_xor(double v, int m) { return acemu::shfl(v, acemu::lane() ^ m); }

AC_DEV float ac_atomic_add(float* p, float v) { return std::atomic_ref<float>(*p).fetch_add(v); }

AC_DEV int ac_f2i(float v) { int i; std::memcpy(&i, &v, 4); return i; }
AC_DEV float ac_i2f(int v) { float f; std::memcpy(&f, &v, 4); return f; }
AC_DEV long long ac_d2ll(double v) { long long i; std::memcpy(&i, &v, 8); return i; }
AC_DEV double ac_ll2d(long long v) { double d; std::memcpy(&d, &v, 8); return d; }
AC_DEV float ac_sqrtf(float v) { return std::sqrt(v); }
AC_DEV double ac_sqrt(double v) { return std::sqrt(v); }
AC_DEV float ac_rintf(float v) { return std::nearbyint(v); }
AC_DEV double ac_rint(double v) { return std::nearbyint(v); }
AC_DEV double ac_fma(double a, double b, double c) { return std::fma(a, b, c); }
AC_DEV float ac_floorf(float v) { return std::floor(v); }
AC_DEV float ac_fabsf(float v) { return std::fabs(v); }
AC_DEV float ac_fmaf(float a, float b, float c) { return std::fma(a, b, c); }
AC_DEV float ac_fmaxf(float a, float b) { return std::fmax(a, b); }
AC_DEV float ac_fminf(float a, float b) { return std::fmin(a, b); }
