// Fully connected layer on the fast CPU backend: three GEMMs (row-major).
//   y[N,O]  = x[N,I] w[O,I]^T (+ b)
//   dx[N,I] = dy[N,O] w[O,I]
//   dw[O,I] = dy[N,O]^T x[N,I]
#include "blas.h"
#include "fast_backend.h"
#include "parallel.h"

namespace ac {

void CpuFastBackend::linear_forward(int64_t n, int64_t in, int64_t out, const float* x,
                                    const float* w, const float* b, float* y) {
  parallel_sgemm("linear", threads_, CblasNoTrans, CblasTrans, n, out, in, 1.0f, x, in, w, in,
                 0.0f, y, out);
  if (!b) return;
  parallel_ranges(threads_, n, rows_per_grain(out), [&](int64_t lo, int64_t hi) {
    for (int64_t s = lo; s < hi; ++s)
      for (int64_t o = 0; o < out; ++o) y[s * out + o] += b[o];
  });
}

void CpuFastBackend::linear_backward(int64_t n, int64_t in, int64_t out, const float* x,
                                     const float* w, const float* dy, float* dx, float* dw,
                                     float* db) {
  if (dx)
    parallel_sgemm("linear", threads_, CblasNoTrans, CblasNoTrans, n, in, out, 1.0f, dy, out, w,
                   in, 0.0f, dx, in);
  if (dw)
    parallel_sgemm("linear", threads_, CblasTrans, CblasNoTrans, out, in, n, 1.0f, dy, out, x,
                   in, 0.0f, dw, in);
  if (db)
    parallel_ranges(threads_, out, rows_per_grain(n), [&](int64_t lo, int64_t hi) {
      for (int64_t o = lo; o < hi; ++o) {
        double sum = 0;
        for (int64_t s = 0; s < n; ++s) sum += static_cast<double>(dy[s * out + o]);
        db[o] = static_cast<float>(sum);
      }
    });
}

}  // namespace ac
