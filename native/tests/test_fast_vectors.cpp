// Fast CPU losses, argmax, per-sample vector ops, image ops, optimisers and fills against
// the reference kernels. Tolerances: 1e-5 relative to max |ref| for losses and reductions
// against reference<double>; exact equality against reference<float> where the fast
// backend runs the same per-element code on a thread split (argmax, quantize8, fills).
#include <cmath>
#include <limits>

#include "cpu/fast_backend.h"
#include "cpu/reference.h"
#include "test_util.h"

using namespace testutil;
using ac::Loss;

namespace {
constexpr double kTol = 1e-5;
}

TEST(fast_losses_and_argmax_match_reference) {
  ac::CpuFastBackend fast(3);
  for (auto [n, k] : {std::pair<int64_t, int64_t>{1, 10}, std::pair<int64_t, int64_t>{70, 10},
                      std::pair<int64_t, int64_t>{3000, 10}, std::pair<int64_t, int64_t>{5, 2}}) {
    Rng rng(static_cast<uint64_t>(n * k));
    fvec z = to_float(rng.vec(static_cast<size_t>(n * k), -5, 5));
    auto labels = rng.labels(static_cast<size_t>(n), static_cast<int32_t>(k));
    for (auto [kind, param] : {std::pair{Loss::CrossEntropy, 0.0f}, std::pair{Loss::CrossEntropy, 0.1f},
                               std::pair{Loss::LogProbMargin, 0.0f}, std::pair{Loss::CwMargin, 0.5f}}) {
      dvec loss_ref(static_cast<size_t>(n)), d_ref(z.size());
      ac::ref::loss_forward_backward<double>(kind, param, n, k, to_double(z).data(), labels.data(),
                                             loss_ref.data(), d_ref.data());
      fvec loss(loss_ref.size()), d(z.size());
      fast.loss_forward_backward(kind, param, n, k, z.data(), labels.data(), loss.data(), d.data());
      CHECK_CLOSE(loss, loss_ref, kTol);
      CHECK_CLOSE(d, d_ref, kTol);
      fvec loss_only(loss.size());
      fast.loss_forward_backward(kind, param, n, k, z.data(), labels.data(), loss_only.data(), nullptr);
      CHECK(loss_only == loss);
    }
    std::vector<int32_t> pred(static_cast<size_t>(n)), pred_ref(pred.size());
    ac::ref::argmax<float>(n, k, z.data(), pred_ref.data());
    fast.argmax(n, k, z.data(), pred.data());
    CHECK(pred == pred_ref);
  }
}

TEST(fast_per_sample_ops_match_reference) {
  ac::CpuFastBackend fast(3);
  for (auto [n, d] : {std::pair<int64_t, int64_t>{1, 3072}, std::pair<int64_t, int64_t>{70, 784},
                      std::pair<int64_t, int64_t>{129, 7}}) {
    Rng rng(static_cast<uint64_t>(n + d));
    const size_t nd = static_cast<size_t>(n * d), nn = static_cast<size_t>(n);
    fvec a = to_float(rng.vec(nd)), b = to_float(rng.vec(nd)), alpha = to_float(rng.vec(nn, -2, 2));
    dvec ad = to_double(a), bd = to_double(b), alphad = to_double(alpha);
    dvec ref(nn);
    fvec out(nn);
    ac::ref::batch_l2_norm<double>(n, d, ad.data(), ref.data());
    fast.batch_l2_norm(n, d, a.data(), out.data());
    CHECK_CLOSE(out, ref, kTol);
    ac::ref::batch_linf_norm<double>(n, d, ad.data(), ref.data());
    fast.batch_linf_norm(n, d, a.data(), out.data());
    CHECK_CLOSE(out, ref, 0.0);  // a max is exact
    ac::ref::batch_dot<double>(n, d, ad.data(), bd.data(), ref.data());
    fast.batch_dot(n, d, a.data(), b.data(), out.data());
    CHECK_CLOSE(out, ref, kTol);

    dvec y_ref = bd;
    fvec y = b;
    ac::ref::batch_axpy<double>(n, d, alphad.data(), ad.data(), y_ref.data());
    fast.batch_axpy(n, d, alpha.data(), a.data(), y.data());
    CHECK_CLOSE(y, y_ref, 1e-6);
    y_ref = bd;
    y = b;
    ac::ref::batch_scale<double>(n, d, alphad.data(), y_ref.data());
    fast.batch_scale(n, d, alpha.data(), y.data());
    CHECK_CLOSE(y, y_ref, 1e-6);

    // Projections of b around center a: radii that cut some samples and spare others.
    fvec eps = to_float(rng.vec(nn, 0.0, 2.0 * std::sqrt(static_cast<double>(d)) / 3));
    dvec epsd = to_double(eps);
    y_ref = bd;
    y = b;
    ac::ref::project_l2<double>(n, d, ad.data(), epsd.data(), y_ref.data());
    fast.project_l2(n, d, a.data(), eps.data(), y.data());
    CHECK_CLOSE(y, y_ref, 1e-6);
    fvec eps_inf = to_float(rng.vec(nn, 0.0, 1.0));
    y_ref = bd;
    y = b;
    ac::ref::project_linf<double>(n, d, ad.data(), to_double(eps_inf).data(), y_ref.data());
    fast.project_linf(n, d, a.data(), eps_inf.data(), y.data());
    CHECK_CLOSE(y, y_ref, 1e-6);
  }
}

TEST(fast_image_ops_and_optimisers_match_reference) {
  ac::CpuFastBackend fast(3);
  for (int64_t count : {int64_t{9}, int64_t{200003}}) {
    Rng rng(static_cast<uint64_t>(count) + 77);
    const size_t n = static_cast<size_t>(count);
    fvec x = to_float(rng.vec(n, -0.5, 1.5));
    fvec clipped = x, clipped_ref = x, quant = x, quant_ref = x;
    ac::ref::clip01<float>(count, clipped_ref.data());
    fast.clip01(count, clipped.data());
    CHECK(clipped == clipped_ref);
    ac::ref::quantize8<float>(count, quant_ref.data());
    fast.quantize8(count, quant.data());
    CHECK(quant == quant_ref);

    fvec p = to_float(rng.vec(n)), g = to_float(rng.vec(n)), m = to_float(rng.vec(n, -0.1, 0.1)),
         v = to_float(rng.vec(n, 0.0, 0.01));
    dvec pd = to_double(p), md = to_double(m), vd = to_double(v);
    // The reference gets the float-rounded hyperparameters: 1 - 0.999f differs from
    // 1 - 0.999 by 5e-5 relative, which would swamp the comparison.
    auto f = [](double value) { return static_cast<double>(static_cast<float>(value)); };
    for (int64_t step = 1; step <= 3; ++step) {
      ac::ref::adam_update<double>(count, pd.data(), to_double(g).data(), md.data(), vd.data(),
                                   f(1e-3), f(0.9), f(0.999), f(1e-8), f(1e-4), step);
      fast.adam_update(count, p.data(), g.data(), m.data(), v.data(), 1e-3f, 0.9f, 0.999f, 1e-8f,
                       1e-4f, step);
    }
    CHECK_CLOSE(p, pd, 1e-6);
    CHECK_CLOSE(m, md, 1e-6);
    CHECK_CLOSE(v, vd, 1e-6);
    fvec vel(n, 0.0f);
    dvec veld(n, 0.0);
    for (bool nesterov : {false, true})
      for (int step = 0; step < 3; ++step) {
        ac::ref::sgd_update<double>(count, pd.data(), to_double(g).data(), veld.data(), f(0.1),
                                    f(0.9), f(5e-4), nesterov);
        fast.sgd_update(count, p.data(), g.data(), vel.data(), 0.1f, 0.9f, 5e-4f, nesterov);
      }
    CHECK_CLOSE(p, pd, 1e-6);
    CHECK_CLOSE(vel, veld, 1e-6);
  }
}

TEST(fast_fills_and_finite_check_match_reference) {
  ac::CpuFastBackend fast(3);
  for (int64_t count : {int64_t{7}, int64_t{100001}}) {
    const size_t n = static_cast<size_t>(count);
    fvec u(n), u_ref(n), g(n), g_ref(n);
    ac::ref::fill_uniform<float>(u_ref.data(), count, -2.0f, 3.0f, 1234, 99);
    fast.fill_uniform(u.data(), count, -2.0f, 3.0f, 1234, 99);
    CHECK(u == u_ref);  // bit-identical whatever the thread split
    ac::ref::fill_normal<float>(g_ref.data(), count, 0.5f, 2.0f, 1234, 99);
    fast.fill_normal(g.data(), count, 0.5f, 2.0f, 1234, 99);
    CHECK(g == g_ref);
    fast.fill(u.data(), count, 0.25f);
    CHECK(u == fvec(n, 0.25f));
    CHECK(fast.all_finite(u.data(), count));
    u[n - 1] = std::numeric_limits<float>::quiet_NaN();
    CHECK(!fast.all_finite(u.data(), count));
    u[n - 1] = -std::numeric_limits<float>::infinity();
    CHECK(!fast.all_finite(u.data(), count));
    u[n - 1] = std::numeric_limits<float>::max();
    CHECK(fast.all_finite(u.data(), count));
  }
}
