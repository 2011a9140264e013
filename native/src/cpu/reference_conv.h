// Reference 2-D convolution (cross-correlation, as in PyTorch and TensorFlow).
// Input row i*sh - pt + ki and column j*sw - pl + kj feed output (i, j); positions outside
// the input are zero padding. Padding after the input (bottom/right) is implied by oh/ow,
// which is how asymmetric 'same' padding is expressed.
#pragma once
#include <cstdint>

#include "core/backend.h"

namespace ac::ref {

template <class T>
void conv2d_forward(const ConvShape& s, const T* x, const T* w, const T* b, T* y) {
  for (int64_t n = 0; n < s.n; ++n)
    for (int64_t o = 0; o < s.o; ++o)
      for (int64_t i = 0; i < s.oh; ++i)
        for (int64_t j = 0; j < s.ow; ++j) {
          double sum = b ? static_cast<double>(b[o]) : 0.0;
          for (int64_t c = 0; c < s.c; ++c)
            for (int64_t ki = 0; ki < s.kh; ++ki) {
              int64_t hi = i * s.sh - s.pt + ki;
              if (hi < 0 || hi >= s.h) continue;
              for (int64_t kj = 0; kj < s.kw; ++kj) {
                int64_t wj = j * s.sw - s.pl + kj;
                if (wj < 0 || wj >= s.w) continue;
                sum += static_cast<double>(x[((n * s.c + c) * s.h + hi) * s.w + wj]) *
                       static_cast<double>(w[((o * s.c + c) * s.kh + ki) * s.kw + kj]);
              }
            }
          y[((n * s.o + o) * s.oh + i) * s.ow + j] = static_cast<T>(sum);
        }
}

// dx = sum over outputs of dy * w routed back to the input tap; dw = sum of dy * x;
// db = sum of dy. Each output may be null. Outputs are overwritten.
template <class T>
void conv2d_backward(const ConvShape& s, const T* x, const T* w, const T* dy, T* dx, T* dw,
                     T* db) {
  if (db)
    for (int64_t o = 0; o < s.o; ++o) {
      double sum = 0;
      for (int64_t n = 0; n < s.n; ++n)
        for (int64_t p = 0; p < s.oh * s.ow; ++p) sum += static_cast<double>(dy[(n * s.o + o) * s.oh * s.ow + p]);
      db[o] = static_cast<T>(sum);
    }
  if (dw)
    for (int64_t o = 0; o < s.o; ++o)
      for (int64_t c = 0; c < s.c; ++c)
        for (int64_t ki = 0; ki < s.kh; ++ki)
          for (int64_t kj = 0; kj < s.kw; ++kj) {
            double sum = 0;
            for (int64_t n = 0; n < s.n; ++n)
              for (int64_t i = 0; i < s.oh; ++i) {
                int64_t hi = i * s.sh - s.pt + ki;
                if (hi < 0 || hi >= s.h) continue;
                for (int64_t j = 0; j < s.ow; ++j) {
                  int64_t wj = j * s.sw - s.pl + kj;
                  if (wj < 0 || wj >= s.w) continue;
                  sum += static_cast<double>(dy[((n * s.o + o) * s.oh + i) * s.ow + j]) *
                         static_cast<double>(x[((n * s.c + c) * s.h + hi) * s.w + wj]);
                }
              }
            dw[((o * s.c + c) * s.kh + ki) * s.kw + kj] = static_cast<T>(sum);
          }
  if (dx)
    // Gather form: for each input pixel, sum over the taps (ki, kj) that reach it from an
    // output position on the stride grid.
    for (int64_t n = 0; n < s.n; ++n)
      for (int64_t c = 0; c < s.c; ++c)
        for (int64_t hi = 0; hi < s.h; ++hi)
          for (int64_t wj = 0; wj < s.w; ++wj) {
            double sum = 0;
            for (int64_t ki = 0; ki < s.kh; ++ki) {
              int64_t ti = hi + s.pt - ki;  // = i * sh
              if (ti < 0 || ti % s.sh != 0 || ti / s.sh >= s.oh) continue;
              int64_t i = ti / s.sh;
              for (int64_t kj = 0; kj < s.kw; ++kj) {
                int64_t tj = wj + s.pl - kj;
                if (tj < 0 || tj % s.sw != 0 || tj / s.sw >= s.ow) continue;
                int64_t j = tj / s.sw;
                for (int64_t o = 0; o < s.o; ++o)
                  sum += static_cast<double>(dy[((n * s.o + o) * s.oh + i) * s.ow + j]) *
                         static_cast<double>(w[((o * s.c + c) * s.kh + ki) * s.kw + kj]);
              }
            }
            dx[((n * s.c + c) * s.h + hi) * s.w + wj] = static_cast<T>(sum);
          }
}

}  // namespace ac::ref
