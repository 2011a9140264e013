// Per-sample ops on the fast CPU backend (losses, argmax, norms, dots, axpy, projections):
// samples are independent rows, so ranges of rows go to the reference kernels.
#include "fast_backend.h"
#include "parallel.h"
#include "reference.h"

namespace ac {

void CpuFastBackend::loss_forward_backward(Loss kind, float param, int64_t n, int64_t k,
                                           const float* logits, const int32_t* labels,
                                           float* loss, float* dlogits) {
  // exp/log per element: a row of k logits is worth ~8k plain flops.
  const int64_t per_row = loss_labels_per_row(kind);  // 2 for DlrTargeted: (y, t) pairs
  parallel_ranges(threads_, n, rows_per_grain(8 * k), [&](int64_t b, int64_t e) {
    ref::loss_forward_backward(kind, param, e - b, k, logits + b * k, labels + b * per_row,
                               loss + b, dlogits ? dlogits + b * k : nullptr);
  });
}

void CpuFastBackend::argmax(int64_t n, int64_t k, const float* logits, int32_t* pred) {
  parallel_ranges(threads_, n, rows_per_grain(k), [&](int64_t b, int64_t e) {
    ref::argmax(e - b, k, logits + b * k, pred + b);
  });
}

void CpuFastBackend::batch_l2_norm(int64_t n, int64_t d, const float* x, float* out) {
  parallel_ranges(threads_, n, rows_per_grain(d), [&](int64_t b, int64_t e) {
    ref::batch_l2_norm(e - b, d, x + b * d, out + b);
  });
}

void CpuFastBackend::batch_linf_norm(int64_t n, int64_t d, const float* x, float* out) {
  parallel_ranges(threads_, n, rows_per_grain(d), [&](int64_t b, int64_t e) {
    ref::batch_linf_norm(e - b, d, x + b * d, out + b);
  });
}

void CpuFastBackend::batch_dot(int64_t n, int64_t d, const float* a, const float* b,
                               float* out) {
  parallel_ranges(threads_, n, rows_per_grain(d), [&](int64_t lo, int64_t hi) {
    ref::batch_dot(hi - lo, d, a + lo * d, b + lo * d, out + lo);
  });
}

void CpuFastBackend::batch_axpy(int64_t n, int64_t d, const float* alpha, const float* x,
                                float* y) {
  parallel_ranges(threads_, n, rows_per_grain(d), [&](int64_t b, int64_t e) {
    ref::batch_axpy(e - b, d, alpha + b, x + b * d, y + b * d);
  });
}

void CpuFastBackend::batch_scale(int64_t n, int64_t d, const float* alpha, float* x) {
  parallel_ranges(threads_, n, rows_per_grain(d), [&](int64_t b, int64_t e) {
    ref::batch_scale(e - b, d, alpha + b, x + b * d);
  });
}

void CpuFastBackend::project_l2(int64_t n, int64_t d, const float* center, const float* eps,
                                float* y) {
  parallel_ranges(threads_, n, rows_per_grain(d), [&](int64_t b, int64_t e) {
    ref::project_l2(e - b, d, center + b * d, eps + b, y + b * d);
  });
}

void CpuFastBackend::project_linf(int64_t n, int64_t d, const float* center, const float* eps,
                                  float* y) {
  parallel_ranges(threads_, n, rows_per_grain(d), [&](int64_t b, int64_t e) {
    ref::project_linf(e - b, d, center + b * d, eps + b, y + b * d);
  });
}

}  // namespace ac
