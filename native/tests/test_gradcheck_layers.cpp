// Reference backward passes (float64) of linear, activations, pooling, batch norm, dropout
// and add against central finite differences of L = <r, layer(inputs)>. Inputs are built
// away from the kinks (relu at 0 and t, max-pool ties) so the differences are smooth.
#include "cpu/reference.h"
#include "test_util.h"

using namespace testutil;
using ac::Activation;

TEST(ref_linear_backward_matches_finite_differences) {
  struct Case { int64_t n, in, out; bool bias; };
  for (Case c : {Case{1, 7, 3, true}, Case{70, 5, 4, true}, Case{4, 9, 1, false}}) {
    Rng rng(static_cast<uint64_t>(c.n * 100 + c.in));
    dvec x = rng.vec(static_cast<size_t>(c.n * c.in)), w = rng.vec(static_cast<size_t>(c.out * c.in));
    dvec b = rng.vec(static_cast<size_t>(c.out)), r = rng.vec(static_cast<size_t>(c.n * c.out));
    dvec y(r.size());
    auto loss = [&] {
      ac::ref::linear_forward<double>(c.n, c.in, c.out, x.data(), w.data(), c.bias ? b.data() : nullptr, y.data());
      return dot(y, r);
    };
    dvec dx(x.size()), dw(w.size()), db(b.size());
    ac::ref::linear_backward<double>(c.n, c.in, c.out, x.data(), w.data(), r.data(), dx.data(), dw.data(), db.data());
    check_gradient("linear dx", x, dx, loss, rng);
    check_gradient("linear dw", w, dw, loss, rng);
    if (c.bias) check_gradient("linear db", b, db, loss, rng);
  }
}

TEST(ref_activation_backward_matches_finite_differences) {
  struct Case { Activation kind; double param; };
  for (Case c : {Case{Activation::Relu, 0}, Case{Activation::LeakyRelu, 0.1},
                 Case{Activation::BoundedRelu, 0.5}}) {
    Rng rng(11 + static_cast<uint64_t>(c.kind));
    dvec x = rng.away_from_zero(301, 0.02, 1.0), r = rng.vec(301);
    for (auto& v : x)  // keep away from the bounded ReLU's upper kink too
      if (std::abs(v - 0.5) < 0.02) v += 0.05;
    dvec y(x.size());
    auto loss = [&] {
      ac::ref::activation_forward<double>(c.kind, c.param, static_cast<int64_t>(x.size()), x.data(), y.data());
      return dot(y, r);
    };
    dvec dx(x.size());
    ac::ref::activation_backward<double>(c.kind, c.param, static_cast<int64_t>(x.size()), x.data(), r.data(), dx.data());
    check_gradient("activation dx", x, dx, loss, rng, 301);
  }
}

TEST(ref_activation_kink_conventions) {
  dvec x{0.0, 0.5, -0.25, 1.0, 2.0}, ones(5, 1.0), d(5), y(5);
  ac::ref::activation_backward<double>(Activation::Relu, 0, 5, x.data(), ones.data(), d.data());
  CHECK(d[0] == 0 && d[1] == 1 && d[2] == 0);  // relu'(0) = 0
  ac::ref::activation_backward<double>(Activation::LeakyRelu, 0.1, 5, x.data(), ones.data(), d.data());
  CHECK(d[0] == 0.1 && d[1] == 1 && d[2] == 0.1);
  ac::ref::activation_backward<double>(Activation::BoundedRelu, 1.0, 5, x.data(), ones.data(), d.data());
  CHECK(d[0] == 0 && d[1] == 1 && d[2] == 0 && d[3] == 0 && d[4] == 0);  // 1 only on (0, t)
  ac::ref::activation_forward<double>(Activation::BoundedRelu, 1.0, 5, x.data(), y.data());
  CHECK(y[0] == 0 && y[1] == 0.5 && y[2] == 0 && y[3] == 1 && y[4] == 1);
  ac::ref::activation_forward<double>(Activation::LeakyRelu, 0.1, 5, x.data(), y.data());
  CHECK_NEAR(y[2], -0.025, 1e-15);
}

TEST(ref_pooling_backward_matches_finite_differences) {
  // n, c, h, w, kernel, stride, pad
  for (auto s : {pool_shape(2, 3, 6, 6, 2, 2, 0), pool_shape(1, 2, 7, 5, 3, 2, 1),
                 pool_shape(2, 1, 5, 5, 3, 1, 1), pool_shape(1, 1, 9, 9, 4, 3, 2)}) {
    Rng rng(static_cast<uint64_t>(s.h * 10 + s.kh));
    size_t nx = static_cast<size_t>(s.n * s.c * s.h * s.w), ny = static_cast<size_t>(s.n * s.c * s.oh * s.ow);
    dvec x = rng.distinct(nx), r = rng.vec(ny), y(ny), dx(nx);
    auto max_loss = [&] { ac::ref::maxpool_forward<double>(s, x.data(), y.data()); return dot(y, r); };
    ac::ref::maxpool_backward<double>(s, x.data(), r.data(), dx.data());
    check_gradient("maxpool dx", x, dx, max_loss, rng, 60);
    auto avg_loss = [&] { ac::ref::avgpool_forward<double>(s, x.data(), y.data()); return dot(y, r); };
    ac::ref::avgpool_backward<double>(s, r.data(), dx.data());
    check_gradient("avgpool dx", x, dx, avg_loss, rng, 60);
  }
  // Global average pooling over [3, 4, 5x3].
  Rng rng(99);
  dvec x = rng.vec(3 * 4 * 15), r = rng.vec(12), y(12), dx(x.size());
  auto loss = [&] { ac::ref::global_avgpool_forward<double>(12, 15, x.data(), y.data()); return dot(y, r); };
  ac::ref::global_avgpool_backward<double>(12, 15, r.data(), dx.data());
  check_gradient("global avgpool dx", x, dx, loss, rng);
}

TEST(ref_pooling_padding_and_tie_conventions) {
  // Max pool 3x3 stride 1 pad 1 over an all-negative plane: padded zeros must not win.
  auto s = pool_shape(1, 1, 2, 2, 3, 1, 1);
  dvec x{-4, -3, -2, -1}, y(4);
  ac::ref::maxpool_forward<double>(s, x.data(), y.data());
  for (double v : y) CHECK(v == -1);
  // Ties: the first element (row-major) of the window receives the gradient.
  auto t = pool_shape(1, 1, 2, 2, 2, 2, 0);
  dvec xt{5, 5, 5, 5}, dy{1}, dx(4);
  ac::ref::maxpool_backward<double>(t, xt.data(), dy.data(), dx.data());
  CHECK(dx[0] == 1 && dx[1] == 0 && dx[2] == 0 && dx[3] == 0);
  // Average pool counts padding as zeros: 3x3 pad 1 on a 2x2 plane of ones gives 4/9.
  dvec ones{1, 1, 1, 1}, ya(4);
  ac::ref::avgpool_forward<double>(s, ones.data(), ya.data());
  for (double v : ya) CHECK_NEAR(v, 4.0 / 9.0, 1e-15);
}

namespace {

void gradcheck_batchnorm(ac::BatchNormShape s, bool training, uint64_t seed) {
  Rng rng(seed);
  size_t nx = static_cast<size_t>(s.n * s.c * s.hw), nc = static_cast<size_t>(s.c);
  dvec x = rng.vec(nx, -2, 3), gamma = rng.away_from_zero(nc, 0.5, 1.5), beta = rng.vec(nc);
  dvec rm0 = rng.vec(nc), rv0 = rng.vec(nc, 0.5, 2.0), r = rng.vec(nx);
  dvec rm, rv, mean(nc), invstd(nc), y(nx);
  const double momentum = 0.1, eps = 1e-5;
  auto loss = [&] {
    rm = rm0; rv = rv0;  // every evaluation starts from the same running statistics
    ac::ref::batchnorm_forward<double>(s, x.data(), gamma.data(), beta.data(), rm.data(), rv.data(),
                                       mean.data(), invstd.data(), y.data(), training, momentum, eps);
    return dot(y, r);
  };
  loss();
  dvec dx(nx), dgamma(nc), dbeta(nc);
  ac::ref::batchnorm_backward<double>(s, x.data(), gamma.data(), mean.data(), invstd.data(), r.data(),
                                      dx.data(), dgamma.data(), dbeta.data(), training);
  check_gradient("bn dx", x, dx, loss, rng, 60);
  check_gradient("bn dgamma", gamma, dgamma, loss, rng);
  check_gradient("bn dbeta", beta, dbeta, loss, rng);
}

}  // namespace

TEST(ref_batchnorm_backward_matches_finite_differences) {
  for (bool training : {true, false}) {
    gradcheck_batchnorm({4, 3, 5}, training, 21);   // [4, 3, 5] (NCHW with hw = 5)
    gradcheck_batchnorm({6, 5, 1}, training, 22);   // [6, 5] (after a linear layer)
    gradcheck_batchnorm({1, 2, 9}, training, 23);   // batch 1 with spatial extent
  }
}

TEST(ref_batchnorm_statistics_follow_pytorch) {
  // Channel values 1, 2, 3, 6 (n = 2, hw = 2): mean 3, biased var 3.5, unbiased 14/3.
  ac::BatchNormShape s{2, 1, 2};
  dvec x{1, 2, 3, 6}, gamma{2}, beta{0.5}, rm{1}, rv{1}, mean(1), invstd(1), y(4);
  ac::ref::batchnorm_forward<double>(s, x.data(), gamma.data(), beta.data(), rm.data(), rv.data(),
                                     mean.data(), invstd.data(), y.data(), true, 0.1, 1e-5);
  CHECK_NEAR(mean[0], 3.0, 1e-15);
  CHECK_NEAR(invstd[0], 1 / std::sqrt(3.5 + 1e-5), 1e-15);
  CHECK_NEAR(rm[0], 0.9 * 1 + 0.1 * 3, 1e-15);
  CHECK_NEAR(rv[0], 0.9 * 1 + 0.1 * (14.0 / 3.0), 1e-15);
  CHECK_NEAR(y[3], 2 * (6 - 3) / std::sqrt(3.5 + 1e-5) + 0.5, 1e-12);
  // Eval uses (and reports) the running statistics and leaves them alone.
  dvec rm2 = rm, rv2 = rv;
  ac::ref::batchnorm_forward<double>(s, x.data(), gamma.data(), beta.data(), rm2.data(), rv2.data(),
                                     mean.data(), invstd.data(), y.data(), false, 0.1, 1e-5);
  CHECK(rm2 == rm && rv2 == rv);
  CHECK_NEAR(mean[0], rm[0], 0);
  CHECK_NEAR(y[0], 2 * (1 - rm[0]) / std::sqrt(rv[0] + 1e-5) + 0.5, 1e-12);
}

TEST(ref_dropout_and_add_backward_match_finite_differences) {
  Rng rng(31);
  dvec x = rng.vec(103), a = rng.vec(103), r = rng.vec(103), mask(103), y(103);
  auto loss = [&] {
    ac::ref::dropout_forward<double>(103, x.data(), mask.data(), y.data(), 0.3, 7, 5);
    return dot(y, r);
  };
  loss();
  dvec dx(103);
  ac::ref::mul<double>(103, mask.data(), r.data(), dx.data());  // dropout backward
  check_gradient("dropout dx", x, dx, loss, rng, 103);
  auto add_loss = [&] { ac::ref::add<double>(103, a.data(), x.data(), y.data()); return dot(y, r); };
  check_gradient("add da", a, r, add_loss, rng);
  check_gradient("add db", x, r, add_loss, rng);
}
