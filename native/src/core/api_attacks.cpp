// C ABI: fused attack steps (advcore.h, section "fused attack steps"). need_operands checks the
// shared ac_attack_operands of every step in one place (shapes against x, logits [N, K],
// labels in range, the tracking pair, distinct outputs, the criterion); each entry point then
// checks its own operands (per-sample [N] scalars, finite parameters) and makes one backend
// call.
#include <cmath>
#include <cstring>

#include <string>

#include "check.h"
#include "context.h"

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

// ---------------------------------------------------------------- the shared operands

// Which members of ac_attack_operands a step reads. kScores = logits + labels, kTracking =
// best_y + best_norm.
enum Use : unsigned { kX = 1, kY = 2, kGrad = 4, kScores = 8, kTracking = 16 };

// The one validator of ac_attack_operands. `required` operands must be given; the `optional`
// ones come as a group, all given or all NULL (keep best's tracking pair; PGD's scores and
// tracking); every other operand must be NULL, so a caller never believes a step reads
// something it ignores. Checks: y (or x) is the reference for the context and the sample
// shape; logits [N, K >= 2], labels i32 [N] in [0, K) (a device read, skipped while value
// checks are off), best_y like x, best_norm [N]; outputs (y, best_y, best_norm) distinct
// from each other and from the inputs; the criterion's kind and margin. Returns the raw view
// the backends take.
AttackRows need_operands(const char* op, ac_context* ctx, const ac_attack_operands* ops,
                         unsigned required, unsigned optional = 0) {
  check_context(ctx);
  if (!ops) fail(AC_ERR_INVALID_ARGUMENT, format("%s: ops must not be null", op));
  struct Slot {
    const char* name;
    const ac_tensor* t;
    unsigned use;
  };
  const Slot slots[] = {{"x", ops->x, kX},
                        {"y", ops->y, kY},
                        {"grad", ops->grad, kGrad},
                        {"logits", ops->logits, kScores},
                        {"labels", ops->labels, kScores},
                        {"best_y", ops->best_y, kTracking},
                        {"best_norm", ops->best_norm, kTracking}};
  bool any_optional = false, all_optional = true;
  for (const Slot& s : slots) {
    if (s.use & optional) {
      any_optional = any_optional || s.t;
      all_optional = all_optional && s.t;
    }
    if (!(s.use & (required | optional)) && s.t)
      fail(AC_ERR_INVALID_ARGUMENT, format("%s: ops->%s must be NULL (this step does not read it)", op, s.name));
    if ((s.use & required) && !s.t)
      fail(AC_ERR_INVALID_ARGUMENT, format("%s: ops->%s must not be null", op, s.name));
  }
  if (any_optional && !all_optional) {
    std::string names;
    for (const Slot& s : slots)
      if (s.use & optional) names += (names.empty() ? "" : ", ") + std::string(s.name);
    fail(AC_ERR_INVALID_ARGUMENT, format("%s: %s must be given together (or all be null)", op, names.c_str()));
  }
  const unsigned used = required | (any_optional ? optional : 0u);

  // The reference operand: x when the step reads it, else y (JSMA).
  const bool by_x = (used & kX) != 0;
  const char* ref_name = by_x ? "x" : "y";
  const ac_tensor& ref = need_on(op, ctx, ref_name, by_x ? ops->x : ops->y);
  auto like = [&](const char* name, const ac_tensor* t) {
    need_same_shape(op, name, need(op, name, t, AC_F32, &ref), ref, ref_name);
  };
  if (by_x) like("y", ops->y);
  if (used & kGrad) like("grad", ops->grad);

  AttackRows r;
  r.n = ref.batch();
  r.d = ref.per_sample();
  if (used & kScores) {
    const ac_tensor& lt = need(op, "logits", ops->logits, AC_F32, &ref);
    need_ndim(op, "logits", lt, 2, 2);
    need_dim(op, "logits", lt, 0, r.n);
    r.k = lt.shape[1];
    if (r.k < 2) fail(AC_ERR_SHAPE, format("%s: logits need at least 2 classes", op));
    const ac_tensor& yt = need(op, "labels", ops->labels, AC_I32, &ref);
    need_count(op, "labels", yt, r.n);
    if (ctx->device_value_checks()) check_labels(op, yt, r.k);
    r.logits = lt.f32();
    r.labels = yt.i32();
  }
  if (used & kTracking) {
    like("best_y", ops->best_y);
    need_count(op, "best_norm", need(op, "best_norm", ops->best_norm, AC_F32, &ref), r.n);
    r.best_y = ops->best_y->f32();
    r.best_norm = ops->best_norm->f32();
  }
  // Outputs may not alias each other or an input of the same call.
  for (int o : {5, 6, 1})  // best_y, best_norm, y
    for (int i = 0; i < 7; ++i)
      if (i != o && (slots[o].use & used) && (slots[i].use & used))
        need_distinct(op, slots[o].name, slots[o].t, slots[i].name, slots[i].t);

  const int32_t kind = ops->criterion.kind;
  if (kind != AC_CRITERION_UNTARGETED && kind != AC_CRITERION_TARGETED)
    fail(AC_ERR_INVALID_ARGUMENT, format("%s: unknown criterion kind %d (0 = untargeted, 1 = targeted)", op, kind));
  const float margin = ops->criterion.margin;
  if (!std::isfinite(margin) || margin < 0)
    fail(AC_ERR_INVALID_ARGUMENT, format("%s: criterion margin must be finite and >= 0 (got %g)", op, margin));
  r.criterion = Criterion{kind, margin};

  r.x = by_x ? ref.f32() : nullptr;
  r.y = ops->y->f32();
  r.grad = (used & kGrad) ? ops->grad->f32() : nullptr;
  return r;
}

// An own operand of a step must not alias an operand of ops (or another own operand).
void need_apart(const char* op, const char* name, const ac_tensor* t, const ac_attack_operands* ops) {
  need_distinct(op, name, t, "y", ops->y);
  need_distinct(op, name, t, "x", ops->x);
  need_distinct(op, name, t, "grad", ops->grad);
  need_distinct(op, name, t, "best_y", ops->best_y);
  need_distinct(op, name, t, "best_norm", ops->best_norm);
}

}  // namespace

extern "C" {

AC_API ac_status ac_attack_keep_best(ac_context* ctx, const ac_attack_operands* ops,
                                     ac_tensor* adversarial) {
  return guard([&] {
    const char* op = "attack_keep_best";
    const AttackRows r = need_operands(op, ctx, ops, kX | kY | kScores, kTracking);
    if (adversarial) need_scalars(op, "adversarial", adversarial, *ops->x, AC_I32);
    ctx->backend->attack_keep_best(r, adversarial ? adversarial->i32() : nullptr);
  });
}

AC_API ac_status ac_pgd_step(ac_context* ctx, const ac_attack_operands* ops,
                             const ac_tensor* eps, const ac_tensor* alpha, ac_norm norm,
                             float grad_sign, int32_t quantize) {
  return guard([&] {
    const char* op = "pgd_step";
    const AttackRows r = need_operands(op, ctx, ops, kX | kY | kGrad, kScores | kTracking);
    need_scalars(op, "eps", eps, *ops->x);
    need_scalars(op, "alpha", alpha, *ops->x);
    const int32_t norm_value = raw_enum(norm);
    if (norm_value != AC_NORM_L2 && norm_value != AC_NORM_LINF)
      fail(AC_ERR_INVALID_ARGUMENT, format("pgd_step: unknown norm %d", norm_value));
    need_grad_sign(op, grad_sign);
    ctx->backend->pgd_step(r, eps->f32(), alpha->f32(), norm_value, grad_sign, quantize != 0);
  });
}

AC_API ac_status ac_ddn_step(ac_context* ctx, const ac_attack_operands* ops, ac_tensor* radius,
                             float alpha, float gamma, float grad_sign, int32_t quantize) {
  return guard([&] {
    const char* op = "ddn_step";
    const AttackRows r = need_operands(op, ctx, ops, kX | kY | kGrad | kScores | kTracking);
    need_scalars(op, "radius", radius, *ops->x);
    need_apart(op, "radius", radius, ops);
    need_in(op, "alpha", alpha, 0, kInf, false, true);
    need_in(op, "gamma", gamma, 0, 1, false, true);
    need_grad_sign(op, grad_sign);
    ctx->backend->ddn_step(r, radius->f32(), alpha, gamma, grad_sign, quantize != 0);
  });
}

AC_API ac_status ac_bp_step(ac_context* ctx, const ac_attack_operands* ops, ac_tensor* stage,
                            float gamma, float alpha, float beta_min, float grad_sign,
                            ac_bp_rounding rounding) {
  return guard([&] {
    const char* op = "bp_step";
    const AttackRows r = need_operands(op, ctx, ops, kX | kY | kGrad | kScores | kTracking);
    need_scalars(op, "stage", stage, *ops->x, AC_I32);
    need_in(op, "gamma", gamma, 0, 1, true, false);
    need_in(op, "alpha", alpha, 0, kInf, false, true);
    need_in(op, "beta_min", beta_min, 0, kInf, false, true);
    need_grad_sign(op, grad_sign);
    const int32_t rounding_value = raw_enum(rounding);
    if (rounding_value != AC_BP_ROUND_END && rounding_value != AC_BP_ROUND_EACH && rounding_value != AC_BP_ROUND_QINOUT)
      fail(AC_ERR_INVALID_ARGUMENT, format("bp_step: unknown rounding %d", rounding_value));
    ctx->backend->bp_step(r, stage->i32(), gamma, alpha, beta_min, grad_sign, rounding_value);
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

AC_API ac_status ac_cw_step(ac_context* ctx, const ac_attack_operands* ops, ac_tensor* w,
                            const ac_tensor* lambda, ac_tensor* m, ac_tensor* v,
                            ac_tensor* found, float lr, float beta1, float beta2, float eps,
                            int64_t step) {
  return guard([&] {
    const char* op = "cw_step";
    const AttackRows r = need_operands(op, ctx, ops, kX | kY | kGrad | kScores | kTracking);
    const ac_tensor& xt = *ops->x;
    need_like(op, "w", w, xt);
    need_like(op, "m", m, xt);
    need_like(op, "v", v, xt);
    const ac_tensor* own[] = {w, m, v};
    const char* names[] = {"w", "m", "v"};
    for (int a = 0; a < 3; ++a) {
      need_apart(op, names[a], own[a], ops);
      for (int b = a + 1; b < 3; ++b) need_distinct(op, names[a], own[a], names[b], own[b]);
    }
    need_scalars(op, "lambda", lambda, xt);
    need_scalars(op, "found", found, xt, AC_I32);
    need_in(op, "lr", lr, 0, kInf, true, true);
    need_in(op, "beta1", beta1, 0, 1, false, true);
    need_in(op, "beta2", beta2, 0, 1, false, true);
    need_in(op, "eps", eps, 0, kInf, true, true);
    if (step < 1) fail(AC_ERR_INVALID_ARGUMENT, format("cw_step: step must be >= 1 (got %lld)", static_cast<long long>(step)));
    ctx->backend->cw_step(r, w->f32(), lambda->f32(), m->f32(), v->f32(), found->i32(), lr, beta1,
                          beta2, eps, step);
  });
}

AC_API ac_status ac_deepfool_step(ac_context* ctx, const ac_attack_operands* ops,
                                  ac_tensor* r_total, const ac_tensor* jacobian,
                                  ac_tensor* active, float overshoot) {
  return guard([&] {
    const char* op = "deepfool_step";
    const AttackRows r = need_operands(op, ctx, ops, kX | kY | kScores);
    // DeepFool walks away from the label towards the nearest other boundary: a target label
    // would make it walk away from the target.
    if (r.criterion.kind != AC_CRITERION_UNTARGETED)
      fail(AC_ERR_INVALID_ARGUMENT, "deepfool_step: the criterion must be untargeted (labels are the true labels)");
    const ac_tensor& xt = *ops->x;
    need_like(op, "r_total", r_total, xt);
    need_apart(op, "r_total", r_total, ops);
    const ac_tensor& jt = need(op, "jacobian", jacobian, AC_F32, &xt);
    need_dim(op, "jacobian", jt, 0, r.k);
    need_dim(op, "jacobian", jt, 1, r.n);
    need_count(op, "jacobian", jt, xt.count() * r.k);
    need_distinct(op, "y", ops->y, "jacobian", jacobian);
    need_distinct(op, "r_total", r_total, "jacobian", jacobian);
    need_scalars(op, "active", active, xt, AC_I32);
    need_in(op, "overshoot", overshoot, 0, kInf, false, true);
    ctx->backend->deepfool_step(r, r_total->f32(), jt.f32(), active->i32(), overshoot);
  });
}

AC_API ac_status ac_jsma_step(ac_context* ctx, const ac_attack_operands* ops,
                              const ac_tensor* grad_target, const ac_tensor* grad_other,
                              ac_tensor* domain, ac_tensor* changed, ac_tensor* active,
                              float theta, int64_t max_changed) {
  return guard([&] {
    const char* op = "jsma_step";
    const AttackRows r = need_operands(op, ctx, ops, kY | kScores);
    const ac_tensor& yt = *ops->y;
    // need_like names the reference "x"; here the reference operand is y.
    need_same_shape(op, "grad_target", need(op, "grad_target", grad_target, AC_F32, &yt), yt, "y");
    need_same_shape(op, "grad_other", need(op, "grad_other", grad_other, AC_F32, &yt), yt, "y");
    need_same_shape(op, "domain", need(op, "domain", domain, AC_F32, &yt), yt, "y");
    need_distinct(op, "y", &yt, "domain", domain);
    need_distinct(op, "y", &yt, "grad_target", grad_target);
    need_distinct(op, "y", &yt, "grad_other", grad_other);
    need_scalars(op, "changed", changed, yt, AC_I32);
    need_scalars(op, "active", active, yt, AC_I32);
    need_distinct(op, "changed", changed, "active", active);
    need_in(op, "theta", theta, -1, 1, false, false);
    if (theta == 0) fail(AC_ERR_INVALID_ARGUMENT, "jsma_step: theta must not be 0");
    if (max_changed < 0)
      fail(AC_ERR_INVALID_ARGUMENT, format("jsma_step: max_changed must be >= 0 (got %lld)", static_cast<long long>(max_changed)));
    ctx->backend->jsma_step(r, grad_target->f32(), grad_other->f32(), domain->f32(),
                            changed->i32(), active->i32(), theta, max_changed);
  });
}

}  // extern "C"
