// Reference per-sample vector primitives over x viewed as [n, d], and the element-wise
// image ops (clip to [0,1], 8-bit quantisation). Norms and dots accumulate in double.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace ac::ref {

template <class T>
void batch_l2_norm(int64_t n, int64_t d, const T* x, T* out) {
  for (int64_t i = 0; i < n; ++i) {
    double sum = 0;
    for (int64_t j = 0; j < d; ++j) sum += static_cast<double>(x[i * d + j]) * static_cast<double>(x[i * d + j]);
    out[i] = static_cast<T>(std::sqrt(sum));
  }
}

template <class T>
void batch_linf_norm(int64_t n, int64_t d, const T* x, T* out) {
  for (int64_t i = 0; i < n; ++i) {
    T best = T(0);
    for (int64_t j = 0; j < d; ++j) best = std::max(best, std::abs(x[i * d + j]));
    out[i] = best;
  }
}

template <class T>
void batch_dot(int64_t n, int64_t d, const T* a, const T* b, T* out) {
  for (int64_t i = 0; i < n; ++i) {
    double sum = 0;
    for (int64_t j = 0; j < d; ++j) sum += static_cast<double>(a[i * d + j]) * static_cast<double>(b[i * d + j]);
    out[i] = static_cast<T>(sum);
  }
}

template <class T>
void batch_axpy(int64_t n, int64_t d, const T* alpha, const T* x, T* y) {
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < d; ++j) y[i * d + j] += alpha[i] * x[i * d + j];
}

template <class T>
void batch_scale(int64_t n, int64_t d, const T* alpha, T* x) {
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < d; ++j) x[i * d + j] *= alpha[i];
}

template <class T>
T clamp01(T v) { return std::min(std::max(v, T(0)), T(1)); }

template <class T>
void clip01(int64_t count, T* x) {
  for (int64_t i = 0; i < count; ++i) x[i] = clamp01(x[i]);
}

// y_i = c_i + r_i * min(1, eps_i / ||r_i||) with r_i = y_i - c_i; ||r|| = 0 leaves y alone.
template <class T>
void project_l2(int64_t n, int64_t d, const T* center, const T* eps, T* y) {
  for (int64_t i = 0; i < n; ++i) {
    double sum = 0;
    for (int64_t j = 0; j < d; ++j) {
      double r = static_cast<double>(y[i * d + j]) - static_cast<double>(center[i * d + j]);
      sum += r * r;
    }
    // A negative radius is treated as 0 (the ABI does not refuse it).
    double norm = std::sqrt(sum), radius = std::max(static_cast<double>(eps[i]), 0.0);
    if (!(norm > radius)) continue;  // inside the ball (also norm == 0): unchanged
    T factor = static_cast<T>(radius / norm);
    for (int64_t j = 0; j < d; ++j)
      y[i * d + j] = center[i * d + j] + (y[i * d + j] - center[i * d + j]) * factor;
  }
}

// y_i = c_i + clamp(y_i - c_i, -eps_i, eps_i). Elements already inside are left exactly as
// they are (recomputing c + (y - c) would round); clamped ones become c +- eps.
template <class T>
void project_linf(int64_t n, int64_t d, const T* center, const T* eps, T* y) {
  for (int64_t i = 0; i < n; ++i) {
    T e = std::max(eps[i], T(0));  // a negative radius is treated as 0
    for (int64_t j = 0; j < d; ++j) {
      T r = y[i * d + j] - center[i * d + j];
      if (r > e) y[i * d + j] = center[i * d + j] + e;
      else if (r < -e) y[i * d + j] = center[i * d + j] - e;
    }
  }
}

// Clip to [0,1], then round(255 x) / 255 with round-half-to-even (nearbyint under the
// default rounding mode), so the result is one of the 256 levels of an 8-bit image.
template <class T>
void quantize8(int64_t count, T* x) {
  for (int64_t i = 0; i < count; ++i) x[i] = std::nearbyint(clamp01(x[i]) * T(255)) / T(255);
}

}  // namespace ac::ref
