// Reference kernels of the patch-replacement defense (thesis ch. 6.3): patch extraction and
// reconstruction over slices of a feature map, the four replacement strategies (eqs. 6.3-6.5)
// and the E8 lattice quantizer (Conway & Sloane 1982). The contract is advcore.h, section
// "Patch replacement"; PatchShape and patch_origin are in core/backend.h.
//   - patch (i, j) of image n in slice k is row n P + i cols + j of slice matrix k, its value
//     (dy, dx, ch) at column (dy p + dx) d + ch, taken from channel k d + ch at pixel
//     (origin_i + dy, origin_j + dx);
//   - rebuild: per pixel, the double sum of the covering patch values in patch-index order,
//     divided by their number (every backend uses that order, so all agree bit for bit);
//   - strategies and E8 in double, rounded to float once; every multiply-add is an explicit
//     fma (the CUDA kernels use the same), so no compiler contraction can change a result.
// Every fast CPU kernel and CUDA kernel must give exactly these numbers, except where a GPU
// reduction order differs (the L2 strategy's norm).
#pragma once
#include <cmath>
#include <cstdint>
#include <vector>

#include "core/backend.h"

namespace ac::ref {

// Offset of value (dy, dx, ch) within a patch row.
inline int64_t patch_column(const PatchShape& s, int64_t dy, int64_t dx, int64_t ch) {
  return (dy * s.p + dx) * s.d + ch;
}

template <class T>
void patches_extract(const PatchShape& s, const T* features, T* patches) {
  const int64_t per = s.per_image(), dim = s.dim();
  for (int64_t k = 0; k < s.slices(); ++k)
    for (int64_t n = 0; n < s.n; ++n)
      for (int64_t i = 0; i < s.rows; ++i)
        for (int64_t j = 0; j < s.cols; ++j) {
          const int64_t y0 = patch_origin(i, s.rows, s.c, s.h, s.p);
          const int64_t x0 = patch_origin(j, s.cols, s.c, s.w, s.p);
          T* row = patches + ((k * s.n + n) * per + i * s.cols + j) * dim;
          for (int64_t dy = 0; dy < s.p; ++dy)
            for (int64_t dx = 0; dx < s.p; ++dx)
              for (int64_t ch = 0; ch < s.d; ++ch)
                row[patch_column(s, dy, dx, ch)] =
                    features[((n * s.depth + k * s.d + ch) * s.h + y0 + dy) * s.w + x0 + dx];
        }
}

// Scatter every patch value into double sums and counts (patch-index order), then divide.
template <class T>
void patches_rebuild(const PatchShape& s, const T* patches, T* features) {
  const int64_t per = s.per_image(), dim = s.dim();
  const int64_t total = s.n * s.depth * s.h * s.w;
  std::vector<double> sum(static_cast<size_t>(total), 0.0);
  std::vector<int64_t> count(static_cast<size_t>(total), 0);
  for (int64_t k = 0; k < s.slices(); ++k)
    for (int64_t n = 0; n < s.n; ++n)
      for (int64_t i = 0; i < s.rows; ++i)
        for (int64_t j = 0; j < s.cols; ++j) {
          const int64_t y0 = patch_origin(i, s.rows, s.c, s.h, s.p);
          const int64_t x0 = patch_origin(j, s.cols, s.c, s.w, s.p);
          const T* row = patches + ((k * s.n + n) * per + i * s.cols + j) * dim;
          for (int64_t dy = 0; dy < s.p; ++dy)
            for (int64_t dx = 0; dx < s.p; ++dx)
              for (int64_t ch = 0; ch < s.d; ++ch) {
                const size_t at = static_cast<size_t>(
                    ((n * s.depth + k * s.d + ch) * s.h + y0 + dy) * s.w + x0 + dx);
                sum[at] += static_cast<double>(row[patch_column(s, dy, dx, ch)]);
                ++count[at];
              }
        }
  for (int64_t e = 0; e < total; ++e)
    features[e] = static_cast<T>(sum[static_cast<size_t>(e)] / static_cast<double>(count[static_cast<size_t>(e)]));
}

// One row of the strategies; `norm` is ||Q - P||_2 (read by the L2 strategy only).
template <class T>
void patch_strategy_row(int64_t dim, int32_t strategy, double eps, double norm, T* p, const T* q) {
  switch (strategy) {
    case 0:  // plain
      for (int64_t j = 0; j < dim; ++j) p[j] = q[j];
      break;
    case 1:  // L2 ball (eq. 6.3)
      if (norm < eps) {
        for (int64_t j = 0; j < dim; ++j) p[j] = q[j];
      } else if (norm > 0.0) {
        const double f = eps / norm;
        for (int64_t j = 0; j < dim; ++j) {
          const double pv = static_cast<double>(p[j]);
          p[j] = static_cast<T>(std::fma(f, static_cast<double>(q[j]) - pv, pv));
        }
      }
      break;
    case 2:  // L-inf box (eq. 6.4)
      for (int64_t j = 0; j < dim; ++j) {
        const double pv = static_cast<double>(p[j]), diff = static_cast<double>(q[j]) - pv;
        if (diff <= eps && diff >= -eps) p[j] = q[j];
        else p[j] = static_cast<T>(diff > 0.0 ? pv + eps : pv - eps);
      }
      break;
    default:  // linear (eq. 6.5)
      for (int64_t j = 0; j < dim; ++j)
        p[j] = static_cast<T>(std::fma(eps, static_cast<double>(q[j]), (1.0 - eps) * static_cast<double>(p[j])));
      break;
  }
}

template <class T>
double patch_distance(int64_t dim, const T* p, const T* q) {
  double s = 0.0;
  for (int64_t j = 0; j < dim; ++j) {
    const double diff = static_cast<double>(q[j]) - static_cast<double>(p[j]);
    s = std::fma(diff, diff, s);
  }
  return std::sqrt(s);
}

template <class T>
void patch_strategy_apply(int64_t rows, int64_t dim, int32_t strategy, T eps, T* patches,
                          const T* quantized) {
  for (int64_t r = 0; r < rows; ++r) {
    T* p = patches + r * dim;
    const T* q = quantized + r * dim;
    const double norm = strategy == 1 ? patch_distance(dim, p, q) : 0.0;
    patch_strategy_row(dim, strategy, static_cast<double>(eps), norm, p, q);
  }
}

// ---------------------------------------------------------------- E8 (Conway & Sloane 1982)

// The nearest integer; a tie (x.5) goes to the integer of smaller magnitude. Built from rint
// (exact: x - rint(x) is exact in double), as the CUDA kernel does.
inline double e8_round(double x) {
  const double r = std::rint(x), e = x - r;
  if (e == 0.5 || e == -0.5) return x > 0.0 ? x - 0.5 : x + 0.5;
  return r;
}

// g(u): the nearest point of D8 (integer vectors with an even sum) -> f; returns its squared
// distance to u. When the rounded sum is odd, the coordinate with the largest rounding error
// (lowest index among equals) goes the other way: up when u_i >= f_i, else down.
inline double e8_nearest_d8(const double* u, double* f) {
  double sum = 0.0, worst = -1.0;
  int at = 0;
  for (int i = 0; i < 8; ++i) {
    f[i] = e8_round(u[i]);
    sum += f[i];
    const double err = u[i] >= f[i] ? u[i] - f[i] : f[i] - u[i];
    if (err > worst) {
      worst = err;
      at = i;
    }
  }
  // sum is an exact integer in double; odd when sum / 2 is not an integer.
  if (std::rint(sum * 0.5) != sum * 0.5) f[at] += u[at] >= f[at] ? 1.0 : -1.0;
  double d = 0.0;
  for (int i = 0; i < 8; ++i) d = std::fma(u[i] - f[i], u[i] - f[i], d);
  return d;
}

// e(u): the nearer of g(u) and g(u - 1/2) + 1/2 (at equal distance g(u)) -> e.
inline void e8_nearest(const double* u, double* e) {
  double a[8], b[8], h[8];
  const double da = e8_nearest_d8(u, a);
  for (int i = 0; i < 8; ++i) h[i] = u[i] - 0.5;
  const double db = e8_nearest_d8(h, b);
  for (int i = 0; i < 8; ++i) e[i] = db < da ? b[i] + 0.5 : a[i];
}

template <class T>
void e8_quantize(int64_t blocks, T scale, const T* x, T* out) {
  const double s = static_cast<double>(scale);
  for (int64_t b = 0; b < blocks; ++b) {
    double u[8], e[8];
    for (int i = 0; i < 8; ++i) u[i] = static_cast<double>(x[b * 8 + i]) / s;
    e8_nearest(u, e);
    for (int i = 0; i < 8; ++i) out[b * 8 + i] = static_cast<T>(s * e[i]);
  }
}

}  // namespace ac::ref
