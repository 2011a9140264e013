// The attack losses CwMarginTargeted, Dlr and DlrTargeted (src/cpu/reference_loss.h):
// float64 gradients against central finite differences on logits without ties or kinks,
// hand-computed values and gradients on small examples (ties included), the fast backend
// against the reference (bit-identical to reference<float>, since it runs the same rows),
// and the ABI's label layout and argument checks.
#include <cmath>
#include <cstring>
#include <tuple>
#include <vector>

#include "advcore.h"
#include "cpu/fast_backend.h"
#include "cpu/reference.h"
#include "test_util.h"

using namespace testutil;
using ac::Loss;

namespace {

void gradcheck_attack_loss(Loss kind, double param, int64_t n, int64_t k, uint64_t seed) {
  Rng rng(seed);
  dvec z = rng.distinct(static_cast<size_t>(n * k), 0.37);  // no ties, no near-ties
  auto labels = loss_labels(rng, kind, static_cast<size_t>(n), static_cast<int32_t>(k));
  dvec loss(static_cast<size_t>(n)), d(z.size());
  auto total = [&] {
    ac::ref::loss_forward_backward<double>(kind, param, n, k, z.data(), labels.data(), loss.data(), nullptr);
    double s = 0;
    for (double v : loss) s += v;
    return s;
  };
  ac::ref::loss_forward_backward<double>(kind, param, n, k, z.data(), labels.data(), loss.data(), d.data());
  // Away from the hinge: with gaps of >= 0.27 between logits, |z_j - z_t + mu| is far above
  // the step for these mu; the test would be meaningless if every hinge were inactive.
  if (kind == Loss::CwMarginTargeted) {
    int active = 0;
    for (double v : loss) active += v > 0;
    CHECK(active > 0);
  }
  check_gradient("dloss/dlogits", z, d, total, rng, 400);
}

// One row through the reference in double.
void one_row(Loss kind, double param, const dvec& z, std::vector<int32_t> labels, double* loss,
             dvec* d) {
  d->assign(z.size(), -7.0);
  ac::ref::loss_forward_backward<double>(kind, param, 1, static_cast<int64_t>(z.size()), z.data(),
                                         labels.data(), loss, d->data());
}

void check_row(const dvec& got, const dvec& want, double tol) {
  CHECK(got.size() == want.size());
  for (size_t q = 0; q < want.size(); ++q)
    CHECK_MSG(std::abs(got[q] - want[q]) <= tol, "d[%zu] = %.17g, expected %.17g", q, got[q], want[q]);
}

bool same_bits(const fvec& a, const fvec& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace

TEST(ref_attack_loss_gradients_match_finite_differences) {
  gradcheck_attack_loss(Loss::CwMarginTargeted, 0.0, 7, 10, 61);
  gradcheck_attack_loss(Loss::CwMarginTargeted, 2.0, 7, 10, 62);
  gradcheck_attack_loss(Loss::CwMarginTargeted, 0.5, 4, 2, 63);
  gradcheck_attack_loss(Loss::Dlr, 0.0, 9, 10, 64);
  gradcheck_attack_loss(Loss::Dlr, 0.0, 12, 3, 65);   // K = 3: p3 is the smallest logit
  gradcheck_attack_loss(Loss::Dlr, 0.0, 3, 100, 66);
  gradcheck_attack_loss(Loss::DlrTargeted, 0.0, 9, 10, 67);
  gradcheck_attack_loss(Loss::DlrTargeted, 0.0, 12, 4, 68);  // K = 4: p4 is the smallest
  gradcheck_attack_loss(Loss::DlrTargeted, 0.0, 3, 100, 69);
}

TEST(ref_attack_losses_hand_computed) {
  double loss = 0;
  dvec d;
  // C&W targeted, z = (1, 3, 3, 2), target 3, mu = 0.5: j = 1 (first of the tie at 3),
  // J = 3 - 2 + 0.5 = 1.5, grad = e_1 - e_3.
  one_row(Loss::CwMarginTargeted, 0.5, {1, 3, 3, 2}, {3}, &loss, &d);
  CHECK(loss == 1.5);
  check_row(d, {0, 1, 0, -1}, 0);
  // Target 1 itself ties for the top: j = 2, J = 3 - 3 + 0.5 = 0.5, grad = e_2 - e_1.
  one_row(Loss::CwMarginTargeted, 0.5, {1, 3, 3, 2}, {1}, &loss, &d);
  CHECK(loss == 0.5);
  check_row(d, {0, -1, 1, 0}, 0);
  // mu = 0 there sits on the kink: the zero side.
  one_row(Loss::CwMarginTargeted, 0.0, {1, 3, 3, 2}, {1}, &loss, &d);
  CHECK(loss == 0);
  check_row(d, {0, 0, 0, 0}, 0);
  // Target already ahead by more than mu: inactive.
  one_row(Loss::CwMarginTargeted, 0.5, {1, 4, 3, 2}, {1}, &loss, &d);
  CHECK(loss == 0);
  check_row(d, {0, 0, 0, 0}, 0);

  // DLR, z = (1, 4, 2, 0.5): sorted 4 (p1 = 1), 2 (p2 = 2), 1 (p3 = 0), 0.5.
  // y = 2: j = 1, N = 2 - 4 = -2, D = 4 - 1 + 1e-12, J = 2 / 3;
  // grad = (e_1 - e_2) / 3 + (-2/9)(e_1 - e_0) = (2/9, 1/9, -1/3, 0).
  const dvec z4{1, 4, 2, 0.5};
  one_row(Loss::Dlr, 0, z4, {2}, &loss, &d);
  CHECK_NEAR(loss, 2.0 / 3.0, 1e-12);
  CHECK(loss == -(2.0 - 4.0) / (4.0 - 1.0 + 1e-12));  // AutoAttack's exact expression
  check_row(d, {2.0 / 9, 1.0 / 9, -1.0 / 3, 0}, 1e-12);
  // y = 1 is the top: j = p2 = 2, N = 2, J = -2/3;
  // grad = (e_2 - e_1) / 3 + (2/9)(e_1 - e_0) = (-2/9, -1/9, 1/3, 0).
  one_row(Loss::Dlr, 3.25, z4, {1}, &loss, &d);  // param is ignored
  CHECK_NEAR(loss, -2.0 / 3.0, 1e-12);
  check_row(d, {-2.0 / 9, -1.0 / 9, 1.0 / 3, 0}, 1e-12);
  // y = p3 with j = p1: J = 1 whatever the logits, so the gradient is 0.
  one_row(Loss::Dlr, 0, z4, {0}, &loss, &d);
  CHECK_NEAR(loss, 1.0, 1e-12);
  check_row(d, {0, 0, 0, 0}, 1e-12);

  // DLR targeted, z = (1, 4, 2, 0.5, 3), y = 1, t = 3: sorted 4 (p1 = 1), 3, 2 (p3 = 2),
  // 1 (p4 = 0), 0.5. N = 4 - 0.5 = 3.5, D = 4 - (2 + 1)/2 = 2.5, J = -1.4;
  // grad = (e_3 - e_1)/2.5 + 0.56 (e_1 - e_2/2 - e_0/2) = (-0.28, 0.16, -0.28, 0.4, 0).
  one_row(Loss::DlrTargeted, 0, {1, 4, 2, 0.5, 3}, {1, 3}, &loss, &d);
  CHECK_NEAR(loss, -1.4, 1e-12);
  check_row(d, {-0.28, 0.16, -0.28, 0.4, 0}, 1e-12);
  // t on top, y in the middle: z = (0, 5, 1, 2), y = 3, t = 1: p1 = 1, p3 = 2, p4 = 0;
  // N = 2 - 5 = -3, D = 5 - 0.5 = 4.5, J = 3/4.5 = 2/3; b = N/D^2 = -4/27;
  // grad = (e_1 - e_3)/4.5 - (4/27)(e_1 - e_2/2 - e_0/2).
  one_row(Loss::DlrTargeted, 0, {0, 5, 1, 2}, {3, 1}, &loss, &d);
  CHECK_NEAR(loss, 2.0 / 3.0, 1e-12);
  check_row(d, {2.0 / 27, 2.0 / 9 - 4.0 / 27, 2.0 / 27, -2.0 / 9}, 1e-12);
}

TEST(ref_attack_losses_ties_follow_index_order) {
  double loss = 0;
  dvec d;
  // z = (3, 3, 1, 1, 0), y = 0: stable order p1 = 0, p2 = 1, p3 = 2 (index 2 before 3);
  // j = 1, N = 0, D = 2: J = 0, grad = (e_1 - e_0)/2 (the N/D^2 term vanishes).
  one_row(Loss::Dlr, 0, {3, 3, 1, 1, 0}, {0}, &loss, &d);
  CHECK(loss == 0);
  check_row(d, {-0.5, 0.5, 0, 0, 0}, 1e-12);
  // Same logits, y = 4: j = 0 (first of the top tie), N = -3, D = 2 + 1e-12, J = 1.5;
  // grad = (e_0 - e_4)/2 + (-3/4)(e_0 - e_2): index 2, not 3, takes the p3 term.
  one_row(Loss::Dlr, 0, {3, 3, 1, 1, 0}, {4}, &loss, &d);
  CHECK_NEAR(loss, 1.5, 1e-12);
  check_row(d, {0.5 - 0.75, 0, 0.75, 0, -0.5}, 1e-12);
  // DLR targeted with a tie at p3/p4: z = (2, 2, 2, 2), y = 0, t = 1: D = 1e-12, N = 0.
  one_row(Loss::DlrTargeted, 0, {2, 2, 2, 2}, {0, 1}, &loss, &d);
  CHECK(loss == 0);
  check_row(d, {-1e12, 1e12, 0, 0}, 1e-3);
  // Flat logits with y = p3: DLR stays finite thanks to the 1e-12 (AutoAttack's guard).
  one_row(Loss::Dlr, 0, {1, 1, 1}, {2}, &loss, &d);
  CHECK(loss == 0);
  CHECK(std::isfinite(d[0]) && std::isfinite(d[2]));
}

TEST(fast_attack_losses_match_reference) {
  ac::CpuFastBackend fast(3);
  for (auto [n, k] : {std::pair<int64_t, int64_t>{1, 10}, std::pair<int64_t, int64_t>{70, 10},
                      std::pair<int64_t, int64_t>{3000, 10}, std::pair<int64_t, int64_t>{65, 4}}) {
    Rng rng(static_cast<uint64_t>(n * k + 5));
    fvec z = to_float(rng.vec(static_cast<size_t>(n * k), -5, 5));
    for (int64_t i = 0; i < n; i += 4) z[static_cast<size_t>(i * k + 1)] = z[static_cast<size_t>(i * k + 2)];
    for (auto [kind, param] : {std::pair{Loss::CwMarginTargeted, 0.0f}, std::pair{Loss::CwMarginTargeted, 0.7f},
                               std::pair{Loss::Dlr, 0.0f}, std::pair{Loss::DlrTargeted, 0.0f}}) {
      auto labels = loss_labels(rng, kind, static_cast<size_t>(n), static_cast<int32_t>(k));
      dvec loss_ref(static_cast<size_t>(n)), d_ref(z.size());
      ac::ref::loss_forward_backward<double>(kind, param, n, k, to_double(z).data(), labels.data(),
                                             loss_ref.data(), d_ref.data());
      fvec loss_f(loss_ref.size()), d_f(z.size());
      ac::ref::loss_forward_backward<float>(kind, param, n, k, z.data(), labels.data(), loss_f.data(), d_f.data());
      fvec loss(loss_ref.size()), d(z.size());
      fast.loss_forward_backward(kind, param, n, k, z.data(), labels.data(), loss.data(), d.data());
      CHECK_CLOSE(loss, loss_ref, 1e-6);
      CHECK_CLOSE(d, d_ref, 1e-6);
      CHECK(same_bits(loss, loss_f));
      CHECK(same_bits(d, d_f));
      fvec loss_only(loss.size());
      fast.loss_forward_backward(kind, param, n, k, z.data(), labels.data(), loss_only.data(), nullptr);
      CHECK(same_bits(loss_only, loss));
    }
  }
}

namespace {

struct AbiTensor {
  ac_tensor* t = nullptr;
  AbiTensor(ac_context* ctx, std::vector<int64_t> shape, ac_dtype dtype = AC_F32) {
    CHECK_STATUS(ac_tensor_create(ctx, dtype, static_cast<int32_t>(shape.size()), shape.data(), &t), AC_OK);
  }
  AbiTensor(const AbiTensor&) = delete;
  AbiTensor& operator=(const AbiTensor&) = delete;
  ~AbiTensor() { ac_tensor_destroy(t); }
  template <class V>
  void write(const std::vector<V>& v) {
    CHECK_STATUS(ac_tensor_copy_from_host(t, v.data(), static_cast<int64_t>(v.size() * 4)), AC_OK);
  }
  fvec read(size_t count) const {
    fvec out(count);
    CHECK_STATUS(ac_tensor_copy_to_host(t, out.data(), static_cast<int64_t>(count * 4)), AC_OK);
    return out;
  }
};

bool mentions(const char* text) { return std::strstr(ac_last_error(), text) != nullptr; }

}  // namespace

TEST(abi_attack_losses_label_layout_and_checks) {
  for (uint32_t flags : {0u, static_cast<uint32_t>(AC_CONTEXT_REFERENCE_KERNELS)}) {
    ac_context* ctx = nullptr;
    CHECK_STATUS(ac_context_create(AC_DEVICE_CPU, 2, 1234, flags, &ctx), AC_OK);
    if (!ctx) return;
    {
      const int64_t n = 3, k = 5;
      Rng rng(77);
      fvec z = to_float(rng.vec(static_cast<size_t>(n * k), -3, 3));
      AbiTensor logits(ctx, {n, k}), loss(ctx, {n}), d(ctx, {n, k}), y(ctx, {n}, AC_I32),
          pairs(ctx, {n, 2}, AC_I32), flat_pairs(ctx, {2 * n}, AC_I32);
      logits.write(z);
      std::vector<int32_t> yv{0, 4, 2}, pv{0, 1, 4, 2, 2, 0};
      y.write(yv);
      pairs.write(pv);
      flat_pairs.write(pv);
      // Values through the ABI equal the reference on the same layout.
      for (auto [kind, lk, labels, host] :
           {std::tuple{AC_LOSS_CW_MARGIN_TARGETED, Loss::CwMarginTargeted, &y, &yv},
            std::tuple{AC_LOSS_DLR, Loss::Dlr, &y, &yv},
            std::tuple{AC_LOSS_DLR_TARGETED, Loss::DlrTargeted, &pairs, &pv}}) {
        CHECK_STATUS(ac_loss_forward_backward(ctx, kind, 0.25f, logits.t, labels->t, loss.t, d.t), AC_OK);
        fvec lw(n), dw(static_cast<size_t>(n * k));
        ac::ref::loss_forward_backward<float>(lk, 0.25f, n, k, z.data(), host->data(), lw.data(), dw.data());
        CHECK(same_bits(loss.read(n), lw));
        CHECK(same_bits(d.read(static_cast<size_t>(n * k)), dw));
      }
      // DLR_TARGETED needs [N, 2]; [2N] or [N] is a shape error naming the layout.
      CHECK_STATUS(ac_loss_forward_backward(ctx, AC_LOSS_DLR_TARGETED, 0, logits.t, flat_pairs.t, loss.t, d.t),
                   AC_ERR_SHAPE);
      CHECK_MSG(mentions("[3, 2]"), "message: %s", ac_last_error());
      CHECK_STATUS(ac_loss_forward_backward(ctx, AC_LOSS_DLR_TARGETED, 0, logits.t, y.t, loss.t, d.t),
                   AC_ERR_SHAPE);
      // ... and the other losses keep [N].
      CHECK_STATUS(ac_loss_forward_backward(ctx, AC_LOSS_DLR, 0, logits.t, pairs.t, loss.t, d.t), AC_ERR_SHAPE);
      // t == y in row 1; t out of range in row 2.
      std::vector<int32_t> same{0, 1, 3, 3, 2, 0};
      pairs.write(same);
      CHECK_STATUS(ac_loss_forward_backward(ctx, AC_LOSS_DLR_TARGETED, 0, logits.t, pairs.t, loss.t, d.t),
                   AC_ERR_INVALID_ARGUMENT);
      CHECK_MSG(mentions("row 1"), "message: %s", ac_last_error());
      std::vector<int32_t> range{0, 1, 4, 2, 2, 5};
      pairs.write(range);
      CHECK_STATUS(ac_loss_forward_backward(ctx, AC_LOSS_DLR_TARGETED, 0, logits.t, pairs.t, loss.t, d.t),
                   AC_ERR_LABEL_RANGE);
      CHECK_MSG(mentions("row 2"), "message: %s", ac_last_error());
      std::vector<int32_t> negative{-1, 1, 4, 2, 2, 0};
      pairs.write(negative);
      CHECK_STATUS(ac_loss_forward_backward(ctx, AC_LOSS_DLR_TARGETED, 0, logits.t, pairs.t, loss.t, d.t),
                   AC_ERR_LABEL_RANGE);
      CHECK_MSG(mentions("row 0"), "message: %s", ac_last_error());
      std::vector<int32_t> bad_target{0, 5, 2};
      y.write(bad_target);
      CHECK_STATUS(ac_loss_forward_backward(ctx, AC_LOSS_CW_MARGIN_TARGETED, 0, logits.t, y.t, loss.t, d.t),
                   AC_ERR_LABEL_RANGE);
      y.write(yv);
      // mu >= 0; DLR's param is ignored but must be finite.
      CHECK_STATUS(ac_loss_forward_backward(ctx, AC_LOSS_CW_MARGIN_TARGETED, -0.1f, logits.t, y.t, loss.t, d.t),
                   AC_ERR_INVALID_ARGUMENT);
      CHECK_STATUS(ac_loss_forward_backward(ctx, AC_LOSS_DLR, -3.0f, logits.t, y.t, loss.t, nullptr), AC_OK);
      CHECK_STATUS(ac_loss_forward_backward(ctx, AC_LOSS_DLR, std::nanf(""), logits.t, y.t, loss.t, nullptr),
                   AC_ERR_INVALID_ARGUMENT);
      CHECK_STATUS(ac_loss_forward_backward(ctx, static_cast<ac_loss>(6), 0, logits.t, y.t, loss.t, nullptr),
                   AC_ERR_INVALID_ARGUMENT);
    }
    {
      // Too few classes: DLR needs K >= 3, DLR targeted K >= 4.
      AbiTensor l2(ctx, {2, 2}), l3(ctx, {2, 3}), loss(ctx, {2}), y(ctx, {2}, AC_I32), p(ctx, {2, 2}, AC_I32);
      l2.write(fvec{1, 2, 3, 4});
      l3.write(fvec{1, 2, 3, 4, 5, 6});
      y.write(std::vector<int32_t>{0, 1});
      p.write(std::vector<int32_t>{0, 1, 1, 0});
      CHECK_STATUS(ac_loss_forward_backward(ctx, AC_LOSS_DLR, 0, l2.t, y.t, loss.t, nullptr), AC_ERR_SHAPE);
      CHECK_MSG(mentions("at least 3"), "message: %s", ac_last_error());
      CHECK_STATUS(ac_loss_forward_backward(ctx, AC_LOSS_DLR, 0, l3.t, y.t, loss.t, nullptr), AC_OK);
      CHECK_STATUS(ac_loss_forward_backward(ctx, AC_LOSS_DLR_TARGETED, 0, l3.t, p.t, loss.t, nullptr), AC_ERR_SHAPE);
      CHECK_MSG(mentions("at least 4"), "message: %s", ac_last_error());
      CHECK_STATUS(ac_loss_forward_backward(ctx, AC_LOSS_CW_MARGIN_TARGETED, 0, l2.t, y.t, loss.t, nullptr), AC_OK);
    }
    ac_context_destroy(ctx);
  }
}
