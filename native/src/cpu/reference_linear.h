// Reference fully connected layer: y[n, o] = sum_i x[n, i] w[o, i] + b[o].
#pragma once
#include <cstdint>

namespace ac::ref {

template <class T>
void linear_forward(int64_t n, int64_t in, int64_t out, const T* x, const T* w, const T* b,
                    T* y) {
  for (int64_t s = 0; s < n; ++s)
    for (int64_t o = 0; o < out; ++o) {
      double sum = b ? static_cast<double>(b[o]) : 0.0;
      for (int64_t i = 0; i < in; ++i)
        sum += static_cast<double>(x[s * in + i]) * static_cast<double>(w[o * in + i]);
      y[s * out + o] = static_cast<T>(sum);
    }
}

// dx = dy w, dw = dy^T x, db = column sums of dy; each may be null; outputs overwritten.
template <class T>
void linear_backward(int64_t n, int64_t in, int64_t out, const T* x, const T* w, const T* dy,
                     T* dx, T* dw, T* db) {
  if (dx)
    for (int64_t s = 0; s < n; ++s)
      for (int64_t i = 0; i < in; ++i) {
        double sum = 0;
        for (int64_t o = 0; o < out; ++o)
          sum += static_cast<double>(dy[s * out + o]) * static_cast<double>(w[o * in + i]);
        dx[s * in + i] = static_cast<T>(sum);
      }
  if (dw)
    for (int64_t o = 0; o < out; ++o)
      for (int64_t i = 0; i < in; ++i) {
        double sum = 0;
        for (int64_t s = 0; s < n; ++s)
          sum += static_cast<double>(dy[s * out + o]) * static_cast<double>(x[s * in + i]);
        dw[o * in + i] = static_cast<T>(sum);
      }
  if (db)
    for (int64_t o = 0; o < out; ++o) {
      double sum = 0;
      for (int64_t s = 0; s < n; ++s) sum += static_cast<double>(dy[s * out + o]);
      db[o] = static_cast<T>(sum);
    }
}

}  // namespace ac::ref
