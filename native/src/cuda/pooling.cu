// Max, average and global average pooling (src/cpu/reference_pool.h is the contract).
// Windows start at (i*sh - ph, j*sw - pw) and are clipped to the input. Max: padded
// positions never win, ties go to the first element in row-major order. Average:
// count_include_pad, divisor kh*kw. The backward passes are gathers (one thread per input
// element, no atomics): deterministic, and for max pooling they add the overlapping
// windows' gradients in the same order as the reference's scatter loop.
#include "devmath.cuh"
#include "kernel_args.h"

// Flat index in the h*w plane of window (i, j)'s maximum; -1 if the window is empty.
AC_DEV int64_t ac_maxpool_argmax(const AcPoolArgs& s, const float* plane, int64_t i,
                                 int64_t j) {
  int64_t best = -1;
  float best_value = -AC_INF_F;
  for (int ki = 0; ki < s.kh; ++ki) {
    int64_t hi = i * s.sh - s.ph + ki;
    if (hi < 0 || hi >= s.h) continue;
    for (int kj = 0; kj < s.kw; ++kj) {
      int64_t wj = j * s.sw - s.pw + kj;
      if (wj < 0 || wj >= s.w) continue;
      float v = plane[hi * s.w + wj];
      if (best < 0 || v > best_value) {
        best = hi * s.w + wj;
        best_value = v;
      }
    }
  }
  return best;
}

// One thread per output element.
extern "C" __global__ void ac_maxpool_forward(AcPoolArgs s, const float* x, float* y) {
  int64_t total = s.n * s.c * s.oh * s.ow;
  for (int64_t t = ac_global_thread(); t < total; t += ac_grid_threads()) {
    int64_t j = t % s.ow, i = (t / s.ow) % s.oh, p = t / (s.ow * s.oh);
    const float* plane = x + p * s.h * s.w;
    int64_t a = ac_maxpool_argmax(s, plane, i, j);
    y[t] = a >= 0 ? plane[a] : 0.0f;
  }
}

// First output row/column whose window (stride st, size k, padding pd) covers input
// coordinate v: the smallest o with o*st - pd + k - 1 >= v.
AC_DEV int64_t ac_first_window(int64_t v, int64_t pd, int64_t k, int64_t st) {
  int64_t num = v + pd - k + 1;
  if (num <= 0) return 0;
  return (num + st - 1) / st;
}

// One thread per input element: visit every window that covers it in increasing (i, j)
// order and add dy where that window's maximiser is this element.
extern "C" __global__ void ac_maxpool_backward(AcPoolArgs s, const float* x, const float* dy,
                                               float* dx) {
  int64_t total = s.n * s.c * s.h * s.w;
  for (int64_t t = ac_global_thread(); t < total; t += ac_grid_threads()) {
    int64_t wj = t % s.w, hi = (t / s.w) % s.h, p = t / (s.w * s.h);
    const float* plane = x + p * s.h * s.w;
    const float* dplane = dy + p * s.oh * s.ow;
    int64_t self = hi * s.w + wj;
    int64_t i0 = ac_first_window(hi, s.ph, s.kh, s.sh);
    int64_t i1 = (hi + s.ph) / s.sh;  // last window starting at or before hi
    int64_t j0 = ac_first_window(wj, s.pw, s.kw, s.sw);
    int64_t j1 = (wj + s.pw) / s.sw;
    if (i1 >= s.oh) i1 = s.oh - 1;
    if (j1 >= s.ow) j1 = s.ow - 1;
    float sum = 0.0f;
    for (int64_t i = i0; i <= i1; ++i)
      for (int64_t j = j0; j <= j1; ++j)
        if (ac_maxpool_argmax(s, plane, i, j) == self) sum += dplane[i * s.ow + j];
    dx[t] = sum;
  }
}

extern "C" __global__ void ac_avgpool_forward(AcPoolArgs s, const float* x, float* y) {
  int64_t total = s.n * s.c * s.oh * s.ow;
  const float inv = 1.0f / static_cast<float>(s.kh * s.kw);
  for (int64_t t = ac_global_thread(); t < total; t += ac_grid_threads()) {
    int64_t j = t % s.ow, i = (t / s.ow) % s.oh, p = t / (s.ow * s.oh);
    const float* plane = x + p * s.h * s.w;
    float sum = 0.0f;
    for (int ki = 0; ki < s.kh; ++ki) {
      int64_t hi = i * s.sh - s.ph + ki;
      if (hi < 0 || hi >= s.h) continue;
      for (int kj = 0; kj < s.kw; ++kj) {
        int64_t wj = j * s.sw - s.pw + kj;
        if (wj >= 0 && wj < s.w) sum += plane[hi * s.w + wj];
      }
    }
    y[t] = sum * inv;
  }
}

extern "C" __global__ void ac_avgpool_backward(AcPoolArgs s, const float* dy, float* dx) {
  int64_t total = s.n * s.c * s.h * s.w;
  const float inv = 1.0f / static_cast<float>(s.kh * s.kw);
  for (int64_t t = ac_global_thread(); t < total; t += ac_grid_threads()) {
    int64_t wj = t % s.w, hi = (t / s.w) % s.h, p = t / (s.w * s.h);
    const float* dplane = dy + p * s.oh * s.ow;
    float sum = 0.0f;
    for (int ki = 0; ki < s.kh; ++ki) {
      int64_t ti = hi + s.ph - ki;
      if (ti < 0 || ti % s.sh != 0 || ti / s.sh >= s.oh) continue;
      for (int kj = 0; kj < s.kw; ++kj) {
        int64_t tj = wj + s.pw - kj;
        if (tj < 0 || tj % s.sw != 0 || tj / s.sw >= s.ow) continue;
        sum += dplane[(ti / s.sh) * s.ow + tj / s.sw];
      }
    }
    dx[t] = sum * inv;
  }
}

// One warp per plane (n*c planes of hw values).
extern "C" __global__ void ac_global_avgpool_forward(const float* x, float* y, int64_t nc,
                                                     int64_t hw) {
  int64_t warp = ac_global_thread() >> 5, warps = ac_grid_threads() >> 5;
  int lane = static_cast<int>(threadIdx.x & 31u);
  for (int64_t p = warp; p < nc; p += warps) {
    double sum = 0.0;
    for (int64_t q = lane; q < hw; q += 32) sum += static_cast<double>(x[p * hw + q]);
    sum = ac_warp_sum(sum);
    if (lane == 0) y[p] = static_cast<float>(sum / static_cast<double>(hw));
  }
}

extern "C" __global__ void ac_global_avgpool_backward(const float* dy, float* dx, int64_t nc,
                                                      int64_t hw) {
  int64_t total = nc * hw;
  for (int64_t t = ac_global_thread(); t < total; t += ac_grid_threads())
    dx[t] = static_cast<float>(static_cast<double>(dy[t / hw]) / static_cast<double>(hw));
}
