// The attack criterion (advcore.h, ac_criterion) on random logits: ref::is_adversarial against
// a definition written out independently here, for every kind and margin, with ties; keep
// best through the C ABI under a target; and the ABI's refusals of bad criteria and of
// operands a step does not read. (Fast-vs-reference and CUDA parity under every criterion run
// in test_attack_steps.cpp and cuda_attack_parity.cpp.)
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "advcore.h"
#include "attack_ops.h"
#include "cpu/attack_steps.h"
#include "test_util.h"

using namespace testutil;

namespace {

// Written from the ABI text, not from the kernel: the smallest index holding the maximum.
int first_max(const std::vector<float>& z, int skip) {
  int best = -1;
  for (int j = 0; j < static_cast<int>(z.size()); ++j)
    if (j != skip && (best < 0 || z[j] > z[best])) best = j;
  return best;
}

bool expected(const std::vector<float>& z, int l, bool targeted, float margin) {
  if (margin == 0) return targeted ? first_max(z, -1) == l : first_max(z, -1) != l;
  double other = z[first_max(z, l)], own = z[l];
  return (targeted ? own - other : other - own) > margin;
}

bool last_error_mentions(const char* text) { return std::strstr(ac_last_error(), text) != nullptr; }

}  // namespace

TEST(criterion_matches_its_definition_on_random_logits) {
  Rng rng(404);
  const int k = 7;
  int hits[2][2] = {{0, 0}, {0, 0}};  // [targeted][adversarial] at margin 0
  for (int trial = 0; trial < 4000; ++trial) {
    std::vector<float> z(k);
    for (auto& v : z) v = static_cast<float>(rng.uniform(-3, 3));
    // Ties at the top (a third of the rows), sometimes on the label itself.
    if (trial % 3 == 0) z[rng.integer(0, k - 1)] = z[first_max(z, -1)];
    const int l = static_cast<int>(rng.integer(0, k - 1));
    if (trial % 5 == 0) z[l] = z[first_max(z, -1)];
    for (bool targeted : {false, true})
      for (float margin : {0.0f, 0.25f, 1.0f}) {
        bool want = expected(z, l, targeted, margin);
        bool got = ac::ref::is_adversarial(z.data(), k, l, ac::Criterion{targeted ? 1 : 0, margin});
        CHECK_MSG(got == want, "trial %d targeted %d margin %g: %d vs %d", trial, targeted, margin, got, want);
        std::vector<double> zd(z.begin(), z.end());
        CHECK(ac::ref::is_adversarial(zd.data(), k, l, ac::Criterion{targeted ? 1 : 0, margin}) == want);
        if (margin == 0) ++hits[targeted][want];
      }
  }
  // Targeted success only when the argmax is the target: rare (about 1/k), never the norm.
  CHECK(hits[1][1] > 100 && hits[1][0] > hits[1][1]);
  CHECK(hits[0][1] > hits[0][0]);
}

TEST(criterion_margin_zero_ties_keep_the_untargeted_rule) {
  // A tie between the label (first) and another class: argmax is the label, so untargeted
  // says not adversarial and targeted says reached; with the label second, the reverse.
  std::vector<float> z = {1.0f, 2.0f, 2.0f, 0.5f};
  CHECK(!ac::ref::is_adversarial(z.data(), 4, 1, ac::Criterion{0, 0.0f}));
  CHECK(ac::ref::is_adversarial(z.data(), 4, 1, ac::Criterion{1, 0.0f}));
  CHECK(ac::ref::is_adversarial(z.data(), 4, 2, ac::Criterion{0, 0.0f}));
  CHECK(!ac::ref::is_adversarial(z.data(), 4, 2, ac::Criterion{1, 0.0f}));
  // A gap of exactly the margin is not enough (strict).
  std::vector<float> w = {0.0f, 1.5f, 1.0f};
  CHECK(!ac::ref::is_adversarial(w.data(), 3, 2, ac::Criterion{0, 0.5f}));
  CHECK(ac::ref::is_adversarial(w.data(), 3, 2, ac::Criterion{0, 0.25f}));
  CHECK(!ac::ref::is_adversarial(w.data(), 3, 1, ac::Criterion{1, 0.5f}));
  CHECK(ac::ref::is_adversarial(w.data(), 3, 1, ac::Criterion{1, 0.25f}));
}

namespace {

struct Ctx {
  ac_context* ctx = nullptr;
  std::vector<ac_tensor*> owned;
  Ctx() { CHECK_STATUS(ac_context_create(AC_DEVICE_CPU, 2, 1, 0, &ctx), AC_OK); }
  ~Ctx() {
    for (auto* t : owned) ac_tensor_destroy(t);
    ac_context_destroy(ctx);
  }
  template <class T>
  ac_tensor* make(ac_dtype dt, std::vector<int64_t> shape, const std::vector<T>& data) {
    ac_tensor* t = nullptr;
    CHECK_STATUS(ac_tensor_create(ctx, dt, static_cast<int32_t>(shape.size()), shape.data(), &t), AC_OK);
    CHECK_STATUS(ac_tensor_copy_from_host(t, data.data(), static_cast<int64_t>(data.size() * 4)), AC_OK);
    owned.push_back(t);
    return t;
  }
  template <class T>
  std::vector<T> host(ac_tensor* t, size_t count) {
    std::vector<T> v(count);
    CHECK_STATUS(ac_tensor_copy_to_host(t, v.data(), static_cast<int64_t>(count * 4)), AC_OK);
    return v;
  }
};

}  // namespace

TEST(abi_keep_best_under_a_target_and_a_margin) {
  Ctx c;
  const int64_t n = 3, d = 4, k = 3;
  // Row 0 predicts 0, row 1 predicts 2 by a wide gap, row 2 predicts 1 by a narrow gap.
  std::vector<float> logits = {2, 1, 0, 0, 1, 5, 1, 1.1f, 0};
  std::vector<int32_t> targets = {0, 2, 0};
  Rng rng(5);
  fvec xs = to_float(rng.vec(n * d, 0.2, 0.8)), ys = to_float(rng.vec(n * d, 0.2, 0.8));
  ac_tensor *x = c.make(AC_F32, {n, d}, xs), *y = c.make(AC_F32, {n, d}, ys);
  ac_tensor *z = c.make(AC_F32, {n, k}, logits), *l = c.make(AC_I32, {n}, targets);
  ac_tensor *by = c.make(AC_F32, {n, d}, fvec(n * d, 0.0f)), *bn = c.make(AC_F32, {n}, fvec(n, INFINITY));
  ac_tensor* adv = c.make(AC_I32, {n}, std::vector<int32_t>(n, 7));
  CHECK_STATUS(ac_attack_keep_best(c.ctx, abi_ops(x, y, nullptr, z, l, by, bn, {AC_CRITERION_TARGETED, 0.0f}), adv), AC_OK);
  CHECK((c.host<int32_t>(adv, n) == std::vector<int32_t>{1, 1, 0}));
  fvec norms = c.host<float>(bn, n);
  CHECK(std::isfinite(norms[0]) && std::isfinite(norms[1]) && std::isinf(norms[2]));
  // Margin 2: row 1 (gap 4) still reaches its target, row 0 (gap 1) no longer does.
  CHECK_STATUS(ac_attack_keep_best(c.ctx, abi_ops(x, y, nullptr, z, l, nullptr, nullptr, {AC_CRITERION_TARGETED, 2.0f}), adv), AC_OK);
  CHECK((c.host<int32_t>(adv, n) == std::vector<int32_t>{0, 1, 0}));
  // Untargeted with the same labels and margin 0.05: row 2 (label 0, predicts 1 by 0.1 over
  // label's 1) is adversarial, row 1 (label 2 = argmax) is not.
  CHECK_STATUS(ac_attack_keep_best(c.ctx, abi_ops(x, y, nullptr, z, l, nullptr, nullptr, {AC_CRITERION_UNTARGETED, 0.05f}), adv), AC_OK);
  CHECK((c.host<int32_t>(adv, n) == std::vector<int32_t>{0, 0, 1}));
}

TEST(abi_refuses_bad_criteria_and_unread_operands) {
  Ctx c;
  const int64_t n = 2, d = 5, k = 3;
  Rng rng(6);
  fvec xs = to_float(rng.vec(n * d, 0.2, 0.8));
  ac_tensor *x = c.make(AC_F32, {n, d}, xs), *y = c.make(AC_F32, {n, d}, xs), *g = c.make(AC_F32, {n, d}, xs);
  ac_tensor *z = c.make(AC_F32, {n, k}, to_float(rng.vec(n * k))), *l = c.make(AC_I32, {n}, std::vector<int32_t>{0, 2});
  ac_tensor *by = c.make(AC_F32, {n, d}, fvec(n * d)), *bn = c.make(AC_F32, {n}, fvec(n, INFINITY));
  ac_tensor *active = c.make(AC_I32, {n}, std::vector<int32_t>{1, 1}), *r = c.make(AC_F32, {n, d}, fvec(n * d));
  ac_tensor* jac = c.make(AC_F32, {k, n, d}, to_float(rng.vec(k * n * d)));
  ac_tensor *changed = c.make(AC_I32, {n}, std::vector<int32_t>{0, 0}), *dom = c.make(AC_F32, {n, d}, fvec(n * d, 1.0f));

  CHECK_STATUS(ac_attack_keep_best(c.ctx, abi_ops(x, y, nullptr, z, l, by, bn, {2, 0.0f}), nullptr), AC_ERR_INVALID_ARGUMENT);
  CHECK(last_error_mentions("attack_keep_best: unknown criterion kind 2"));
  CHECK_STATUS(ac_attack_keep_best(c.ctx, abi_ops(x, y, nullptr, z, l, by, bn, {0, -0.5f}), nullptr), AC_ERR_INVALID_ARGUMENT);
  CHECK(last_error_mentions("criterion margin must be finite and >= 0 (got -0.5)"));
  CHECK_STATUS(ac_attack_keep_best(c.ctx, abi_ops(x, y, nullptr, z, l, by, bn, {1, NAN}), nullptr), AC_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ac_attack_keep_best(c.ctx, abi_ops(x, y, g, z, l, by, bn), nullptr), AC_ERR_INVALID_ARGUMENT);
  CHECK(last_error_mentions("attack_keep_best: ops->grad must be NULL"));
  CHECK_STATUS(ac_attack_keep_best(c.ctx, nullptr, nullptr), AC_ERR_INVALID_ARGUMENT);
  CHECK(last_error_mentions("attack_keep_best: ops must not be null"));
  CHECK_STATUS(ac_attack_keep_best(c.ctx, abi_ops(x, y, nullptr, nullptr, l, by, bn), nullptr), AC_ERR_INVALID_ARGUMENT);
  CHECK(last_error_mentions("attack_keep_best: ops->logits must not be null"));
  CHECK_STATUS(ac_deepfool_step(c.ctx, abi_ops(x, y, nullptr, z, l, nullptr, nullptr, {1, 0.0f}), r, jac, active, 0.02f), AC_ERR_INVALID_ARGUMENT);
  CHECK(last_error_mentions("deepfool_step: the criterion must be untargeted"));
  CHECK_STATUS(ac_deepfool_step(c.ctx, abi_ops(x, y, nullptr, z, l, nullptr, nullptr, {0, 0.5f}), r, jac, active, 0.02f), AC_OK);
  CHECK_STATUS(ac_jsma_step(c.ctx, abi_ops(x, y, nullptr, z, l, nullptr, nullptr, {1, 0.0f}), g, x, dom, changed, active, 0.5f, 3), AC_ERR_INVALID_ARGUMENT);
  CHECK(last_error_mentions("jsma_step: ops->x must be NULL"));
  CHECK_STATUS(ac_jsma_step(c.ctx, abi_ops(nullptr, y, nullptr, z, l, nullptr, nullptr, {1, 0.0f}), g, x, dom, changed, active, 0.5f, 3), AC_OK);
  // Outputs may not alias inputs: best_y = grad.
  ac_tensor* stage = c.make(AC_I32, {n}, std::vector<int32_t>{0, 0});
  CHECK_STATUS(ac_bp_step(c.ctx, abi_ops(x, y, g, z, l, g, bn), stage, 0.8f, 2, 0.1f, 1, AC_BP_ROUND_EACH), AC_ERR_INVALID_ARGUMENT);
  CHECK(last_error_mentions("bp_step: best_y and grad must be different tensors"));
}
