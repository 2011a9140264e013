// Reference pooling. Windows start at (i*sh - ph, j*sw - pw) and are clipped to the input:
// for max pooling padded positions never win (ties go to the first element in row-major
// order); for average pooling padded positions count as zeros (count_include_pad), so the
// divisor is always kh*kw.
#pragma once
#include <cstdint>
#include <limits>

#include "core/backend.h"

namespace ac::ref {

// Flat index (within its h*w plane) of the maximum of window (i, j), or -1 if the window
// holds no input position (impossible with the ABI's padding <= kernel/2 rule).
template <class T>
int64_t maxpool_argmax(const PoolShape& s, const T* plane, int64_t i, int64_t j) {
  int64_t best = -1;
  T best_value = -std::numeric_limits<T>::infinity();
  for (int64_t ki = 0; ki < s.kh; ++ki) {
    int64_t hi = i * s.sh - s.ph + ki;
    if (hi < 0 || hi >= s.h) continue;
    for (int64_t kj = 0; kj < s.kw; ++kj) {
      int64_t wj = j * s.sw - s.pw + kj;
      if (wj < 0 || wj >= s.w) continue;
      T v = plane[hi * s.w + wj];
      if (best < 0 || v > best_value) {  // strict: ties keep the first
        best = hi * s.w + wj;
        best_value = v;
      }
    }
  }
  return best;
}

template <class T>
void maxpool_forward(const PoolShape& s, const T* x, T* y) {
  for (int64_t p = 0; p < s.n * s.c; ++p) {
    const T* plane = x + p * s.h * s.w;
    for (int64_t i = 0; i < s.oh; ++i)
      for (int64_t j = 0; j < s.ow; ++j) {
        int64_t a = maxpool_argmax(s, plane, i, j);
        y[(p * s.oh + i) * s.ow + j] = a >= 0 ? plane[a] : T(0);
      }
  }
}

// dx is overwritten: zero except at each window's maximiser, which receives dy (summed
// where windows overlap).
template <class T>
void maxpool_backward(const PoolShape& s, const T* x, const T* dy, T* dx) {
  for (int64_t p = 0; p < s.n * s.c; ++p) {
    const T* plane = x + p * s.h * s.w;
    T* dplane = dx + p * s.h * s.w;
    for (int64_t q = 0; q < s.h * s.w; ++q) dplane[q] = T(0);
    for (int64_t i = 0; i < s.oh; ++i)
      for (int64_t j = 0; j < s.ow; ++j) {
        int64_t a = maxpool_argmax(s, plane, i, j);
        if (a >= 0) dplane[a] += dy[(p * s.oh + i) * s.ow + j];
      }
  }
}

template <class T>
void avgpool_forward(const PoolShape& s, const T* x, T* y) {
  const double inv = 1.0 / static_cast<double>(s.kh * s.kw);
  for (int64_t p = 0; p < s.n * s.c; ++p) {
    const T* plane = x + p * s.h * s.w;
    for (int64_t i = 0; i < s.oh; ++i)
      for (int64_t j = 0; j < s.ow; ++j) {
        double sum = 0;
        for (int64_t ki = 0; ki < s.kh; ++ki) {
          int64_t hi = i * s.sh - s.ph + ki;
          if (hi < 0 || hi >= s.h) continue;
          for (int64_t kj = 0; kj < s.kw; ++kj) {
            int64_t wj = j * s.sw - s.pw + kj;
            if (wj >= 0 && wj < s.w) sum += static_cast<double>(plane[hi * s.w + wj]);
          }
        }
        y[(p * s.oh + i) * s.ow + j] = static_cast<T>(sum * inv);
      }
  }
}

template <class T>
void avgpool_backward(const PoolShape& s, const T* dy, T* dx) {
  const double inv = 1.0 / static_cast<double>(s.kh * s.kw);
  for (int64_t p = 0; p < s.n * s.c; ++p) {
    T* dplane = dx + p * s.h * s.w;
    for (int64_t hi = 0; hi < s.h; ++hi)
      for (int64_t wj = 0; wj < s.w; ++wj) {
        // Gather from every window containing (hi, wj).
        double sum = 0;
        for (int64_t ki = 0; ki < s.kh; ++ki) {
          int64_t ti = hi + s.ph - ki;
          if (ti < 0 || ti % s.sh != 0 || ti / s.sh >= s.oh) continue;
          for (int64_t kj = 0; kj < s.kw; ++kj) {
            int64_t tj = wj + s.pw - kj;
            if (tj < 0 || tj % s.sw != 0 || tj / s.sw >= s.ow) continue;
            sum += static_cast<double>(dy[(p * s.oh + ti / s.sh) * s.ow + tj / s.sw]);
          }
        }
        dplane[hi * s.w + wj] = static_cast<T>(sum * inv);
      }
  }
}

// y[p] = mean of the hw values of plane p (nc planes).
template <class T>
void global_avgpool_forward(int64_t nc, int64_t hw, const T* x, T* y) {
  for (int64_t p = 0; p < nc; ++p) {
    double sum = 0;
    for (int64_t q = 0; q < hw; ++q) sum += static_cast<double>(x[p * hw + q]);
    y[p] = static_cast<T>(sum / static_cast<double>(hw));
  }
}

template <class T>
void global_avgpool_backward(int64_t nc, int64_t hw, const T* dy, T* dx) {
  for (int64_t p = 0; p < nc; ++p) {
    T g = static_cast<T>(static_cast<double>(dy[p]) / static_cast<double>(hw));
    for (int64_t q = 0; q < hw; ++q) dx[p * hw + q] = g;
  }
}

}  // namespace ac::ref
