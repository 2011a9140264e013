// Per-sample vector primitives over x viewed as [n, d] and the element-wise image ops
// (src/cpu/reference_vector.h is the contract). Per-sample kernels run one block per sample
// (grid-stride over samples, blockDim a multiple of 32); norms and dots accumulate in
// double like the reference.
#include "devmath.cuh"
#include "kernel_args.h"

// out[i] = ||x_i||_2 (AC_K_L2), ||x_i||_inf (AC_K_LINF) or <x_i, y_i> (AC_K_DOT).
extern "C" __global__ void ac_batch_reduce(int op, int64_t n, int64_t d, const float* x,
                                           const float* y, float* out) {
  __shared__ double dscratch[32];
  __shared__ float fscratch[32];
  for (int64_t s = blockIdx.x; s < n; s += gridDim.x) {
    const float* a = x + s * d;
    if (op == AC_K_LINF) {
      // max(best, |v|) from 0 like the reference; fmaxf drops NaN operands, the
      // reference's std::max keeps `best` when |v| is NaN, so both ignore NaN here.
      float best = 0.0f;
      for (int64_t j = threadIdx.x; j < d; j += blockDim.x) best = ac_fmaxf(best, ac_fabsf(a[j]));
      best = ac_block_max(best, fscratch);
      if (threadIdx.x == 0) out[s] = best;
    } else {
      double sum = 0.0;
      if (op == AC_K_DOT) {
        const float* b = y + s * d;
        for (int64_t j = threadIdx.x; j < d; j += blockDim.x)
          sum += static_cast<double>(a[j]) * static_cast<double>(b[j]);
      } else {
        for (int64_t j = threadIdx.x; j < d; j += blockDim.x)
          sum += static_cast<double>(a[j]) * static_cast<double>(a[j]);
      }
      sum = ac_block_sum(sum, dscratch);
      if (threadIdx.x == 0) out[s] = static_cast<float>(op == AC_K_DOT ? sum : ac_sqrt(sum));
    }
  }
}

// y_i += alpha[i] x_i. One block per sample.
extern "C" __global__ void ac_batch_axpy(int64_t n, int64_t d, const float* alpha,
                                         const float* x, float* y) {
  for (int64_t s = blockIdx.x; s < n; s += gridDim.x) {
    float a = alpha[s];
    for (int64_t j = threadIdx.x; j < d; j += blockDim.x) y[s * d + j] += a * x[s * d + j];
  }
}

// x_i *= alpha[i].
extern "C" __global__ void ac_batch_scale(int64_t n, int64_t d, const float* alpha, float* x) {
  for (int64_t s = blockIdx.x; s < n; s += gridDim.x) {
    float a = alpha[s];
    for (int64_t j = threadIdx.x; j < d; j += blockDim.x) x[s * d + j] *= a;
  }
}

// std::min(std::max(v, 0), 1): a NaN passes through unchanged, as in the reference.
AC_DEV float ac_clamp01(float v) {
  float lo = v < 0.0f ? 0.0f : v;
  return 1.0f < lo ? 1.0f : lo;
}

extern "C" __global__ void ac_clip01(int64_t n, float* x) {
  for (int64_t i = ac_global_thread(); i < n; i += ac_grid_threads()) x[i] = ac_clamp01(x[i]);
}

// x <- rint(255 clamp01(x)) / 255 (round half to even; the division is IEEE div.rn).
extern "C" __global__ void ac_quantize8(int64_t n, float* x) {
  for (int64_t i = ac_global_thread(); i < n; i += ac_grid_threads())
    x[i] = ac_rintf(ac_clamp01(x[i]) * 255.0f) / 255.0f;
}

// y_i = c_i + r_i * min(1, eps_i / ||r_i||), r_i = y_i - c_i; a negative radius counts as 0
// and ||r|| <= radius (including 0) leaves the sample alone. One block per sample.
extern "C" __global__ void ac_project_l2(int64_t n, int64_t d, const float* center,
                                         const float* eps, float* y) {
  __shared__ double scratch[32];
  for (int64_t s = blockIdx.x; s < n; s += gridDim.x) {
    const float* c = center + s * d;
    float* ys = y + s * d;
    double sum = 0.0;
    for (int64_t j = threadIdx.x; j < d; j += blockDim.x) {
      double r = static_cast<double>(ys[j]) - static_cast<double>(c[j]);
      sum += r * r;
    }
    sum = ac_block_sum(sum, scratch);
    double norm = ac_sqrt(sum);
    double radius = static_cast<double>(eps[s]);
    if (radius < 0.0) radius = 0.0;
    if (!(norm > radius)) continue;  // uniform over the block: every thread has `sum`
    float factor = static_cast<float>(radius / norm);
    for (int64_t j = threadIdx.x; j < d; j += blockDim.x) ys[j] = c[j] + (ys[j] - c[j]) * factor;
  }
}

// y_i = c_i + clamp(y_i - c_i, -e, e) with e = max(eps_i, 0). Elements already inside the
// box are left exactly as they are (c + (y - c) would round); clamped ones become c +- e.
// One block per sample.
extern "C" __global__ void ac_project_linf(int64_t n, int64_t d, const float* center,
                                           const float* eps, float* y) {
  for (int64_t s = blockIdx.x; s < n; s += gridDim.x) {
    float e = eps[s];
    e = e < 0.0f ? 0.0f : e;
    const float* c = center + s * d;
    float* ys = y + s * d;
    for (int64_t j = threadIdx.x; j < d; j += blockDim.x) {
      float r = ys[j] - c[j];
      if (r > e) ys[j] = c[j] + e;
      else if (r < -e) ys[j] = c[j] - e;
    }
  }
}
