// Fused attack steps of the host backends (the defaults of ac::Backend, core/backend.h):
// samples are independent rows, so ranges of rows go to the reference kernels of
// attack_steps.h on host_threads() OpenMP threads (1 for the reference backend, the context's
// threads for the fast one); the result is identical to the single-threaded reference, row by
// row. A device backend overrides every step; reaching these on one is an error, not a
// silent host access to device memory.
#include "attack_steps.h"

#include "core/backend.h"
#include "parallel.h"

namespace ac {

namespace {
// Rows per thread for a step that costs about `passes` sweeps over a row of d elements.
int64_t grain_rows(int64_t d, int64_t passes) { return rows_per_grain(d * passes); }

// The backend's host threads, or a clear error when its memory is not the host's.
int host(const Backend& backend, const char* op) {
  const int threads = backend.host_threads();
  if (threads < 1) backend.not_implemented(op);
  return threads;
}
}  // namespace

void Backend::attack_keep_best(const AttackRows& o, int32_t* adversarial) {
  parallel_ranges(host(*this, "attack_keep_best"), o.n, grain_rows(o.d, 2), [&](int64_t b, int64_t e) {
    ref::attack_keep_best(o.rows(b, e), adversarial ? adversarial + b : nullptr);
  });
}

void Backend::pgd_step(const AttackRows& o, const float* eps, const float* alpha,
                              int32_t norm, float grad_sign, bool quantize) {
  parallel_ranges(host(*this, "pgd_step"), o.n, grain_rows(o.d, 6), [&](int64_t b, int64_t e) {
    ref::pgd_step(o.rows(b, e), eps + b, alpha + b, norm, grad_sign, quantize);
  });
}

void Backend::ddn_step(const AttackRows& o, float* radius, float alpha, float gamma,
                              float grad_sign, bool quantize) {
  parallel_ranges(host(*this, "ddn_step"), o.n, grain_rows(o.d, 8), [&](int64_t b, int64_t e) {
    ref::ddn_step(o.rows(b, e), radius + b, alpha, gamma, grad_sign, quantize);
  });
}

void Backend::bp_step(const AttackRows& o, int32_t* stage, float gamma, float alpha,
                             float beta_min, float grad_sign, int32_t rounding) {
  // Q_OUT's line search sweeps a row up to ~25 times.
  parallel_ranges(host(*this, "bp_step"), o.n, grain_rows(o.d, rounding == 2 ? 30 : 8), [&](int64_t b, int64_t e) {
    ref::bp_step(o.rows(b, e), stage + b, gamma, alpha, beta_min, grad_sign, rounding);
  });
}

void Backend::quantized_line_search(int64_t n, int64_t d, const float* x, const float* y,
                                           const float* z, float* out, float* beta) {
  parallel_ranges(host(*this, "quantized_line_search"), n, grain_rows(d, 25), [&](int64_t b, int64_t e) {
    ref::quantized_line_search(e - b, d, x + b * d, y + b * d, z + b * d, out + b * d,
                               beta ? beta + b : nullptr);
  });
}

void Backend::cw_init(int64_t n, int64_t d, const float* x, float* w, float* y) {
  parallel_ranges(host(*this, "cw_init"), n, grain_rows(d, 20), [&](int64_t b, int64_t e) {
    ref::cw_init(e - b, d, x + b * d, w + b * d, y + b * d);
  });
}

void Backend::cw_step(const AttackRows& o, float* w, const float* lambda, float* m,
                             float* v, int32_t* found, float lr, float beta1, float beta2,
                             float eps, int64_t step) {
  const int64_t d = o.d;
  parallel_ranges(host(*this, "cw_step"), o.n, grain_rows(d, 40), [&](int64_t b, int64_t e) {
    ref::cw_step(o.rows(b, e), w + b * d, lambda + b, m + b * d, v + b * d, found + b, lr, beta1,
                 beta2, eps, step);
  });
}

void Backend::deepfool_step(const AttackRows& o, float* r_total, const float* jacobian,
                                   int32_t* active, float overshoot) {
  const int64_t d = o.d;
  // The jacobian keeps the whole batch's class stride (n * d) whatever rows a thread takes.
  parallel_ranges(host(*this, "deepfool_step"), o.n, grain_rows(d, 2 * o.k), [&](int64_t b, int64_t e) {
    ref::deepfool_step(o.rows(b, e), r_total + b * d, jacobian + b * d, o.n * d, active + b,
                       overshoot);
  });
}

void Backend::jsma_step(const AttackRows& o, const float* grad_target,
                               const float* grad_other, float* domain, int32_t* changed,
                               int32_t* active, float theta, int64_t max_changed) {
  const int64_t d = o.d;
  // The pair search is quadratic in d: one row is already a grain.
  parallel_ranges(host(*this, "jsma_step"), o.n, 1, [&](int64_t b, int64_t e) {
    ref::jsma_step(o.rows(b, e), grad_target + b * d, grad_other + b * d, domain + b * d,
                   changed + b, active + b, theta, max_changed);
  });
}

}  // namespace ac
