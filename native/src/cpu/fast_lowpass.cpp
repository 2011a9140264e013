// Gaussian low-pass and SmoothClip masks on the fast CPU backend. The blur runs the two
// separable passes over planes split across threads, with float taps computed once (in
// double, like the reference) and float accumulators; each plane's row pass writes a plane
// scratch, so y may be x. The masks are the reference kernel over ranges of samples.
#include <vector>

#include "fast_backend.h"
#include "parallel.h"
#include "reference.h"

namespace ac {

namespace {

std::vector<float> float_taps(double sigma, int64_t extent) {
  std::vector<double> t = ref::gaussian_taps(sigma, extent);
  return std::vector<float>(t.begin(), t.end());
}

// out[i * stride] = sum_j taps[|j|] in[(i + j) * stride] over one line of `len`, zero outside.
inline void blur_line(const float* in, float* out, int64_t len, int64_t stride,
                      const std::vector<float>& taps) {
  const int64_t used = static_cast<int64_t>(taps.size()) - 1;
  for (int64_t i = 0; i < len; ++i) {
    const int64_t lo = i < used ? -i : -used, hi = len - 1 - i < used ? len - 1 - i : used;
    float sum = 0.0f;
    for (int64_t j = lo; j <= hi; ++j) sum += taps[static_cast<size_t>(j < 0 ? -j : j)] * in[(i + j) * stride];
    out[i * stride] = sum;
  }
}

}  // namespace

void CpuFastBackend::gaussian_blur(int64_t planes, int64_t h, int64_t w, float sigma,
                                   const float* x, float* y) {
  const std::vector<float> taps_w = float_taps(sigma, w), taps_h = float_taps(sigma, h);
  const int64_t hw = h * w;
  // Work per plane ~ hw (taps_w + taps_h): split by planes once that is worth a thread.
  const int64_t per_plane = hw * static_cast<int64_t>(taps_w.size() + taps_h.size());
  parallel_ranges(threads_, planes, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(per_plane, 1)),
                  [&](int64_t b, int64_t e) {
    std::vector<float> tmp(static_cast<size_t>(hw));
    for (int64_t p = b; p < e; ++p) {
      const float* xp = x + p * hw;
      float* yp = y + p * hw;
      for (int64_t r = 0; r < h; ++r) blur_line(xp + r * w, tmp.data() + r * w, w, 1, taps_w);
      for (int64_t c = 0; c < w; ++c) blur_line(tmp.data() + c, yp + c, h, w, taps_h);
    }
  });
}

void CpuFastBackend::smooth_clip_masks(int64_t n, int64_t d, const float* x, const float* r,
                                       float eps, float* m0, float* m1, float* a0, float* a1,
                                       int32_t* outside) {
  parallel_ranges(threads_, n, rows_per_grain(d), [&](int64_t b, int64_t e) {
    ref::smooth_clip_masks(e - b, d, x + b * d, r + b * d, eps, m0 + b * d, m1 + b * d, a0 + b,
                           a1 + b, outside + b);
  });
}

}  // namespace ac
