// C ABI: fused attack steps (advcore.h, section "fused attack steps"). Each entry point checks
// every operand (shapes against x, per-sample [N] scalars, logits [N, K], labels in range,
// finite parameters, distinct outputs) and then makes one backend call.
#include <cmath>
#include <cstring>

#include "check.h"

using namespace ac;

namespace ac {

void Backend::not_implemented(const char* op) const {
  fail(AC_ERR_NOT_AVAILABLE, format("%s is not implemented on the %s backend", op, name()));
}

}  // namespace ac

namespace {

// An operand with x's shape on x's context.
const ac_tensor& need_like(const char* op, const char* name, const ac_tensor* t, const ac_tensor& x,
                           ac_dtype dtype = AC_F32) {
  const ac_tensor& tt = need(op, name, t, dtype, &x);
  need_same_shape(op, name, tt, x, "x");
  return tt;
}

// A per-sample [N] scalar tensor on x's context.
const ac_tensor& need_scalars(const char* op, const char* name, const ac_tensor* t,
                              const ac_tensor& x, ac_dtype dtype = AC_F32) {
  const ac_tensor& tt = need(op, name, t, dtype, &x);
  need_count(op, name, tt, x.batch());
  return tt;
}

// Outputs must not share storage with each other or with inputs they are computed from.
void need_distinct(const char* op, const char* a_name, const ac_tensor* a, const char* b_name,
                   const ac_tensor* b) {
  if (a && b && a->storage->data == b->storage->data)
    fail(AC_ERR_INVALID_ARGUMENT, format("%s: %s and %s must be different tensors", op, a_name, b_name));
}

// logits [N, K] (K >= 2) and labels i32 [N] in [0, K); returns K.
int64_t need_logits_labels(const char* op, const ac_tensor* logits, const ac_tensor* labels,
                           const ac_tensor& x) {
  const ac_tensor& lt = need(op, "logits", logits, AC_F32, &x);
  need_ndim(op, "logits", lt, 2, 2);
  need_dim(op, "logits", lt, 0, x.batch());
  const int64_t k = lt.shape[1];
  if (k < 2) fail(AC_ERR_SHAPE, format("%s: logits need at least 2 classes", op));
  const ac_tensor& yt = need_scalars(op, "labels", labels, x, AC_I32);
  check_labels(op, yt, k);
  return k;
}

// best_y (shape of x) and best_norm [N]: both given (required = true), or both/neither.
bool need_tracking(const char* op, const ac_tensor* best_y, const ac_tensor* best_norm,
                   const ac_tensor& x, bool required) {
  if (!best_y && !best_norm && !required) return false;
  if (!best_y || !best_norm)
    fail(AC_ERR_INVALID_ARGUMENT,
         format("%s: best_y and best_norm must %s", op, required ? "both be given" : "be given together"));
  need_like(op, "best_y", best_y, x);
  need_scalars(op, "best_norm", best_norm, x);
  need_distinct(op, "best_y", best_y, "x", &x);
  return true;
}

void need_grad_sign(const char* op, float grad_sign) {
  if (grad_sign != 1.0f && grad_sign != -1.0f)
    fail(AC_ERR_INVALID_ARGUMENT, format("%s: grad_sign must be +1 or -1 (got %g)", op, grad_sign));
}

void need_in(const char* op, const char* name, float value, float lo, float hi, bool lo_open,
             bool hi_open) {
  need_finite_param(op, name, value);
  bool ok = (lo_open ? value > lo : value >= lo) && (hi_open ? value < hi : value <= hi);
  if (!ok)
    fail(AC_ERR_INVALID_ARGUMENT, format("%s: %s must be in %c%g, %g%c (got %g)", op, name,
                                         lo_open ? '(' : '[', lo, hi, hi_open ? ')' : ']', value));
}

constexpr float kInf = INFINITY;

// A C caller may pass any int for an enum parameter; reading it as the C++ enum type would be
// undefined when it is out of range, so validate its object representation instead.
template <class E>
int32_t raw_enum(const E& value) {
  static_assert(sizeof(E) == sizeof(int32_t), "ABI enums are 32-bit");
  int32_t raw;
  std::memcpy(&raw, &value, sizeof raw);
  return raw;
}

}  // namespace

extern "C" {

AC_API ac_status ac_attack_keep_best(ac_context* ctx, const ac_tensor* x, const ac_tensor* y,
                                     const ac_tensor* logits, const ac_tensor* labels,
                                     ac_tensor* best_y, ac_tensor* best_norm,
                                     ac_tensor* adversarial) {
  return guard([&] {
    const char* op = "attack_keep_best";
    auto& xt = need_on(op, ctx, "x", x);
    need_like(op, "y", y, xt);
    const int64_t k = need_logits_labels(op, logits, labels, xt);
    bool track = need_tracking(op, best_y, best_norm, xt, false);
    need_distinct(op, "best_y", best_y, "y", y);
    if (adversarial) need_scalars(op, "adversarial", adversarial, xt, AC_I32);
    ctx->backend->attack_keep_best(xt.batch(), xt.per_sample(), k, xt.f32(), y->f32(),
                                   logits->f32(), labels->i32(), track ? best_y->f32() : nullptr,
                                   track ? best_norm->f32() : nullptr,
                                   adversarial ? adversarial->i32() : nullptr);
  });
}

AC_API ac_status ac_pgd_step(ac_context* ctx, const ac_tensor* x, ac_tensor* y,
                             const ac_tensor* grad, const ac_tensor* logits,
                             const ac_tensor* labels, ac_tensor* best_y, ac_tensor* best_norm,
                             const ac_tensor* eps, const ac_tensor* alpha, ac_norm norm,
                             float grad_sign, int32_t quantize) {
  return guard([&] {
    const char* op = "pgd_step";
    auto& xt = need_on(op, ctx, "x", x);
    need_like(op, "y", y, xt);
    need_like(op, "grad", grad, xt);
    need_distinct(op, "y", y, "x", x);
    need_distinct(op, "y", y, "grad", grad);
    const bool any = logits || labels || best_y || best_norm;
    const bool all = logits && labels && best_y && best_norm;
    if (any && !all)
      fail(AC_ERR_INVALID_ARGUMENT, "pgd_step: logits, labels, best_y and best_norm must be given together (or all be null)");
    int64_t k = 0;
    if (all) {
      k = need_logits_labels(op, logits, labels, xt);
      need_tracking(op, best_y, best_norm, xt, true);
      need_distinct(op, "best_y", best_y, "y", y);
    }
    need_scalars(op, "eps", eps, xt);
    need_scalars(op, "alpha", alpha, xt);
    const int32_t norm_value = raw_enum(norm);
    if (norm_value != AC_NORM_L2 && norm_value != AC_NORM_LINF)
      fail(AC_ERR_INVALID_ARGUMENT, format("pgd_step: unknown norm %d", norm_value));
    need_grad_sign(op, grad_sign);
    ctx->backend->pgd_step(xt.batch(), xt.per_sample(), k, xt.f32(), y->f32(), grad->f32(),
                           all ? logits->f32() : nullptr, all ? labels->i32() : nullptr,
                           all ? best_y->f32() : nullptr, all ? best_norm->f32() : nullptr,
                           eps->f32(), alpha->f32(), norm_value, grad_sign,
                           quantize != 0);
  });
}

AC_API ac_status ac_ddn_step(ac_context* ctx, const ac_tensor* x, ac_tensor* y,
                             const ac_tensor* grad, const ac_tensor* logits,
                             const ac_tensor* labels, ac_tensor* best_y, ac_tensor* best_norm,
                             ac_tensor* radius, float alpha, float gamma, float grad_sign,
                             int32_t quantize) {
  return guard([&] {
    const char* op = "ddn_step";
    auto& xt = need_on(op, ctx, "x", x);
    need_like(op, "y", y, xt);
    need_like(op, "grad", grad, xt);
    need_distinct(op, "y", y, "x", x);
    need_distinct(op, "y", y, "grad", grad);
    const int64_t k = need_logits_labels(op, logits, labels, xt);
    need_tracking(op, best_y, best_norm, xt, true);
    need_distinct(op, "best_y", best_y, "y", y);
    need_scalars(op, "radius", radius, xt);
    need_distinct(op, "radius", radius, "best_norm", best_norm);
    need_in(op, "alpha", alpha, 0, kInf, false, true);
    need_in(op, "gamma", gamma, 0, 1, false, true);
    need_grad_sign(op, grad_sign);
    ctx->backend->ddn_step(xt.batch(), xt.per_sample(), k, xt.f32(), y->f32(), grad->f32(),
                           logits->f32(), labels->i32(), best_y->f32(), best_norm->f32(),
                           radius->f32(), alpha, gamma, grad_sign, quantize != 0);
  });
}

AC_API ac_status ac_bp_step(ac_context* ctx, const ac_tensor* x, ac_tensor* y,
                            const ac_tensor* grad, const ac_tensor* logits,
                            const ac_tensor* labels, ac_tensor* best_y, ac_tensor* best_norm,
                            ac_tensor* stage, float gamma, float alpha, float beta_min,
                            float grad_sign, ac_bp_rounding rounding) {
  return guard([&] {
    const char* op = "bp_step";
    auto& xt = need_on(op, ctx, "x", x);
    need_like(op, "y", y, xt);
    need_like(op, "grad", grad, xt);
    need_distinct(op, "y", y, "x", x);
    need_distinct(op, "y", y, "grad", grad);
    const int64_t k = need_logits_labels(op, logits, labels, xt);
    need_tracking(op, best_y, best_norm, xt, true);
    need_distinct(op, "best_y", best_y, "y", y);
    need_scalars(op, "stage", stage, xt, AC_I32);
    need_in(op, "gamma", gamma, 0, 1, true, false);
    need_in(op, "alpha", alpha, 0, kInf, false, true);
    need_in(op, "beta_min", beta_min, 0, kInf, false, true);
    need_grad_sign(op, grad_sign);
    const int32_t rounding_value = raw_enum(rounding);
    if (rounding_value != AC_BP_ROUND_END && rounding_value != AC_BP_ROUND_EACH && rounding_value != AC_BP_ROUND_QINOUT)
      fail(AC_ERR_INVALID_ARGUMENT, format("bp_step: unknown rounding %d", rounding_value));
    ctx->backend->bp_step(xt.batch(), xt.per_sample(), k, xt.f32(), y->f32(), grad->f32(),
                          logits->f32(), labels->i32(), best_y->f32(), best_norm->f32(),
                          stage->i32(), gamma, alpha, beta_min, grad_sign, rounding_value);
  });
}

AC_API ac_status ac_quantized_line_search(ac_context* ctx, const ac_tensor* x,
                                          const ac_tensor* y, const ac_tensor* z,
                                          ac_tensor* out, ac_tensor* beta) {
  return guard([&] {
    const char* op = "quantized_line_search";
    auto& xt = need_on(op, ctx, "x", x);
    need_like(op, "y", y, xt);
    need_like(op, "z", z, xt);
    need_like(op, "out", out, xt);
    need_distinct(op, "out", out, "x", x);
    need_distinct(op, "out", out, "y", y);
    if (beta) need_scalars(op, "beta", beta, xt);
    ctx->backend->quantized_line_search(xt.batch(), xt.per_sample(), xt.f32(), y->f32(), z->f32(),
                                        out->f32(), beta ? beta->f32() : nullptr);
  });
}

AC_API ac_status ac_cw_init(ac_context* ctx, const ac_tensor* x, ac_tensor* w, ac_tensor* y) {
  return guard([&] {
    const char* op = "cw_init";
    auto& xt = need_on(op, ctx, "x", x);
    need_like(op, "w", w, xt);
    need_like(op, "y", y, xt);
    need_distinct(op, "w", w, "x", x);
    need_distinct(op, "y", y, "x", x);
    need_distinct(op, "w", w, "y", y);
    ctx->backend->cw_init(xt.batch(), xt.per_sample(), xt.f32(), w->f32(), y->f32());
  });
}

AC_API ac_status ac_cw_step(ac_context* ctx, const ac_tensor* x, ac_tensor* w, ac_tensor* y,
                            const ac_tensor* grad, const ac_tensor* logits,
                            const ac_tensor* labels, const ac_tensor* lambda, ac_tensor* m,
                            ac_tensor* v, ac_tensor* found, ac_tensor* best_y,
                            ac_tensor* best_norm, float lr, float beta1, float beta2, float eps,
                            int64_t step) {
  return guard([&] {
    const char* op = "cw_step";
    auto& xt = need_on(op, ctx, "x", x);
    need_like(op, "w", w, xt);
    need_like(op, "y", y, xt);
    need_like(op, "grad", grad, xt);
    need_like(op, "m", m, xt);
    need_like(op, "v", v, xt);
    const ac_tensor* outputs[] = {w, y, m, v, best_y};
    const char* names[] = {"w", "y", "m", "v", "best_y"};
    for (int a = 0; a < 5; ++a) {
      need_distinct(op, names[a], outputs[a], "x", x);
      need_distinct(op, names[a], outputs[a], "grad", grad);
      for (int b = a + 1; b < 5; ++b) need_distinct(op, names[a], outputs[a], names[b], outputs[b]);
    }
    const int64_t k = need_logits_labels(op, logits, labels, xt);
    need_tracking(op, best_y, best_norm, xt, true);
    need_scalars(op, "lambda", lambda, xt);
    need_scalars(op, "found", found, xt, AC_I32);
    need_in(op, "lr", lr, 0, kInf, true, true);
    need_in(op, "beta1", beta1, 0, 1, false, true);
    need_in(op, "beta2", beta2, 0, 1, false, true);
    need_in(op, "eps", eps, 0, kInf, true, true);
    if (step < 1) fail(AC_ERR_INVALID_ARGUMENT, format("cw_step: step must be >= 1 (got %lld)", static_cast<long long>(step)));
    ctx->backend->cw_step(xt.batch(), xt.per_sample(), k, xt.f32(), w->f32(), y->f32(),
                          grad->f32(), logits->f32(), labels->i32(), lambda->f32(), m->f32(),
                          v->f32(), found->i32(), best_y->f32(), best_norm->f32(), lr, beta1,
                          beta2, eps, step);
  });
}

AC_API ac_status ac_deepfool_step(ac_context* ctx, const ac_tensor* x, ac_tensor* y,
                                  ac_tensor* r_total, const ac_tensor* jacobian,
                                  const ac_tensor* logits, const ac_tensor* labels,
                                  ac_tensor* active, float overshoot) {
  return guard([&] {
    const char* op = "deepfool_step";
    auto& xt = need_on(op, ctx, "x", x);
    need_like(op, "y", y, xt);
    need_like(op, "r_total", r_total, xt);
    need_distinct(op, "y", y, "x", x);
    need_distinct(op, "r_total", r_total, "x", x);
    need_distinct(op, "y", y, "r_total", r_total);
    const int64_t k = need_logits_labels(op, logits, labels, xt);
    const ac_tensor& jt = need(op, "jacobian", jacobian, AC_F32, x);
    need_dim(op, "jacobian", jt, 0, k);
    need_dim(op, "jacobian", jt, 1, xt.batch());
    need_count(op, "jacobian", jt, xt.count() * k);
    need_distinct(op, "y", y, "jacobian", jacobian);
    need_distinct(op, "r_total", r_total, "jacobian", jacobian);
    need_scalars(op, "active", active, xt, AC_I32);
    need_in(op, "overshoot", overshoot, 0, kInf, false, true);
    ctx->backend->deepfool_step(xt.batch(), xt.per_sample(), k, xt.f32(), y->f32(),
                                r_total->f32(), jt.f32(), logits->f32(), labels->i32(),
                                active->i32(), overshoot);
  });
}

AC_API ac_status ac_jsma_step(ac_context* ctx, ac_tensor* y, const ac_tensor* grad_target,
                              const ac_tensor* grad_other, const ac_tensor* logits,
                              const ac_tensor* labels, ac_tensor* domain, ac_tensor* changed,
                              ac_tensor* active, float theta, int64_t max_changed) {
  return guard([&] {
    const char* op = "jsma_step";
    auto& yt = need_on(op, ctx, "y", y);
    // need_like names the reference "x"; here the reference operand is y.
    need_same_shape(op, "grad_target", need(op, "grad_target", grad_target, AC_F32, y), yt, "y");
    need_same_shape(op, "grad_other", need(op, "grad_other", grad_other, AC_F32, y), yt, "y");
    need_same_shape(op, "domain", need(op, "domain", domain, AC_F32, y), yt, "y");
    need_distinct(op, "y", y, "domain", domain);
    need_distinct(op, "y", y, "grad_target", grad_target);
    need_distinct(op, "y", y, "grad_other", grad_other);
    const int64_t k = need_logits_labels(op, logits, labels, yt);
    need_scalars(op, "changed", changed, yt, AC_I32);
    need_scalars(op, "active", active, yt, AC_I32);
    need_distinct(op, "changed", changed, "active", active);
    need_in(op, "theta", theta, -1, 1, false, false);
    if (theta == 0) fail(AC_ERR_INVALID_ARGUMENT, "jsma_step: theta must not be 0");
    if (max_changed < 0)
      fail(AC_ERR_INVALID_ARGUMENT, format("jsma_step: max_changed must be >= 0 (got %lld)", static_cast<long long>(max_changed)));
    ctx->backend->jsma_step(yt.batch(), yt.per_sample(), k, y->f32(), grad_target->f32(),
                            grad_other->f32(), logits->f32(), labels->i32(), domain->f32(),
                            changed->i32(), active->i32(), theta, max_changed);
  });
}

}  // extern "C"
