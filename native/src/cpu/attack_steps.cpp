// Fused attack steps on the fast CPU backend: samples are independent rows, so ranges of rows
// go to the reference kernels of attack_steps.h on OpenMP threads; the result is identical to
// the single-threaded reference, row by row. (The overrides are declared at the end of
// CpuFastBackend in fast_backend.h.)
#include "attack_steps.h"

#include "fast_backend.h"
#include "parallel.h"

namespace ac {

namespace {
// Rows per thread for a step that costs about `passes` sweeps over a row of d elements.
int64_t grain_rows(int64_t d, int64_t passes) { return rows_per_grain(d * passes); }
}  // namespace

void CpuFastBackend::attack_keep_best(int64_t n, int64_t d, int64_t k, const float* x,
                                      const float* y, const float* logits,
                                      const int32_t* labels, float* best_y, float* best_norm,
                                      int32_t* adversarial) {
  parallel_ranges(threads_, n, grain_rows(d, 2), [&](int64_t b, int64_t e) {
    ref::attack_keep_best(e - b, d, k, x + b * d, y + b * d, logits + b * k, labels + b,
                          best_y ? best_y + b * d : nullptr, best_y ? best_norm + b : nullptr,
                          adversarial ? adversarial + b : nullptr);
  });
}

void CpuFastBackend::pgd_step(int64_t n, int64_t d, int64_t k, const float* x, float* y,
                              const float* grad, const float* logits, const int32_t* labels,
                              float* best_y, float* best_norm, const float* eps,
                              const float* alpha, int32_t norm, float grad_sign, bool quantize) {
  const bool track = logits && best_y;
  parallel_ranges(threads_, n, grain_rows(d, 6), [&](int64_t b, int64_t e) {
    ref::pgd_step(e - b, d, k, x + b * d, y + b * d, grad + b * d,
                  track ? logits + b * k : nullptr, track ? labels + b : nullptr,
                  track ? best_y + b * d : nullptr, track ? best_norm + b : nullptr, eps + b,
                  alpha + b, norm, grad_sign, quantize);
  });
}

void CpuFastBackend::ddn_step(int64_t n, int64_t d, int64_t k, const float* x, float* y,
                              const float* grad, const float* logits, const int32_t* labels,
                              float* best_y, float* best_norm, float* radius, float alpha,
                              float gamma, float grad_sign, bool quantize) {
  parallel_ranges(threads_, n, grain_rows(d, 8), [&](int64_t b, int64_t e) {
    ref::ddn_step(e - b, d, k, x + b * d, y + b * d, grad + b * d, logits + b * k, labels + b,
                  best_y + b * d, best_norm + b, radius + b, alpha, gamma, grad_sign, quantize);
  });
}

void CpuFastBackend::bp_step(int64_t n, int64_t d, int64_t k, const float* x, float* y,
                             const float* grad, const float* logits, const int32_t* labels,
                             float* best_y, float* best_norm, int32_t* stage, float gamma,
                             float alpha, float beta_min, float grad_sign, int32_t rounding) {
  // Q_OUT's line search sweeps a row up to ~25 times.
  parallel_ranges(threads_, n, grain_rows(d, rounding == 2 ? 30 : 8), [&](int64_t b, int64_t e) {
    ref::bp_step(e - b, d, k, x + b * d, y + b * d, grad + b * d, logits + b * k, labels + b,
                 best_y + b * d, best_norm + b, stage + b, gamma, alpha, beta_min, grad_sign,
                 rounding);
  });
}

void CpuFastBackend::quantized_line_search(int64_t n, int64_t d, const float* x, const float* y,
                                           const float* z, float* out, float* beta) {
  parallel_ranges(threads_, n, grain_rows(d, 25), [&](int64_t b, int64_t e) {
    ref::quantized_line_search(e - b, d, x + b * d, y + b * d, z + b * d, out + b * d,
                               beta ? beta + b : nullptr);
  });
}

void CpuFastBackend::cw_init(int64_t n, int64_t d, const float* x, float* w, float* y) {
  parallel_ranges(threads_, n, grain_rows(d, 20), [&](int64_t b, int64_t e) {
    ref::cw_init(e - b, d, x + b * d, w + b * d, y + b * d);
  });
}

void CpuFastBackend::cw_step(int64_t n, int64_t d, int64_t k, const float* x, float* w, float* y,
                             const float* grad, const float* logits, const int32_t* labels,
                             const float* lambda, float* m, float* v, int32_t* found,
                             float* best_y, float* best_norm, float lr, float beta1, float beta2,
                             float eps, int64_t step) {
  parallel_ranges(threads_, n, grain_rows(d, 40), [&](int64_t b, int64_t e) {
    const int64_t o = b * d;
    ref::cw_step(e - b, d, k, x + o, w + o, y + o, grad + o, logits + b * k, labels + b,
                 lambda + b, m + o, v + o, found + b, best_y + o, best_norm + b, lr, beta1,
                 beta2, eps, step);
  });
}

void CpuFastBackend::deepfool_step(int64_t n, int64_t d, int64_t k, const float* x, float* y,
                                   float* r_total, const float* jacobian, const float* logits,
                                   const int32_t* labels, int32_t* active, float overshoot) {
  parallel_ranges(threads_, n, grain_rows(d, 2 * k), [&](int64_t b, int64_t e) {
    ref::deepfool_step(e - b, d, k, x + b * d, y + b * d, r_total + b * d, jacobian + b * d, n * d,
                       logits + b * k, labels + b, active + b, overshoot);
  });
}

void CpuFastBackend::jsma_step(int64_t n, int64_t d, int64_t k, float* y,
                               const float* grad_target, const float* grad_other,
                               const float* logits, const int32_t* labels, float* domain,
                               int32_t* changed, int32_t* active, float theta,
                               int64_t max_changed) {
  // The pair search is quadratic in d: one row is already a grain.
  parallel_ranges(threads_, n, 1, [&](int64_t b, int64_t e) {
    ref::jsma_step(e - b, d, k, y + b * d, grad_target + b * d, grad_other + b * d,
                   logits + b * k, labels + b, domain + b * d, changed + b, active + b, theta,
                   max_changed);
  });
}

}  // namespace ac
