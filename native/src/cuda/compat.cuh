// compat.cuh — lets the same .cu sources build with nvcc (real CUDA headers) and with
// Debian's clang-19 in `-x cuda -nocudainc -nocudalib` mode, where no CUDA header and no
// libdevice exist. Under clang we supply the CUDA keywords, the built-in index variables,
// barriers, warp shuffles, atomics and the handful of intrinsics the kernels use, all from
// clang's NVPTX builtins. Transcendentals (exp, log, sin/cos) are NOT taken from either
// toolchain: devmath.cuh implements them from + - * / fma sqrt and bit tricks, so a kernel
// computes the same numbers whichever compiler produced its PTX.
//
// Kernels use only what this header and devmath.cuh define: threadIdx/blockIdx/blockDim/
// gridDim (.x/.y/.z), __syncthreads(), ac_shfl_down / ac_shfl_xor (float, double, int),
// ac_atomic_add (float), ac_f2i / ac_i2f, ac_d2ll / ac_ll2d, ac_sqrtf / ac_sqrt,
// ac_rintf / ac_rint, ac_floorf, ac_fabsf, ac_fmaf / ac_fma, ac_fmaxf / ac_fminf.
#pragma once

#if defined(__NVCC__)
// ------------------------------------------------------------------------------- nvcc
#include <cuda_runtime.h>
#include <stdint.h>

#define AC_DEV __device__ __forceinline__
#define AC_DEV_NOINLINE __device__ __noinline__

AC_DEV float ac_shfl_down(float v, int delta) { return __shfl_down_sync(0xffffffffu, v, delta); }
AC_DEV double ac_shfl_down(double v, int delta) { return __shfl_down_sync(0xffffffffu, v, delta); }
AC_DEV int ac_shfl_down(int v, int delta) { return __shfl_down_sync(0xffffffffu, v, delta); }
AC_DEV float ac_shfl_xor(float v, int mask) { return __shfl_xor_sync(0xffffffffu, v, mask); }
AC_DEV double ac_shfl_xor(double v, int mask) { return __shfl_xor_sync(0xffffffffu, v, mask); }
AC_DEV int ac_shfl_xor(int v, int mask) { return __shfl_xor_sync(0xffffffffu, v, mask); }
AC_DEV float ac_atomic_add(float* p, float v) { return atomicAdd(p, v); }
AC_DEV int ac_f2i(float v) { return __float_as_int(v); }
AC_DEV float ac_i2f(int v) { return __int_as_float(v); }
AC_DEV long long ac_d2ll(double v) { return __double_as_longlong(v); }
AC_DEV double ac_ll2d(long long v) { return __longlong_as_double(v); }
AC_DEV float ac_sqrtf(float v) { return __fsqrt_rn(v); }
AC_DEV double ac_sqrt(double v) { return __dsqrt_rn(v); }
AC_DEV float ac_rintf(float v) { return rintf(v); }
AC_DEV double ac_rint(double v) { return rint(v); }
AC_DEV double ac_fma(double a, double b, double c) { return __fma_rn(a, b, c); }
AC_DEV float ac_floorf(float v) { return floorf(v); }
AC_DEV float ac_fabsf(float v) { return fabsf(v); }
AC_DEV float ac_fmaf(float a, float b, float c) { return __fmaf_rn(a, b, c); }
AC_DEV float ac_fmaxf(float a, float b) { return fmaxf(a, b); }
AC_DEV float ac_fminf(float a, float b) { return fminf(a, b); }

#elif defined(__clang__) && defined(__CUDA__)
// ---------------------------------------------------------- clang, -nocudainc -nocudalib
#include <stdint.h>

#define __host__ __attribute__((host))
#define __device__ __attribute__((device))
#define __global__ __attribute__((global))
#define __shared__ __attribute__((shared))
#define __constant__ __attribute__((constant))
#define __forceinline__ __inline__ __attribute__((always_inline))
#define __launch_bounds__(...) __attribute__((launch_bounds(__VA_ARGS__)))

#define AC_DEV __device__ __forceinline__
#define AC_DEV_NOINLINE __device__ __attribute__((noinline))

// The built-in variables. clang's own header implements them with __declspec(property);
// a value-returning call is simpler and the unused components fold away (the special
// register reads are side-effect free).
struct ac_uint3 {
  unsigned int x, y, z;
};
AC_DEV ac_uint3 ac_thread_idx() {
  return {static_cast<unsigned>(__nvvm_read_ptx_sreg_tid_x()),
          static_cast<unsigned>(__nvvm_read_ptx_sreg_tid_y()),
          static_cast<unsigned>(__nvvm_read_ptx_sreg_tid_z())};
}
AC_DEV ac_uint3 ac_block_idx() {
  return {static_cast<unsigned>(__nvvm_read_ptx_sreg_ctaid_x()),
          static_cast<unsigned>(__nvvm_read_ptx_sreg_ctaid_y()),
          static_cast<unsigned>(__nvvm_read_ptx_sreg_ctaid_z())};
}
AC_DEV ac_uint3 ac_block_dim() {
  return {static_cast<unsigned>(__nvvm_read_ptx_sreg_ntid_x()),
          static_cast<unsigned>(__nvvm_read_ptx_sreg_ntid_y()),
          static_cast<unsigned>(__nvvm_read_ptx_sreg_ntid_z())};
}
AC_DEV ac_uint3 ac_grid_dim() {
  return {static_cast<unsigned>(__nvvm_read_ptx_sreg_nctaid_x()),
          static_cast<unsigned>(__nvvm_read_ptx_sreg_nctaid_y()),
          static_cast<unsigned>(__nvvm_read_ptx_sreg_nctaid_z())};
}
#define threadIdx (ac_thread_idx())
#define blockIdx (ac_block_idx())
#define blockDim (ac_block_dim())
#define gridDim (ac_grid_dim())

// __syncthreads is a clang builtin for NVPTX (bar.sync 0).

// Bit casts through a union: clang accepts the type pun, and it compiles to a plain mov.
AC_DEV int ac_f2i(float v) {
  union { float f; int i; } u;
  u.f = v;
  return u.i;
}
AC_DEV float ac_i2f(int v) {
  union { float f; int i; } u;
  u.i = v;
  return u.f;
}
AC_DEV long long ac_d2ll(double v) {
  union { double d; long long i; } u;
  u.d = v;
  return u.i;
}
AC_DEV double ac_ll2d(long long v) {
  union { double d; long long i; } u;
  u.i = v;
  return u.d;
}

// Warp shuffles over the full warp. The last operand packs the clamp: 0x1f for down/xor
// with a width of 32.
AC_DEV int ac_shfl_down(int v, int delta) {
  return __nvvm_shfl_sync_down_i32(0xffffffffu, v, static_cast<unsigned>(delta), 0x1f);
}
AC_DEV float ac_shfl_down(float v, int delta) {
  return __nvvm_shfl_sync_down_f32(0xffffffffu, v, static_cast<unsigned>(delta), 0x1f);
}
AC_DEV double ac_shfl_down(double v, int delta) {
  long long b = ac_d2ll(v);
  int lo = static_cast<int>(static_cast<unsigned long long>(b) & 0xffffffffull);
  int hi = static_cast<int>(static_cast<unsigned long long>(b) >> 32);
  lo = ac_shfl_down(lo, delta);
  hi = ac_shfl_down(hi, delta);
  unsigned long long r = (static_cast<unsigned long long>(static_cast<unsigned>(hi)) << 32) |
                         static_cast<unsigned>(lo);
  return ac_ll2d(static_cast<long long>(r));
}
AC_DEV int ac_shfl_xor(int v, int mask) {
  return __nvvm_shfl_sync_bfly_i32(0xffffffffu, v, static_cast<unsigned>(mask), 0x1f);
}
AC_DEV float ac_shfl_xor(float v, int mask) {
  return __nvvm_shfl_sync_bfly_f32(0xffffffffu, v, static_cast<unsigned>(mask), 0x1f);
}
AC_DEV double ac_shfl_xor(double v, int mask) {
  long long b = ac_d2ll(v);
  int lo = static_cast<int>(static_cast<unsigned long long>(b) & 0xffffffffull);
  int hi = static_cast<int>(static_cast<unsigned long long>(b) >> 32);
  lo = ac_shfl_xor(lo, mask);
  hi = ac_shfl_xor(hi, mask);
  unsigned long long r = (static_cast<unsigned long long>(static_cast<unsigned>(hi)) << 32) |
                         static_cast<unsigned>(lo);
  return ac_ll2d(static_cast<long long>(r));
}

AC_DEV float ac_atomic_add(float* p, float v) { return __nvvm_atom_add_gen_f(p, v); }

// IEEE-exact basics: these lower to single PTX instructions (sqrt.rn, cvt.rni, cvt.rmi,
// abs, fma.rn, max/min) and never to a libdevice call.
AC_DEV float ac_sqrtf(float v) { return __nvvm_sqrt_rn_f(v); }
AC_DEV double ac_sqrt(double v) { return __nvvm_sqrt_rn_d(v); }
AC_DEV float ac_rintf(float v) { return __builtin_rintf(v); }
AC_DEV double ac_rint(double v) { return __builtin_rint(v); }
AC_DEV double ac_fma(double a, double b, double c) { return __nvvm_fma_rn_d(a, b, c); }
AC_DEV float ac_floorf(float v) { return __builtin_floorf(v); }
AC_DEV float ac_fabsf(float v) { return __builtin_fabsf(v); }
AC_DEV float ac_fmaf(float a, float b, float c) { return __nvvm_fma_rn_f(a, b, c); }
AC_DEV float ac_fmaxf(float a, float b) { return __nvvm_fmax_f(a, b); }
AC_DEV float ac_fminf(float a, float b) { return __nvvm_fmin_f(a, b); }

#elif defined(AC_CUDA_EMULATION)
// ------------------------------------------------- the CPU emulator (native/src/cuda/emu)
#include "emu/emu_runtime.h"

#else
#error "compat.cuh is for device compilation (nvcc, or clang -x cuda)"
#endif
