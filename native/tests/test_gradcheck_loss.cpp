// Per-sample losses: values against direct formulas, and the per-sample gradients (float64)
// against central finite differences of sum_i loss_i (each loss_i depends on row i only, so
// this checks d loss_i / d logits_i, not the gradient of the mean).
#include "cpu/reference.h"
#include "test_util.h"

using namespace testutil;
using ac::Loss;

namespace {

void gradcheck_loss(Loss kind, double param, int64_t n, int64_t k, uint64_t seed) {
  Rng rng(seed);
  dvec z = rng.distinct(static_cast<size_t>(n * k), 0.37);  // no ties among logits
  auto labels = rng.labels(static_cast<size_t>(n), static_cast<int32_t>(k));
  dvec loss(static_cast<size_t>(n)), d(z.size());
  auto total = [&] {
    ac::ref::loss_forward_backward<double>(kind, param, n, k, z.data(), labels.data(), loss.data(), nullptr);
    double s = 0;
    for (double v : loss) s += v;
    return s;
  };
  ac::ref::loss_forward_backward<double>(kind, param, n, k, z.data(), labels.data(), loss.data(), d.data());
  check_gradient("dloss/dlogits", z, d, total, rng, 200);
}

double log_softmax(const dvec& z, size_t row, size_t k, size_t j) {
  double sum = 0;
  for (size_t q = 0; q < k; ++q) sum += std::exp(z[row * k + q]);
  return z[row * k + j] - std::log(sum);
}

}  // namespace

TEST(ref_loss_gradients_match_finite_differences) {
  gradcheck_loss(Loss::CrossEntropy, 0.0, 5, 10, 41);
  gradcheck_loss(Loss::CrossEntropy, 0.1, 5, 10, 42);
  gradcheck_loss(Loss::CrossEntropy, 0.3, 3, 2, 43);
  gradcheck_loss(Loss::LogProbMargin, 0.0, 7, 10, 44);
  gradcheck_loss(Loss::LogProbMargin, 0.0, 3, 2, 45);
  gradcheck_loss(Loss::CwMargin, 0.0, 7, 10, 46);
  gradcheck_loss(Loss::CwMargin, 2.0, 7, 10, 47);
}

TEST(ref_loss_values_match_formulas) {
  Rng rng(48);
  const size_t n = 6, k = 5;
  dvec z = rng.vec(n * k, -4, 4);
  auto labels = rng.labels(n, k);
  dvec loss(n), d(n * k);
  // Cross entropy with smoothing s: -sum_k t_k log p_k.
  const double s = 0.2;
  ac::ref::loss_forward_backward<double>(Loss::CrossEntropy, s, n, k, z.data(), labels.data(), loss.data(), d.data());
  for (size_t i = 0; i < n; ++i) {
    double want = 0, grad_sum = 0;
    for (size_t j = 0; j < k; ++j) {
      double t = j == static_cast<size_t>(labels[i]) ? 1 - s : s / (k - 1);
      want -= t * log_softmax(z, i, k, j);
      grad_sum += d[i * k + j];
    }
    CHECK_NEAR(loss[i], want, 1e-12);
    CHECK_NEAR(grad_sum, 0.0, 1e-12);  // p and t both sum to 1
  }
  // Log-prob margin: log p(l) - max_{j != l} log p(j).
  ac::ref::loss_forward_backward<double>(Loss::LogProbMargin, 0, n, k, z.data(), labels.data(), loss.data(), d.data());
  for (size_t i = 0; i < n; ++i) {
    size_t l = static_cast<size_t>(labels[i]);
    double best = -INFINITY;
    for (size_t j = 0; j < k; ++j)
      if (j != l) best = std::max(best, log_softmax(z, i, k, j));
    CHECK_NEAR(loss[i], log_softmax(z, i, k, l) - best, 1e-12);
  }
  // Large logits: the max-shifted log-softmax stays finite.
  dvec big{1000, -1000, 0};
  std::vector<int32_t> lab{1};
  dvec l1(1), d1(3);
  ac::ref::loss_forward_backward<double>(Loss::CrossEntropy, 0, 1, 3, big.data(), lab.data(), l1.data(), d1.data());
  CHECK_NEAR(l1[0], 2000, 1e-9);
  CHECK_NEAR(d1[0], 1, 1e-12);
  CHECK_NEAR(d1[1], -1, 1e-12);
}

TEST(ref_margin_losses_ties_and_hinge) {
  // Ties among the other classes: the first maximiser takes the -1.
  dvec z{1.0, 3.0, 3.0, 2.0};
  std::vector<int32_t> label{0};
  dvec loss(1), d(4);
  ac::ref::loss_forward_backward<double>(Loss::CwMargin, 5.0, 1, 4, z.data(), label.data(), loss.data(), d.data());
  CHECK_NEAR(loss[0], 1 - 3 + 5, 0);
  CHECK(d[0] == 1 && d[1] == -1 && d[2] == 0 && d[3] == 0);
  // Hinge inactive: loss 0, gradient 0.
  ac::ref::loss_forward_backward<double>(Loss::CwMargin, 1.0, 1, 4, z.data(), label.data(), loss.data(), d.data());
  CHECK(loss[0] == 0 && d[0] == 0 && d[1] == 0 && d[2] == 0 && d[3] == 0);
  // Margin exactly 0 sits on the kink: the zero side.
  ac::ref::loss_forward_backward<double>(Loss::CwMargin, 2.0, 1, 4, z.data(), label.data(), loss.data(), d.data());
  CHECK(loss[0] == 0 && d[0] == 0 && d[1] == 0);
  // Argmax: first maximiser.
  std::vector<int32_t> pred(1);
  ac::ref::argmax<double>(1, 4, z.data(), pred.data());
  CHECK(pred[0] == 1);
}
