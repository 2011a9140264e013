// Tensor-wide kernels: the finiteness check, Philox fills, element-wise add and product.
// Every element-wise kernel is a grid-stride loop, so any grid size is correct.
#include "devmath.cuh"
// philox.h after compat.cuh: it needs __host__ __device__ __forceinline__.
#include "core/philox.h"
#include "kernel_args.h"

// *bad = 1 if any of the n floats is NaN or infinite (the host zeroes *bad first).
extern "C" __global__ void ac_all_finite(const float* x, int64_t n, int* bad) {
  bool found = false;
  for (int64_t i = ac_global_thread(); i < n; i += ac_grid_threads())
    if (!ac_isfinite(x[i])) found = true;
  if (found) *bad = 1;  // benign race: every writer stores the same value
}

// One thread per Philox counter c: elements 4c .. 4c+3 use lanes 0..3 of counter
// offset + c (the contract in src/cpu/reference_random.h).
extern "C" __global__ void ac_fill_uniform(float* x, int64_t n, float lo, float hi,
                                           uint64_t seed, uint64_t offset) {
  int64_t counters = (n + 3) / 4;
  float range = hi - lo;
  for (int64_t c = ac_global_thread(); c < counters; c += ac_grid_threads()) {
    ac::Philox4 bits = ac::philox4x32_10(offset + static_cast<uint64_t>(c), seed);
    for (int lane = 0; lane < 4; ++lane) {
      int64_t i = 4 * c + lane;
      if (i < n) x[i] = lo + range * ac::philox_uniform(bits.v[lane]);
    }
  }
}

// Box-Muller on lane pairs: (lane 0, lane 1) -> elements 4c (cos), 4c+1 (sin);
// (lane 2, lane 3) -> elements 4c+2 (cos), 4c+3 (sin). r = sqrt(-2 ln(1 - u1)); the angle
// is 2 pi u2, evaluated as sincospi(2 u2) so that no precision is lost forming 2 pi u2.
extern "C" __global__ void ac_fill_normal(float* x, int64_t n, float mean, float stddev,
                                          uint64_t seed, uint64_t offset) {
  int64_t counters = (n + 3) / 4;
  for (int64_t c = ac_global_thread(); c < counters; c += ac_grid_threads()) {
    ac::Philox4 bits = ac::philox4x32_10(offset + static_cast<uint64_t>(c), seed);
    for (int pair = 0; pair < 2; ++pair) {
      int64_t i = 4 * c + 2 * pair;
      if (i >= n) break;
      float u1 = ac::philox_uniform(bits.v[2 * pair]);
      float u2 = ac::philox_uniform(bits.v[2 * pair + 1]);
      float r = ac_sqrtf(-2.0f * ac_logf(1.0f - u1));  // 1 - u1 is exact and in (0, 1]
      float s, co;
      ac_sincospif(2.0f * u2, &s, &co);
      x[i] = mean + stddev * (r * co);
      if (i + 1 < n) x[i + 1] = mean + stddev * (r * s);
    }
  }
}

extern "C" __global__ void ac_add(const float* a, const float* b, float* y, int64_t n) {
  for (int64_t i = ac_global_thread(); i < n; i += ac_grid_threads()) y[i] = a[i] + b[i];
}

extern "C" __global__ void ac_mul(const float* a, const float* b, float* y, int64_t n) {
  for (int64_t i = ac_global_thread(); i < n; i += ac_grid_threads()) y[i] = a[i] * b[i];
}
