// Gaussian low-pass filter and SmoothClip's out-of-range masks (src/cpu/reference_lowpass.h
// is the contract; advcore.h section "Gaussian low-pass and SmoothClip").
//   ac_gaussian_taps: one block computes taps[0..used] of g_sigma in double (normalised over
//     all 2R+1 taps), then rounds them to float — what the fast CPU kernel uses;
//   ac_gaussian_pass: one thread per output sample of one 1-D pass (lines of `len` samples
//     `stride` apart), zero outside the line, float accumulation;
//   ac_smooth_clip_masks: one block per sample (max/min reductions, then the masks).
#include "devmath.cuh"

// taps[j] = exp(-j^2 / (2 sigma^2)) / Z for j = 0..used, Z = 1 + 2 sum_{j=1..r} exp(...).
extern "C" __global__ void ac_gaussian_taps(double sigma, int64_t r, int64_t used, float* taps) {
  __shared__ double scratch[32];
  const double inv = 1.0 / (2.0 * sigma * sigma);
  double part = 0.0;
  for (int64_t j = 1 + threadIdx.x; j <= r; j += blockDim.x)
    part += 2.0 * ac_exp(-static_cast<double>(j) * static_cast<double>(j) * inv);
  const double z = 1.0 + ac_block_sum(part, scratch);
  for (int64_t j = threadIdx.x; j <= used; j += blockDim.x)
    taps[j] = static_cast<float>(ac_exp(-static_cast<double>(j) * static_cast<double>(j) * inv) / z);
}

// out[base(l) + i stride] = sum_j taps[|j|] in[base(l) + (i + j) stride], j in [-used, used]
// clipped to the line. Line l: plane p = l / lines_per_plane, q = l % lines_per_plane, base =
// p plane_size + q line_step (rows: line_step = w, stride 1; columns: line_step = 1, stride w).
extern "C" __global__ void ac_gaussian_pass(int64_t lines, int64_t lines_per_plane,
                                            int64_t plane_size, int64_t line_step, int64_t len,
                                            int64_t stride, int64_t used, const float* taps,
                                            const float* in, float* out) {
  const int64_t total = lines * len;
  for (int64_t t = ac_global_thread(); t < total; t += ac_grid_threads()) {
    const int64_t l = t / len, i = t % len;
    const int64_t base = (l / lines_per_plane) * plane_size + (l % lines_per_plane) * line_step;
    const int64_t lo = i < used ? -i : -used, hi = len - 1 - i < used ? len - 1 - i : used;
    float sum = 0.0f;
    for (int64_t j = lo; j <= hi; ++j) sum += taps[j < 0 ? -j : j] * in[base + (i + j) * stride];
    out[base + i * stride] = sum;
  }
}

// Per sample: z = x + r; m1 = 1[z > 1], m0 = 1[z < 0]; a1 = -eps max(max z - 1, 0),
// a0 = -eps min(min z, 0); outside = 1 when either is non-zero.
extern "C" __global__ void ac_smooth_clip_masks(int64_t n, int64_t d, const float* x,
                                                const float* r, float eps, float* m0, float* m1,
                                                float* a0, float* a1, int* outside) {
  __shared__ float scratch[32];
  for (int64_t s = blockIdx.x; s < n; s += gridDim.x) {
    float hi = 0.0f, lo = 0.0f;
    for (int64_t j = threadIdx.x; j < d; j += blockDim.x) {
      const float z = x[s * d + j] + r[s * d + j];
      m1[s * d + j] = z > 1.0f ? 1.0f : 0.0f;
      m0[s * d + j] = z < 0.0f ? 1.0f : 0.0f;
      hi = ac_fmaxf(hi, z - 1.0f);
      lo = -ac_fmaxf(-lo, -z);
    }
    hi = ac_block_max(hi, scratch);
    lo = -ac_block_max(-lo, scratch);
    if (threadIdx.x == 0) {
      a1[s] = -eps * hi;
      a0[s] = -eps * lo;
      outside[s] = (hi > 0.0f || lo < 0.0f) ? 1 : 0;
    }
  }
}
