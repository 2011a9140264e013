// Fast CPU activations, pooling, batch norm, dropout and add/mul against the reference
// kernels on random data, at sizes that split across threads and sizes that do not.
// Tolerances: 1e-6 relative to max |ref| against reference<double> (element-wise float
// rounding only); dropout and pooling selections must match reference<float> exactly.
#include "cpu/fast_backend.h"
#include "cpu/reference.h"
#include "test_util.h"

using namespace testutil;
using ac::Activation;

namespace {
constexpr double kElementTol = 1e-6;
}

TEST(fast_activations_match_reference) {
  ac::CpuFastBackend fast(3);
  for (int64_t count : {int64_t{17}, int64_t{100003}}) {
    Rng rng(static_cast<uint64_t>(count));
    fvec x = to_float(rng.vec(static_cast<size_t>(count), -2, 2)),
         dy = to_float(rng.vec(static_cast<size_t>(count)));
    for (auto [kind, param] : {std::pair{Activation::Relu, 0.0f}, std::pair{Activation::LeakyRelu, 0.1f},
                               std::pair{Activation::BoundedRelu, 1.5f}}) {
      fvec y(x.size()), dx(x.size()), y_ref(x.size()), dx_ref(x.size());
      ac::ref::activation_forward<float>(kind, param, count, x.data(), y_ref.data());
      ac::ref::activation_backward<float>(kind, param, count, x.data(), dy.data(), dx_ref.data());
      fast.activation_forward(kind, param, count, x.data(), y.data());
      fast.activation_backward(kind, param, count, x.data(), dy.data(), dx.data());
      CHECK(y == y_ref);
      CHECK(dx == dx_ref);
      // In place (y = x, dx = dy) as the ABI allows.
      fvec inplace = x;
      fast.activation_forward(kind, param, count, inplace.data(), inplace.data());
      CHECK(inplace == y_ref);
    }
  }
}

TEST(fast_pooling_matches_reference) {
  ac::CpuFastBackend fast(3);
  // n, c, h, w, kernel, stride, pad
  for (auto s : {pool_shape(1, 3, 32, 32, 2, 2, 0), pool_shape(70, 4, 9, 7, 3, 2, 1),
                 pool_shape(2, 5, 8, 8, 3, 1, 1), pool_shape(65, 2, 6, 6, 4, 2, 2)}) {
    Rng rng(static_cast<uint64_t>(s.n * s.h));
    const size_t nx = static_cast<size_t>(s.n * s.c * s.h * s.w), ny = static_cast<size_t>(s.n * s.c * s.oh * s.ow);
    fvec x = to_float(rng.vec(nx)), dy = to_float(rng.vec(ny));
    fvec y(ny), y_ref(ny), dx(nx, 123.0f), dx_ref(nx);
    ac::ref::maxpool_forward<float>(s, x.data(), y_ref.data());
    fast.maxpool_forward(s, x.data(), y.data());
    CHECK(y == y_ref);
    ac::ref::maxpool_backward<float>(s, x.data(), dy.data(), dx_ref.data());
    fast.maxpool_backward(s, x.data(), dy.data(), dx.data());
    CHECK(dx == dx_ref);
    dvec ya_ref(ny), dxa_ref(nx);
    ac::ref::avgpool_forward<double>(s, to_double(x).data(), ya_ref.data());
    ac::ref::avgpool_backward<double>(s, to_double(dy).data(), dxa_ref.data());
    fast.avgpool_forward(s, x.data(), y.data());
    std::fill(dx.begin(), dx.end(), 123.0f);
    fast.avgpool_backward(s, dy.data(), dx.data());
    CHECK_CLOSE(y, ya_ref, kElementTol);
    CHECK_CLOSE(dx, dxa_ref, kElementTol);
  }
  for (auto [nc, hw] : {std::pair<int64_t, int64_t>{3, 64}, std::pair<int64_t, int64_t>{70 * 128, 64}}) {
    Rng rng(static_cast<uint64_t>(nc));
    fvec x = to_float(rng.vec(static_cast<size_t>(nc * hw))), dy = to_float(rng.vec(static_cast<size_t>(nc)));
    dvec y_ref(static_cast<size_t>(nc)), dx_ref(x.size());
    ac::ref::global_avgpool_forward<double>(nc, hw, to_double(x).data(), y_ref.data());
    ac::ref::global_avgpool_backward<double>(nc, hw, to_double(dy).data(), dx_ref.data());
    fvec y(y_ref.size()), dx(x.size());
    fast.global_avgpool_forward(nc, hw, x.data(), y.data());
    fast.global_avgpool_backward(nc, hw, dy.data(), dx.data());
    CHECK_CLOSE(y, y_ref, kElementTol);
    CHECK_CLOSE(dx, dx_ref, kElementTol);
  }
}

TEST(fast_batchnorm_matches_reference) {
  ac::CpuFastBackend fast(3);
  for (ac::BatchNormShape s : {ac::BatchNormShape{1, 3, 50}, ac::BatchNormShape{70, 16, 64},
                               ac::BatchNormShape{65, 10, 1}}) {
    for (bool training : {true, false}) {
      Rng rng(static_cast<uint64_t>(s.n * 7 + s.c + (training ? 1 : 0)));
      const size_t nx = static_cast<size_t>(s.n * s.c * s.hw), nc = static_cast<size_t>(s.c);
      fvec x = to_float(rng.vec(nx, -1, 3)), dy = to_float(rng.vec(nx));
      fvec gamma = to_float(rng.vec(nc, 0.5, 1.5)), beta = to_float(rng.vec(nc));
      fvec rm = to_float(rng.vec(nc)), rv = to_float(rng.vec(nc, 0.5, 2));
      dvec rm_ref = to_double(rm), rv_ref = to_double(rv), mean_ref(nc), invstd_ref(nc), y_ref(nx);
      ac::ref::batchnorm_forward<double>(s, to_double(x).data(), to_double(gamma).data(),
                                         to_double(beta).data(), rm_ref.data(), rv_ref.data(),
                                         mean_ref.data(), invstd_ref.data(), y_ref.data(), training,
                                         0.1, 1e-5);
      fvec mean(nc), invstd(nc), y(nx);
      fast.batchnorm_forward(s, x.data(), gamma.data(), beta.data(), rm.data(), rv.data(),
                             mean.data(), invstd.data(), y.data(), training, 0.1f, 1e-5f);
      CHECK_CLOSE(y, y_ref, kElementTol);
      CHECK_CLOSE(rm, rm_ref, kElementTol);
      CHECK_CLOSE(rv, rv_ref, kElementTol);
      CHECK_CLOSE(mean, mean_ref, kElementTol);
      CHECK_CLOSE(invstd, invstd_ref, kElementTol);
      // Backward from the float saved statistics (as the engine does).
      dvec dx_ref(nx), dg_ref(nc), db_ref(nc);
      ac::ref::batchnorm_backward<double>(s, to_double(x).data(), to_double(gamma).data(),
                                          to_double(mean).data(), to_double(invstd).data(),
                                          to_double(dy).data(), dx_ref.data(), dg_ref.data(),
                                          db_ref.data(), training);
      for (int want = 0; want < 8; ++want) {
        fvec dx(nx, 123.0f), dg(nc, 123.0f), db(nc, 123.0f);
        fast.batchnorm_backward(s, x.data(), gamma.data(), mean.data(), invstd.data(), dy.data(),
                                want & 1 ? dx.data() : nullptr, want & 2 ? dg.data() : nullptr,
                                want & 4 ? db.data() : nullptr, training);
        // dx in training mode is a difference of sums: allow 1e-5.
        if (want & 1) CHECK_CLOSE(dx, dx_ref, 1e-5);
        if (want & 2) CHECK_CLOSE(dg, dg_ref, kElementTol);
        if (want & 4) CHECK_CLOSE(db, db_ref, kElementTol);
      }
    }
  }
}

TEST(fast_dropout_add_mul_match_reference) {
  ac::CpuFastBackend fast(3);
  for (int64_t count : {int64_t{13}, int64_t{100001}}) {
    Rng rng(static_cast<uint64_t>(count) + 5);
    const size_t n = static_cast<size_t>(count);
    fvec x = to_float(rng.vec(n)), b = to_float(rng.vec(n));
    fvec mask(n), y(n), mask_ref(n), y_ref(n);
    ac::ref::dropout_forward<float>(count, x.data(), mask_ref.data(), y_ref.data(), 0.3f, 42, 1001);
    fast.dropout_forward(count, x.data(), mask.data(), y.data(), 0.3f, 42, 1001);
    CHECK(mask == mask_ref);  // same Philox stream, whatever the thread split
    CHECK(y == y_ref);
    fvec sum(n), sum_ref(n), prod(n), prod_ref(n);
    ac::ref::add<float>(count, x.data(), b.data(), sum_ref.data());
    ac::ref::mul<float>(count, x.data(), b.data(), prod_ref.data());
    fast.add(count, x.data(), b.data(), sum.data());
    fast.mul(count, x.data(), b.data(), prod.data());
    CHECK(sum == sum_ref);
    CHECK(prod == prod_ref);
  }
}
