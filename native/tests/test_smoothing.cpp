// Graph-Laplacian smoothing through the C ABI on both CPU backends (reference and fast):
// the stencil against W' built directly from eq. 4.1, CG against a float64 dense Cholesky
// solve (random small images and a 28x28 digit-like image), fast against reference, the
// per-system iteration counts, the adjoint identity, warm starts, no host transfers per
// solve, and every refused parameter. CUDA parity: cuda_smoothing_parity.cpp.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "smoothing_util.h"

using namespace testutil;
using namespace smoothing_test;

namespace {

const uint32_t kBackends[2] = {AC_CONTEXT_REFERENCE_KERNELS, 0};
const char* backend_name(uint32_t flags) { return flags ? "reference" : "fast"; }

bool last_error_mentions(const char* text) { return std::strstr(ac_last_error(), text) != nullptr; }

// Relative max error of a float result against a float64 one: max |got - want| / max |want|.
double rel_max_error(const fvec& got, const dvec& want) {
  double err = 0, scale = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    err = std::max(err, std::abs(static_cast<double>(got[i]) - want[i]));
    scale = std::max(scale, std::abs(want[i]));
  }
  return err / scale;
}

}  // namespace

TEST(smoothing_stencil_matches_eq_4_1_on_random_images) {
  Rng rng(11);
  struct Case {
    int64_t n, c, h, w;
    int k, kernel;
    float sf, ss;
  };
  const Case cases[] = {
      {2, 1, 5, 7, 4, AC_FEATURE_KERNEL_LAPLACIAN, 0.1f, 1.0f},
      {2, 3, 7, 5, 4, AC_FEATURE_KERNEL_GAUSSIAN, 0.2f, 1.0f},
      {1, 1, 9, 3, 8, AC_FEATURE_KERNEL_GAUSSIAN, 0.15f, 0.7f},
      {3, 3, 6, 9, 8, AC_FEATURE_KERNEL_LAPLACIAN, 0.3f, 1.5f},
      {1, 1, 1, 5, 4, AC_FEATURE_KERNEL_LAPLACIAN, 0.1f, 1.0f},  // a single row
  };
  for (uint32_t flags : kBackends) {
    Ctx ctx(AC_DEVICE_CPU, flags);
    for (const Case& cs : cases) {
      fvec x = random_images(rng, cs.n, cs.c, cs.h, cs.w);
      Tensor images(ctx.ctx, {cs.n, cs.c, cs.h, cs.w}, x);
      ac_smoothing_params p = params(cs.k, cs.kernel);
      p.sigma_feature = cs.sf;
      p.sigma_spatial = cs.ss;
      Graph g(ctx.ctx, images.t, p);
      CHECK_STATUS(g.status, AC_OK);
      if (!g.g) continue;
      Tensor weights(ctx.ctx, {cs.n, cs.k, cs.h, cs.w});
      CHECK_STATUS(ac_smoothing_graph_weights(ctx.ctx, g.g, weights.t), AC_OK);
      const fvec got = weights.read();
      const int64_t hw = cs.h * cs.w;
      for (int64_t img = 0; img < cs.n; ++img) {
        const dvec Wn = dense_normalized(x, img, cs.c, cs.h, cs.w, cs.k, cs.kernel, cs.sf, cs.ss);
        double max_err = 0, scale = 0;
        bool outside_zero = true, symmetric = true;
        for (int64_t i = 0; i < hw; ++i)
          for (int s = 0; s < cs.k; ++s) {
            static const int dy[8] = {-1, 0, 0, 1, -1, -1, 1, 1}, dx[8] = {0, -1, 1, 0, -1, 1, -1, 1};
            const int64_t ny = i / cs.w + dy[s], nx = i % cs.w + dx[s];
            const float v = got[static_cast<size_t>((img * cs.k + s) * hw + i)];
            if (ny < 0 || ny >= cs.h || nx < 0 || nx >= cs.w) {
              outside_zero = outside_zero && v == 0.0f;
              continue;
            }
            const int64_t j = ny * cs.w + nx;
            const double want = Wn[static_cast<size_t>(i * hw + j)];
            max_err = std::max(max_err, std::abs(v - want));
            scale = std::max(scale, want);
            // slot s of i and the opposite slot of j are the same edge
            const int opp = s < 4 ? 3 - s : 11 - s;
            symmetric = symmetric && v == got[static_cast<size_t>((img * cs.k + opp) * hw + j)];
          }
        CHECK_MSG(max_err <= 1e-6 * scale, "%s %lldx%lldx%lldx%lld k=%d kernel=%d: max error %.3g (scale %.3g)",
                  backend_name(flags), static_cast<long long>(cs.n), static_cast<long long>(cs.c),
                  static_cast<long long>(cs.h), static_cast<long long>(cs.w), cs.k, cs.kernel, max_err, scale);
        CHECK(outside_zero);
        CHECK(symmetric);
      }
    }
  }
}

TEST(smoothing_spatial_sigma_cancels_with_4_neighbours_only) {
  Rng rng(12);
  fvec x = random_images(rng, 1, 1, 6, 7);
  auto stencil = [&](int k, float ss) {
    Ctx ctx(AC_DEVICE_CPU, AC_CONTEXT_REFERENCE_KERNELS);
    Tensor images(ctx.ctx, {1, 1, 6, 7}, x);
    ac_smoothing_params p = params(k);
    p.sigma_spatial = ss;
    Graph g(ctx.ctx, images.t, p);
    CHECK_STATUS(g.status, AC_OK);
    Tensor weights(ctx.ctx, {1, k, 6, 7});
    CHECK_STATUS(ac_smoothing_graph_weights(ctx.ctx, g.g, weights.t), AC_OK);
    return weights.read();
  };
  CHECK(stencil(4, 1.0f) == stencil(4, 0.05f));  // exactly: the constant k_s is factored out
  CHECK(stencil(8, 1.0f) != stencil(8, 0.5f));
}

TEST(smoothing_isolated_pixels_when_affinities_underflow) {
  // A checkerboard with sigma_f = 1e-4: every affinity is exp(-10^4) = 0 in double, every
  // degree 0. The guard isolates the pixels: W' = 0, L = I / (1 - alpha), s(1) = 1 - alpha,
  // s_hat = identity, reached in one CG iteration.
  Ctx ctx(AC_DEVICE_CPU, 0);
  fvec x(5 * 5);
  for (size_t i = 0; i < x.size(); ++i) x[i] = (i % 2) ? 1.0f : 0.0f;
  Tensor images(ctx.ctx, {1, 1, 5, 5}, x);
  ac_smoothing_params p = params();
  p.sigma_feature = 1e-4f;
  Graph g(ctx.ctx, images.t, p);
  CHECK_STATUS(g.status, AC_OK);
  Tensor weights(ctx.ctx, {1, 4, 5, 5}), s1(ctx.ctx, {1, 1, 5, 5});
  CHECK_STATUS(ac_smoothing_graph_weights(ctx.ctx, g.g, weights.t), AC_OK);
  CHECK_STATUS(ac_smoothing_graph_ones_response(ctx.ctx, g.g, s1.t), AC_OK);
  for (float v : weights.read()) CHECK(v == 0.0f);
  for (float v : s1.read()) CHECK_NEAR(v, 1.0 - 0.95f, 1e-6);
  Rng rng(3);
  fvec zv = to_float(rng.vec(25));
  Tensor z(ctx.ctx, {1, 1, 5, 5}, zv), r(ctx.ctx, {1, 1, 5, 5});
  CHECK_STATUS(ac_smoothing_smooth(ctx.ctx, g.g, z.t, r.t, 0), AC_OK);
  CHECK_CLOSE(r.read(), zv, 1e-6);
  CHECK(last_report(g.g, 1).iterations[0] == 1);
}

TEST(smoothing_cg_matches_dense_float64_solve_on_random_images) {
  Rng rng(21);
  struct Case {
    int64_t n, c, h, w;
    int k, kernel;
  };
  const Case cases[] = {{2, 1, 7, 9, 4, 0}, {1, 3, 9, 7, 8, 1}, {2, 3, 5, 11, 4, 1}, {1, 1, 11, 5, 8, 0}};
  for (uint32_t flags : kBackends) {
    Ctx ctx(AC_DEVICE_CPU, flags);
    for (const Case& cs : cases) {
      const int64_t hw = cs.h * cs.w;
      fvec x = random_images(rng, cs.n, cs.c, cs.h, cs.w);
      fvec bv = to_float(rng.vec(static_cast<size_t>(cs.n * cs.c * hw)));
      Tensor images(ctx.ctx, {cs.n, cs.c, cs.h, cs.w}, x);
      Graph g(ctx.ctx, images.t, params(cs.k, cs.kernel, 1e-6f, 200));
      CHECK_STATUS(g.status, AC_OK);
      Tensor b(ctx.ctx, {cs.n, cs.c, cs.h, cs.w}, bv), sol(ctx.ctx, {cs.n, cs.c, cs.h, cs.w});
      CHECK_STATUS(ac_smoothing_solve(ctx.ctx, g.g, b.t, sol.t, 0), AC_OK);
      const fvec got = sol.read();
      Report rep = last_report(g.g, cs.n * cs.c);
      for (int64_t img = 0; img < cs.n; ++img) {
        const dvec Wn = dense_normalized(x, img, cs.c, cs.h, cs.w, cs.k, cs.kernel, 0.1, 1.0);
        dvec rhs(bv.begin() + img * cs.c * hw, bv.begin() + (img + 1) * cs.c * hw);
        const dvec want = dense_solve(Wn, hw, 0.95f, rhs);
        const fvec part(got.begin() + img * cs.c * hw, got.begin() + (img + 1) * cs.c * hw);
        const double err = rel_max_error(part, want);
        CHECK_MSG(err <= 1e-5, "%s image %lld (%lldx%lld, k=%d): relative max error %.3g",
                  backend_name(flags), static_cast<long long>(img), static_cast<long long>(cs.h),
                  static_cast<long long>(cs.w), cs.k, err);
      }
      for (int64_t s = 0; s < cs.n * cs.c; ++s) {
        CHECK(rep.residuals[static_cast<size_t>(s)] <= 1e-6f);
        CHECK(rep.iterations[static_cast<size_t>(s)] >= 1 && rep.iterations[static_cast<size_t>(s)] < 200);
      }
    }
  }
}

TEST(smoothing_cg_matches_dense_float64_solve_on_a_28x28_digit) {
  // Default options (tolerance 1e-5, 50 iterations) and a tighter solve, for s_alpha, s(1),
  // s_hat and its adjoint, against the dense float64 operator.
  const fvec x = digit_image();
  const int64_t hw = 28 * 28;
  const dvec Wn = dense_normalized(x, 0, 1, 28, 28, 4, 0, 0.1, 1.0);
  Rng rng(22);
  const fvec zv = to_float(rng.vec(static_cast<size_t>(hw)));
  const dvec zd(zv.begin(), zv.end());
  const dvec s_z = dense_solve(Wn, hw, 0.95f, zd);
  const dvec s_1 = dense_solve(Wn, hw, 0.95f, dvec(static_cast<size_t>(hw), 1.0));
  dvec shat(static_cast<size_t>(hw)), adj_rhs(static_cast<size_t>(hw));
  for (int64_t i = 0; i < hw; ++i) {
    shat[static_cast<size_t>(i)] = s_z[static_cast<size_t>(i)] / s_1[static_cast<size_t>(i)];
    adj_rhs[static_cast<size_t>(i)] = zd[static_cast<size_t>(i)] / s_1[static_cast<size_t>(i)];
  }
  const dvec adj = dense_solve(Wn, hw, 0.95f, adj_rhs);
  for (uint32_t flags : kBackends) {
    for (float tol : {1e-5f, 1e-6f}) {
      Ctx ctx(AC_DEVICE_CPU, flags);
      Tensor images(ctx.ctx, {1, 1, 28, 28}, x);
      Graph g(ctx.ctx, images.t, params(4, 0, tol, tol < 1e-5f ? 200 : 50));
      CHECK_STATUS(g.status, AC_OK);
      Tensor z(ctx.ctx, {1, 1, 28, 28}, zv), out(ctx.ctx, {1, 1, 28, 28}), s1(ctx.ctx, {1, 1, 28, 28});
      CHECK_STATUS(ac_smoothing_graph_ones_response(ctx.ctx, g.g, s1.t), AC_OK);
      // With tolerance t the error is at most ||L^-1|| t ||b|| <= t ||b|| (the eigenvalues of
      // L_alpha are >= 1); measured relative to max |x| this allows a few t.
      const double limit = tol < 1e-5f ? 1e-5 : 5e-5;
      double e1 = rel_max_error(s1.read(), s_1);
      CHECK_MSG(e1 <= limit, "%s tol %g: s(1) error %.3g", backend_name(flags), static_cast<double>(tol), e1);
      CHECK_STATUS(ac_smoothing_solve(ctx.ctx, g.g, z.t, out.t, 0), AC_OK);
      double e2 = rel_max_error(out.read(), s_z);
      CHECK_MSG(e2 <= limit, "%s tol %g: s_alpha(z) error %.3g", backend_name(flags), static_cast<double>(tol), e2);
      Report rep = last_report(g.g, 1);
      CHECK_MSG(rep.residuals[0] <= tol, "residual %.3g", static_cast<double>(rep.residuals[0]));
      CHECK_MSG(rep.iterations[0] < 50, "%d iterations", rep.iterations[0]);
      CHECK_STATUS(ac_smoothing_smooth(ctx.ctx, g.g, z.t, out.t, 0), AC_OK);
      double e3 = rel_max_error(out.read(), shat);
      CHECK_MSG(e3 <= limit, "%s tol %g: s_hat(z) error %.3g", backend_name(flags), static_cast<double>(tol), e3);
      CHECK_STATUS(ac_smoothing_smooth_adjoint(ctx.ctx, g.g, z.t, out.t, 0), AC_OK);
      double e4 = rel_max_error(out.read(), adj);
      CHECK_MSG(e4 <= limit, "%s tol %g: adjoint error %.3g", backend_name(flags), static_cast<double>(tol), e4);
    }
  }
}

TEST(smoothing_fast_matches_reference) {
  Rng rng(31);
  for (int k : {4, 8}) {
    const int64_t n = 5, c = 3, h = 13, w = 11, count = n * c * h * w;
    fvec x = random_images(rng, n, c, h, w);
    fvec zv = to_float(rng.vec(static_cast<size_t>(count)));
    fvec warm = to_float(rng.vec(static_cast<size_t>(count)));
    Ctx ref(AC_DEVICE_CPU, AC_CONTEXT_REFERENCE_KERNELS), fast(AC_DEVICE_CPU, 0, 3);
    const auto p = params(k, 0, 1e-5f, 60);
    Results a = run_all(ref.ctx, x, zv, warm, n, c, h, w, p), b = run_all(fast.ctx, x, zv, warm, n, c, h, w, p);
    CHECK(a.weights == b.weights);  // the fast build runs the reference per image
    CHECK_CLOSE(b.s1, a.s1, 1e-5);
    CHECK_CLOSE(b.solve, a.solve, 1e-5);
    CHECK_CLOSE(b.smooth, a.smooth, 1e-5);
    CHECK_CLOSE(b.adjoint, a.adjoint, 1e-5);
    CHECK_CLOSE(b.apply, a.apply, 1e-6);
    CHECK_CLOSE(b.warm_smooth, a.warm_smooth, 1e-5);
    CHECK_CLOSE(b.warm_adjoint, a.warm_adjoint, 1e-5);
    for (size_t s = 0; s < a.rep.iterations.size(); ++s) {
      CHECK_MSG(std::abs(a.rep.iterations[s] - b.rep.iterations[s]) <= 1, "system %zu: %d vs %d iterations",
                s, a.rep.iterations[s], b.rep.iterations[s]);
      CHECK(b.rep.residuals[s] <= 1e-5f && a.rep.residuals[s] <= 1e-5f);
    }
    for (size_t s = 0; s < a.ones.iterations.size(); ++s)
      CHECK(std::abs(a.ones.iterations[s] - b.ones.iterations[s]) <= 1);
  }
}

TEST(smoothing_iterations_per_system) {
  // One batch, three kinds of system: b = 0 (0 iterations, x = 0 even from a warm start),
  // an isolated-pixel image (L is a multiple of I: 1 iteration), ordinary ones (many). With
  // tolerance 0 every non-zero system runs to the cap. sigma_f = 1e-4 isolates the pixels
  // of image 0 (a checkerboard); image 1 is flat and image 2 two flat halves, so they stay
  // connected (within each half).
  Rng rng(41);
  const int64_t n = 3, c = 2, h = 9, w = 7, hw = h * w;
  fvec x(static_cast<size_t>(n * c * hw));
  for (int64_t ch = 0; ch < c; ++ch)
    for (int64_t i = 0; i < hw; ++i) {
      x[static_cast<size_t>(ch * hw + i)] = (i % 2) ? 1.0f : 0.0f;
      x[static_cast<size_t>((c + ch) * hw + i)] = 0.3f;
      x[static_cast<size_t>((2 * c + ch) * hw + i)] = i % w < 3 ? 0.2f : 0.8f;
    }
  fvec bv = to_float(rng.vec(static_cast<size_t>(n * c * hw)));
  for (int64_t i = 0; i < hw; ++i) bv[static_cast<size_t>(2 * c * hw + i)] = 0.0f;  // image 2, channel 0: b = 0
  for (uint32_t flags : kBackends) {
    Ctx ctx(AC_DEVICE_CPU, flags);
    Tensor images(ctx.ctx, {n, c, h, w}, x);
    ac_smoothing_params p = params(4, 0, 1e-5f, 50);
    p.sigma_feature = 1e-4f;
    Graph g(ctx.ctx, images.t, p);
    CHECK_STATUS(g.status, AC_OK);
    Tensor b(ctx.ctx, {n, c, h, w}, bv), sol(ctx.ctx, {n, c, h, w}, to_float(rng.vec(static_cast<size_t>(n * c * hw))));
    CHECK_STATUS(ac_smoothing_solve(ctx.ctx, g.g, b.t, sol.t, 1), AC_OK);
    Report rep = last_report(g.g, n * c);
    const fvec got = sol.read();
    CHECK(rep.iterations[4] == 0);
    CHECK(rep.residuals[4] == 0.0f);
    for (int64_t i = 0; i < hw; ++i) CHECK(got[static_cast<size_t>(4 * hw + i)] == 0.0f);
    CHECK(rep.iterations[0] == 1 && rep.iterations[1] == 1);
    CHECK_MSG(rep.iterations[2] > 5 && rep.iterations[5] > 5, "%d %d", rep.iterations[2], rep.iterations[5]);
    for (int s = 0; s < n * c; ++s) CHECK(rep.residuals[static_cast<size_t>(s)] <= 1e-5f);

    Graph capped(ctx.ctx, images.t, params(4, 0, 0.0f, 3));
    CHECK_STATUS(capped.status, AC_OK);
    CHECK_STATUS(ac_smoothing_solve(ctx.ctx, capped.g, b.t, sol.t, 0), AC_OK);
    rep = last_report(capped.g, n * c);
    CHECK(rep.iterations[4] == 0);
    for (int s : {0, 1, 2, 3, 5}) {
      CHECK(rep.iterations[static_cast<size_t>(s)] == 3);
      CHECK(rep.residuals[static_cast<size_t>(s)] > 1e-3f);  // 3 iterations are not enough
    }
  }
}

TEST(smoothing_adjoint_identity_and_normalisation) {
  // <s_hat(z), y> = <z, s_hat^T(y)>, and s_hat(1) = 1 (the row normalisation of eq. 4.5).
  Rng rng(51);
  const int64_t n = 3, c = 3, h = 10, w = 9, count = n * c * h * w;
  for (uint32_t flags : kBackends) {
    for (int k : {4, 8}) {
      Ctx ctx(AC_DEVICE_CPU, flags);
      Tensor images(ctx.ctx, {n, c, h, w}, random_images(rng, n, c, h, w));
      Graph g(ctx.ctx, images.t, params(k, 1, 1e-7f, 300));
      CHECK_STATUS(g.status, AC_OK);
      const fvec zv = to_float(rng.vec(static_cast<size_t>(count)));
      const fvec yv = to_float(rng.vec(static_cast<size_t>(count)));
      Tensor z(ctx.ctx, {n, c, h, w}, zv), y(ctx.ctx, {n, c, h, w}, yv), sz(ctx.ctx, {n, c, h, w}),
          sty(ctx.ctx, {n, c, h, w});
      CHECK_STATUS(ac_smoothing_smooth(ctx.ctx, g.g, z.t, sz.t, 0), AC_OK);
      CHECK_STATUS(ac_smoothing_smooth_adjoint(ctx.ctx, g.g, y.t, sty.t, 0), AC_OK);
      // per image and channel, so that one wrong system cannot hide in a sum
      const int64_t hw = h * w;
      for (int64_t s = 0; s < n * c; ++s) {
        auto slice = [&](const fvec& v) { return fvec(v.begin() + s * hw, v.begin() + (s + 1) * hw); };
        const double lhs = dot(slice(sz.read()), slice(yv)), rhs = dot(slice(zv), slice(sty.read()));
        const double scale = std::sqrt(dot(slice(zv), slice(zv)) * dot(slice(yv), slice(yv)));
        CHECK_MSG(std::abs(lhs - rhs) <= 1e-5 * scale, "%s k=%d system %lld: %.9g vs %.9g",
                  backend_name(flags), k, static_cast<long long>(s), lhs, rhs);
      }
      Tensor ones(ctx.ctx, {n, c, h, w}, fvec(static_cast<size_t>(count), 1.0f));
      CHECK_STATUS(ac_smoothing_smooth(ctx.ctx, g.g, ones.t, sz.t, 0), AC_OK);
      CHECK_CLOSE(sz.read(), fvec(static_cast<size_t>(count), 1.0f), 1e-5);
    }
  }
}

TEST(smoothing_warm_start_same_answer_fewer_iterations) {
  Rng rng(61);
  const int64_t n = 2, c = 1, h = 28, w = 28, count = n * c * h * w;
  fvec x = digit_image();
  const fvec turned(x.rbegin(), x.rend());  // image 1: the digit turned by 180 degrees
  x.insert(x.end(), turned.begin(), turned.end());
  for (uint32_t flags : kBackends) {
    Ctx ctx(AC_DEVICE_CPU, flags);
    Tensor images(ctx.ctx, {n, c, h, w}, x);
    Graph g(ctx.ctx, images.t, params());
    CHECK_STATUS(g.status, AC_OK);
    fvec zv = to_float(rng.vec(static_cast<size_t>(count)));
    Tensor z(ctx.ctx, {n, c, h, w}, zv), cold(ctx.ctx, {n, c, h, w}), r(ctx.ctx, {n, c, h, w});
    CHECK_STATUS(ac_smoothing_smooth(ctx.ctx, g.g, z.t, r.t, 0), AC_OK);
    // From the exact answer: 0 iterations, unchanged output.
    const fvec first = r.read();
    CHECK_STATUS(ac_smoothing_smooth(ctx.ctx, g.g, z.t, r.t, 1), AC_OK);
    Report rep = last_report(g.g, n * c);
    CHECK(rep.iterations[0] == 0 && rep.iterations[1] == 0);
    CHECK_CLOSE(r.read(), first, 1e-6);
    // z moves a little (as between attack iterations): warm from the old r is faster.
    for (auto& v : zv) v += static_cast<float>(rng.uniform(-0.01, 0.01));
    z.write(zv);
    CHECK_STATUS(ac_smoothing_smooth(ctx.ctx, g.g, z.t, cold.t, 0), AC_OK);
    Report cold_rep = last_report(g.g, n * c);
    CHECK_STATUS(ac_smoothing_smooth(ctx.ctx, g.g, z.t, r.t, 1), AC_OK);
    Report warm_rep = last_report(g.g, n * c);
    CHECK_CLOSE(r.read(), cold.read(), 5e-5);
    for (int s = 0; s < 2; ++s)
      CHECK_MSG(warm_rep.iterations[s] < cold_rep.iterations[s], "system %d: warm %d, cold %d", s,
                warm_rep.iterations[s], cold_rep.iterations[s]);
  }
}

TEST(smoothing_solves_make_no_host_transfer) {
  Rng rng(71);
  for (uint32_t flags : kBackends) {
    Ctx ctx(AC_DEVICE_CPU, flags);
    Tensor images(ctx.ctx, {2, 1, 8, 8}, random_images(rng, 2, 1, 8, 8));
    Graph g(ctx.ctx, images.t, params());
    Tensor z(ctx.ctx, {2, 1, 8, 8}, to_float(rng.vec(128))), r(ctx.ctx, {2, 1, 8, 8});
    CHECK_STATUS(ac_context_reset_transfer_counts(ctx.ctx), AC_OK);
    for (int i = 0; i < 3; ++i) {
      CHECK_STATUS(ac_smoothing_smooth(ctx.ctx, g.g, z.t, r.t, i > 0), AC_OK);
      CHECK_STATUS(ac_smoothing_smooth_adjoint(ctx.ctx, g.g, z.t, r.t, 0), AC_OK);
      CHECK_STATUS(ac_smoothing_solve(ctx.ctx, g.g, z.t, r.t, 1), AC_OK);
    }
    ac_transfer_counts counts{};
    CHECK_STATUS(ac_context_transfer_counts(ctx.ctx, &counts), AC_OK);
    CHECK(counts.host_to_device == 0 && counts.device_to_host == 0 && counts.synchronizations == 0);
    last_report(g.g, 2);
    CHECK_STATUS(ac_context_transfer_counts(ctx.ctx, &counts), AC_OK);
    CHECK(counts.device_to_host == 2);  // the report: iterations and residuals
  }
}

TEST(smoothing_rejects_bad_parameters_and_shapes) {
  Ctx ctx(AC_DEVICE_CPU, 0), other(AC_DEVICE_CPU, 0);
  Rng rng(81);
  Tensor images(ctx.ctx, {2, 3, 6, 5}, random_images(rng, 2, 3, 6, 5));
  struct Bad {
    void (*edit)(ac_smoothing_params&);
    const char* message;
  };
  const Bad bad[] = {
      {[](ac_smoothing_params& p) { p.alpha = 0.0f; }, "alpha must be in (0, 1)"},
      {[](ac_smoothing_params& p) { p.alpha = 1.0f; }, "alpha must be in (0, 1)"},
      {[](ac_smoothing_params& p) { p.alpha = NAN; }, "alpha must be in (0, 1)"},
      {[](ac_smoothing_params& p) { p.alpha = -0.5f; }, "alpha must be in (0, 1)"},
      {[](ac_smoothing_params& p) { p.sigma_feature = 0.0f; }, "sigma_feature must be a finite number > 0"},
      {[](ac_smoothing_params& p) { p.sigma_feature = -1.0f; }, "sigma_feature must be a finite number > 0"},
      {[](ac_smoothing_params& p) { p.sigma_feature = INFINITY; }, "sigma_feature must be a finite number > 0"},
      {[](ac_smoothing_params& p) { p.sigma_spatial = 0.0f; }, "sigma_spatial must be a finite number > 0"},
      {[](ac_smoothing_params& p) { p.sigma_spatial = NAN; }, "sigma_spatial must be a finite number > 0"},
      {[](ac_smoothing_params& p) { p.neighbours = 6; }, "neighbours must be 4 or 8 (got 6)"},
      {[](ac_smoothing_params& p) { p.kernel = 2; }, "kernel must be 0 (Laplacian) or 1 (Gaussian)"},
      {[](ac_smoothing_params& p) { p.tolerance = -1e-3f; }, "tolerance must be a finite number >= 0"},
      {[](ac_smoothing_params& p) { p.tolerance = NAN; }, "tolerance must be a finite number >= 0"},
      {[](ac_smoothing_params& p) { p.max_iterations = 0; }, "max_iterations must be >= 1 (got 0)"},
  };
  for (const Bad& b : bad) {
    ac_smoothing_params p = params();
    b.edit(p);
    ac_smoothing_graph* g = reinterpret_cast<ac_smoothing_graph*>(1);
    CHECK_STATUS(ac_smoothing_graph_create(ctx.ctx, images.t, &p, &g), AC_ERR_INVALID_ARGUMENT);
    CHECK_MSG(last_error_mentions(b.message), "'%s' not in '%s'", b.message, ac_last_error());
    CHECK(g == nullptr);
  }
  ac_smoothing_params p = params();
  ac_smoothing_graph* g = nullptr;
  CHECK_STATUS(ac_smoothing_graph_create(ctx.ctx, images.t, nullptr, &g), AC_ERR_INVALID_ARGUMENT);
  // non-finite pixels, wrong rank
  fvec nan_image = random_images(rng, 2, 3, 6, 5);
  nan_image[17] = NAN;
  Tensor nan_images(ctx.ctx, {2, 3, 6, 5}, nan_image);
  CHECK_STATUS(ac_smoothing_graph_create(ctx.ctx, nan_images.t, &p, &g), AC_ERR_NON_FINITE);
  CHECK(last_error_mentions("images hold NaN or infinity"));
  nan_image[17] = INFINITY;
  nan_images.write(nan_image);
  CHECK_STATUS(ac_smoothing_graph_create(ctx.ctx, nan_images.t, &p, &g), AC_ERR_NON_FINITE);
  Tensor flat(ctx.ctx, {2, 90});
  CHECK_STATUS(ac_smoothing_graph_create(ctx.ctx, flat.t, &p, &g), AC_ERR_SHAPE);
  CHECK(last_error_mentions("images has 2 dims"));
  CHECK_STATUS(ac_smoothing_graph_create(other.ctx, images.t, &p, &g), AC_ERR_INVALID_ARGUMENT);

  Graph graph(ctx.ctx, images.t, p);
  CHECK_STATUS(graph.status, AC_OK);
  int64_t shape[4] = {0, 0, 0, 0};
  CHECK_STATUS(ac_smoothing_graph_shape(graph.g, shape), AC_OK);
  CHECK(shape[0] == 2 && shape[1] == 3 && shape[2] == 6 && shape[3] == 5);
  int32_t its[6];
  float res[6];
  CHECK_STATUS(ac_smoothing_last_report(graph.g, its, res, 6), AC_ERR_INVALID_ARGUMENT);
  CHECK(last_error_mentions("no solve has run"));
  Tensor z(ctx.ctx, {2, 3, 6, 5}, to_float(rng.vec(180))), r(ctx.ctx, {2, 3, 6, 5});
  Tensor wrong(ctx.ctx, {2, 3, 5, 6}), fewer(ctx.ctx, {1, 3, 6, 5}), foreign(other.ctx, {2, 3, 6, 5});
  CHECK_STATUS(ac_smoothing_smooth(ctx.ctx, graph.g, wrong.t, r.t, 0), AC_ERR_SHAPE);
  CHECK(last_error_mentions("smoothing_smooth: z has shape 2x3x5x6, expected the graph's images' shape 2x3x6x5"));
  CHECK_STATUS(ac_smoothing_smooth(ctx.ctx, graph.g, z.t, fewer.t, 0), AC_ERR_SHAPE);
  CHECK(last_error_mentions("r has shape 1x3x6x5"));
  CHECK_STATUS(ac_smoothing_smooth_adjoint(ctx.ctx, graph.g, wrong.t, r.t, 0), AC_ERR_SHAPE);
  CHECK(last_error_mentions("smoothing_smooth_adjoint: g has shape"));
  CHECK_STATUS(ac_smoothing_solve(ctx.ctx, graph.g, z.t, z.t, 0), AC_ERR_INVALID_ARGUMENT);
  CHECK(last_error_mentions("b and x must not share storage"));
  ac_tensor* view = nullptr;
  const int64_t vshape[4] = {2, 3, 6, 5};
  CHECK_STATUS(ac_tensor_view(z.t, 4, vshape, &view), AC_OK);
  CHECK_STATUS(ac_smoothing_smooth(ctx.ctx, graph.g, z.t, view, 0), AC_ERR_INVALID_ARGUMENT);
  CHECK(last_error_mentions("z and r must not share storage"));
  ac_tensor_destroy(view);
  CHECK_STATUS(ac_smoothing_smooth(ctx.ctx, graph.g, foreign.t, r.t, 0), AC_ERR_INVALID_ARGUMENT);
  CHECK(last_error_mentions("belongs to another context"));
  CHECK_STATUS(ac_smoothing_smooth(other.ctx, graph.g, z.t, r.t, 0), AC_ERR_INVALID_ARGUMENT);
  CHECK(last_error_mentions("the graph belongs to another context"));
  CHECK_STATUS(ac_smoothing_smooth(ctx.ctx, graph.g, z.t, r.t, 0), AC_OK);
  CHECK_STATUS(ac_smoothing_last_report(graph.g, its, res, 5), AC_ERR_SHAPE);
  CHECK_STATUS(ac_smoothing_last_report(graph.g, its, nullptr, 6), AC_OK);
  Tensor weights_wrong(ctx.ctx, {2, 8, 6, 5});
  CHECK_STATUS(ac_smoothing_graph_weights(ctx.ctx, graph.g, weights_wrong.t), AC_ERR_SHAPE);
  CHECK_STATUS(ac_smoothing_graph_ones_response(ctx.ctx, graph.g, r.t), AC_ERR_SHAPE);
  // handles
  CHECK_STATUS(ac_smoothing_smooth(ctx.ctx, nullptr, z.t, r.t, 0), AC_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ac_smoothing_graph_destroy(nullptr), AC_OK);
  ac_smoothing_graph* doomed = nullptr;
  CHECK_STATUS(ac_smoothing_graph_create(ctx.ctx, images.t, &p, &doomed), AC_OK);
  CHECK_STATUS(ac_smoothing_graph_destroy(doomed), AC_OK);
  CHECK_STATUS(ac_smoothing_graph_destroy(doomed), AC_ERR_INVALID_ARGUMENT);
  CHECK(last_error_mentions("not live"));
}
