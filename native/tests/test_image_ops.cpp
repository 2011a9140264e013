// Image-space ops on both CPU backends: 8-bit quantisation lands on the grid, rounds half
// to even and is idempotent; clip01 clamps; L2 / L-inf projections land inside the ball,
// leave points already inside untouched, and handle a zero residual and a zero radius.
#include <cmath>

#include "test_backends.h"
#include "test_util.h"

using namespace testutil;

TEST(quantize8_lands_on_grid_and_is_idempotent) {
  for (auto& be : cpu_backends()) {
    Rng rng(301);
    fvec x = to_float(rng.vec(20000, -0.5, 1.5));
    fvec q = x;
    be->quantize8(static_cast<int64_t>(q.size()), q.data());
    for (size_t i = 0; i < q.size(); ++i) {
      double level = static_cast<double>(q[i]) * 255.0;
      CHECK_MSG(std::abs(level - std::nearbyint(level)) < 1e-4 && q[i] >= 0 && q[i] <= 1,
                "q = %.9g is not on the 8-bit grid", static_cast<double>(q[i]));
      double clamped = std::min(std::max(static_cast<double>(x[i]), 0.0), 1.0);
      CHECK_MSG(std::abs(static_cast<double>(q[i]) - clamped) <= 0.5 / 255 + 1e-7,
                "q = %.9g too far from x = %.9g", static_cast<double>(q[i]), static_cast<double>(x[i]));
      if (!(i % 997)) CHECK(i == 0 || q[i] == q[i]);
    }
    fvec again = q;
    be->quantize8(static_cast<int64_t>(again.size()), again.data());
    CHECK(again == q);
    // Exact halves (where 255 x is exactly k + 0.5 in float) round to the even level.
    int halves = 0;
    for (int k = 0; k < 255; ++k) {
      float xk = (static_cast<float>(k) + 0.5f) / 255.0f;
      if (xk * 255.0f != static_cast<float>(k) + 0.5f) continue;
      ++halves;
      float qk = xk;
      be->quantize8(1, &qk);
      int even = k % 2 == 0 ? k : k + 1;
      CHECK_MSG(qk == static_cast<float>(even) / 255.0f, "k = %d: got level %.6f", k,
                static_cast<double>(qk) * 255.0);
    }
    CHECK(halves > 10);
  }
}

TEST(clip01_clamps) {
  for (auto& be : cpu_backends()) {
    fvec x{-1.0f, 0.0f, 0.25f, 1.0f, 7.0f};
    be->clip01(5, x.data());
    CHECK(x == (fvec{0.0f, 0.0f, 0.25f, 1.0f, 1.0f}));
  }
}

TEST(projections_land_inside_the_ball) {
  for (auto& be : cpu_backends()) {
    Rng rng(302);
    const int64_t n = 40, d = 97;
    fvec c = to_float(rng.vec(static_cast<size_t>(n * d), 0, 1)),
         y0 = to_float(rng.vec(static_cast<size_t>(n * d), 0, 1));
    fvec eps = to_float(rng.vec(static_cast<size_t>(n), 0.5, 5.0));  // some samples inside
    eps[0] = 0.0f;                                                   // radius 0: y -> c
    for (int64_t j = 0; j < d; ++j) y0[static_cast<size_t>(d + j)] = c[static_cast<size_t>(d + j)];  // residual 0
    fvec y = y0;
    be->project_l2(n, d, c.data(), eps.data(), y.data());
    int cut = 0, kept = 0;
    for (int64_t i = 0; i < n; ++i) {
      double before = 0, after = 0, cosine = 0;
      for (int64_t j = 0; j < d; ++j) {
        size_t at = static_cast<size_t>(i * d + j);
        double r0 = static_cast<double>(y0[at]) - static_cast<double>(c[at]);
        double r1 = static_cast<double>(y[at]) - static_cast<double>(c[at]);
        before += r0 * r0;
        after += r1 * r1;
        cosine += r0 * r1;
        CHECK(std::isfinite(y[at]));
      }
      before = std::sqrt(before);
      after = std::sqrt(after);
      double radius = static_cast<double>(eps[static_cast<size_t>(i)]);
      CHECK_MSG(after <= radius * (1 + 1e-6) + 1e-7, "sample %lld: |r| %.9g > eps %.9g",
                static_cast<long long>(i), after, radius);
      if (before <= radius) {
        ++kept;
        for (int64_t j = 0; j < d; ++j)
          CHECK(y[static_cast<size_t>(i * d + j)] == y0[static_cast<size_t>(i * d + j)]);
      } else {
        ++cut;
        CHECK_NEAR(after, radius, 1e-5 * radius + 1e-7);  // onto the sphere
        if (after > 0) CHECK_NEAR(cosine / (before * after), 1.0, 1e-6);  // same direction
      }
    }
    CHECK(cut > 3 && kept > 3);

    fvec z = y0;
    fvec eps_inf = to_float(rng.vec(static_cast<size_t>(n), 0.0, 0.5));
    be->project_linf(n, d, c.data(), eps_inf.data(), z.data());
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < d; ++j) {
        size_t at = static_cast<size_t>(i * d + j);
        double e = static_cast<double>(eps_inf[static_cast<size_t>(i)]);
        double r0 = static_cast<double>(y0[at]) - static_cast<double>(c[at]);
        double r1 = static_cast<double>(z[at]) - static_cast<double>(c[at]);
        CHECK(std::abs(r1) <= e * (1 + 1e-6) + 1e-7);
        if (std::abs(r0) <= e) CHECK(z[at] == y0[at]);
      }
  }
}
