// Reference Gaussian low-pass filter (SmoothFool's g and h, seed 001 §4.1) and the SmoothClip
// test (Algorithm 1, lines 4-8). The contract of ac_gaussian_blur / ac_smooth_clip_masks
// (advcore.h, section "Gaussian low-pass and SmoothClip"):
//   - taps: radius R = ceil(2.5 sigma) ("kernel width 5 sigma"), g_j = exp(-j^2 / (2 sigma^2)) / Z
//     for j in [-R, R], Z = sum of the 2R+1 unnormalised taps (so the 2-D kernel g_i g_j sums to 1);
//   - separable: a pass along W (x -> tmp), then along H (tmp -> y), each with zero padding
//     'same' (samples outside the plane count as 0, as torch conv2d with padding k//2 would);
//     taps further than the plane is long touch nothing, so only min(R, extent - 1) are used.
// Accumulation in double; the taps are computed in double.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace ac::ref {

// R = ceil(2.5 sigma), at least 1.
inline int64_t gaussian_radius(double sigma) {
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(2.5 * sigma)));
}

// taps[j] = g_j for j = 0 .. min(R, extent - 1) (g is symmetric), normalised over all 2R+1 taps.
inline std::vector<double> gaussian_taps(double sigma, int64_t extent) {
  const int64_t r = gaussian_radius(sigma);
  double z = 1.0;  // j = 0
  for (int64_t j = 1; j <= r; ++j) z += 2.0 * std::exp(-static_cast<double>(j) * static_cast<double>(j) / (2.0 * sigma * sigma));
  const int64_t used = std::min(r, std::max<int64_t>(extent - 1, 0));
  std::vector<double> taps(static_cast<size_t>(used + 1));
  for (int64_t j = 0; j <= used; ++j)
    taps[static_cast<size_t>(j)] = std::exp(-static_cast<double>(j) * static_cast<double>(j) / (2.0 * sigma * sigma)) / z;
  return taps;
}

// One 1-D pass over `lines` lines of `len` samples spaced `stride` apart (line l starts at
// l_offset(l)): out[i] = sum_j taps[|j|] in[i + j], samples outside [0, len) are 0.
template <class T, class Offset>
void gaussian_pass(int64_t lines, int64_t len, int64_t stride, Offset l_offset,
                   const std::vector<double>& taps, const T* in, T* out) {
  const int64_t used = static_cast<int64_t>(taps.size()) - 1;
  for (int64_t l = 0; l < lines; ++l) {
    const int64_t base = l_offset(l);
    for (int64_t i = 0; i < len; ++i) {
      double sum = 0.0;
      for (int64_t j = std::max(-used, -i); j <= std::min(used, len - 1 - i); ++j)
        sum += taps[static_cast<size_t>(j < 0 ? -j : j)] * static_cast<double>(in[base + (i + j) * stride]);
      out[base + i * stride] = static_cast<T>(sum);
    }
  }
}

// y = g * x per plane of h x w (planes = N * C); y may be x.
template <class T>
void gaussian_blur(int64_t planes, int64_t h, int64_t w, T sigma, const T* x, T* y) {
  const double s = static_cast<double>(sigma);
  std::vector<T> tmp(static_cast<size_t>(planes * h * w));
  // Along W: lines are rows (plane p, row r) at offset (p h + r) w, stride 1.
  gaussian_pass<T>(planes * h, w, 1, [w](int64_t l) { return l * w; }, gaussian_taps(s, w), x, tmp.data());
  // Along H: lines are columns (plane p, column c) at offset p h w + c, stride w.
  gaussian_pass<T>(planes * w, h, w, [h, w](int64_t l) { return (l / w) * h * w + l % w; },
                   gaussian_taps(s, h), tmp.data(), y);
}

// SmoothClip's out-of-range test over x, r viewed as [n, d], z = x + r:
//   m1 = 1[z > 1], m0 = 1[z < 0] element-wise;
//   a1[i] = -eps * max(max_j z_ij - 1, 0), a0[i] = -eps * min(min_j z_ij, 0) (the coefficients
//   of Algorithm 1's update r += a1 (g * m1) + a0 (g * m0));
//   outside[i] = 1 when some z_ij is outside [0, 1], else 0.
template <class T>
void smooth_clip_masks(int64_t n, int64_t d, const T* x, const T* r, T eps, T* m0, T* m1, T* a0,
                       T* a1, int32_t* outside) {
  for (int64_t i = 0; i < n; ++i) {
    T hi = T(0), lo = T(0);
    for (int64_t j = 0; j < d; ++j) {
      const T z = x[i * d + j] + r[i * d + j];
      m1[i * d + j] = z > T(1) ? T(1) : T(0);
      m0[i * d + j] = z < T(0) ? T(1) : T(0);
      hi = std::max(hi, z - T(1));
      lo = std::min(lo, z);
    }
    a1[i] = -eps * hi;
    a0[i] = -eps * lo;
    outside[i] = (hi > T(0) || lo < T(0)) ? 1 : 0;
  }
}

}  // namespace ac::ref
