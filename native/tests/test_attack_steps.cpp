// Fused attack steps (src/cpu/attack_steps.h, ABI section "fused attack steps"):
//  - each fused step against the composition of the unfused reference primitives (norms,
//    axpy, projections, clip, quantize8, adam_update) or, where no primitive exists, a plain
//    loop written independently here, on random data (never zeros) that mixes adversarial
//    and non-adversarial samples, both BP stages and both OUT/IN cases;
//  - the fast CPU backend (rows over threads) against the reference backend, bit for bit;
//  - geometric properties of BP (eqs. 5.4, 5.9) in float64 away from the box;
//  - the C ABI's validation (shapes, labels, parameters, aliasing).
// Tolerances: composed-vs-fused in float 1e-6 relative to max |want| (FMA contraction may
// differ between the two code paths); quantised outputs may differ by one grid level on at
// most 0.2% of the elements (a rounding tie decided by that last ulp); float64 checks 1e-9.
#include <cstring>
#include <memory>

#include "advcore.h"
#include "core/context.h"
#include "cpu/attack_steps.h"
#include "cpu/fast_backend.h"
#include "cpu/reference.h"
#include "attack_ops.h"
#include "test_util.h"

using namespace testutil;

namespace {

constexpr double kTol = 1e-6;
constexpr double kInfD = std::numeric_limits<double>::infinity();

// A random attack batch: x on the 8-bit grid, y = Q(x + noise), a gradient, distinct logits
// with random labels (so about 90% of rows are "adversarial"; rows listed in `honest` get
// their label's logit raised to the top).
struct Batch {
  int64_t n, d, k;
  fvec x, y, grad, logits;
  std::vector<int32_t> labels;

  Batch(int64_t n_, int64_t d_, int64_t k_, uint64_t seed, double spread = 0.2) : n(n_), d(d_), k(k_) {
    Rng rng(seed);
    x = to_float(rng.vec(static_cast<size_t>(n * d), 0.0, 1.0));
    for (auto& e : x) e = ac::ref::quantize_level(e);
    y = x;
    dvec noise = rng.away_from_zero(static_cast<size_t>(n * d), 0.01, spread);
    for (size_t j = 0; j < y.size(); ++j) y[j] = ac::ref::quantize_level(static_cast<float>(y[j] + noise[j]));
    grad = to_float(rng.away_from_zero(static_cast<size_t>(n * d), 0.01, 1.0));
    logits.resize(static_cast<size_t>(n * k));
    for (int64_t i = 0; i < n; ++i) {
      dvec row = rng.distinct(static_cast<size_t>(k), 0.5);
      for (int64_t c = 0; c < k; ++c) logits[static_cast<size_t>(i * k + c)] = static_cast<float>(row[static_cast<size_t>(c)]);
    }
    labels = rng.labels(static_cast<size_t>(n), static_cast<int32_t>(k));
    // Every other row: make the label the argmax, so about half the rows are not adversarial.
    for (int64_t i = 0; i < n; i += 2) logits[static_cast<size_t>(i * k + labels[static_cast<size_t>(i)])] = 100.0f;
  }
  bool adversarial(int64_t i) const {
    return ac::ref::first_argmax(logits.data() + i * k, k, -1) != labels[static_cast<size_t>(i)];
  }
};

// Quantised outputs: equal within kTol except a few single-level flips.
void check_grid_close(const fvec& got, const fvec& want, const char* what) {
  CHECK(got.size() == want.size());
  size_t flips = 0;
  for (size_t j = 0; j < got.size(); ++j) {
    double e = std::abs(static_cast<double>(got[j]) - static_cast<double>(want[j]));
    if (e <= kTol) continue;
    CHECK_MSG(e <= 1.0 / 255 + kTol, "%s[%zu]: %.9g vs %.9g", what, j, got[j], want[j]);
    ++flips;
  }
  CHECK_MSG(flips <= got.size() / 500 + 1, "%s: %zu of %zu elements differ by a grid level", what, flips, got.size());
}

// Keep best written as a plain loop over the unfused primitives (argmax, l2 norm of y - x).
void keep_best_composed(const Batch& b, const fvec& y, fvec& best_y, fvec& best_norm) {
  fvec diff(y.size()), dist(static_cast<size_t>(b.n));
  for (size_t j = 0; j < y.size(); ++j) diff[j] = y[j] - b.x[j];
  ac::ref::batch_l2_norm(b.n, b.d, diff.data(), dist.data());
  std::vector<int32_t> pred(static_cast<size_t>(b.n));
  ac::ref::argmax(b.n, b.k, b.logits.data(), pred.data());
  for (int64_t i = 0; i < b.n; ++i) {
    size_t ii = static_cast<size_t>(i);
    if (pred[ii] != b.labels[ii] && dist[ii] < best_norm[ii]) {
      best_norm[ii] = dist[ii];
      std::copy(y.begin() + i * b.d, y.begin() + (i + 1) * b.d, best_y.begin() + i * b.d);
    }
  }
}

// Best-tracking state where a third of the rows already hold a small best.
void initial_best(const Batch& b, fvec& best_y, fvec& best_norm) {
  best_y.assign(b.x.size(), 0.5f);
  best_norm.assign(static_cast<size_t>(b.n), std::numeric_limits<float>::infinity());
  for (int64_t i = 0; i < b.n; i += 3) best_norm[static_cast<size_t>(i)] = 0.01f;
}

std::unique_ptr<ac::Backend> reference_backend() { return ac::make_cpu_reference_backend(); }

}  // namespace

// ------------------------------------------------------------------ keep best

TEST(attack_keep_best_matches_plain_loop) {
  Batch b(37, 50, 10, 1);
  fvec best_y, best_norm;
  initial_best(b, best_y, best_norm);
  fvec want_y = best_y, want_norm = best_norm;
  keep_best_composed(b, b.y, want_y, want_norm);
  std::vector<int32_t> adv(static_cast<size_t>(b.n), 7);
  ac::ref::attack_keep_best(rows(b.n, b.d, b.k, b.x.data(), b.y.data(), nullptr, b.logits.data(), b.labels.data(), best_y.data(), best_norm.data()), adv.data());
  CHECK_CLOSE(best_norm, want_norm, kTol);
  CHECK(best_y == want_y);
  int updated = 0;
  for (int64_t i = 0; i < b.n; ++i) {
    CHECK(adv[static_cast<size_t>(i)] == (b.adversarial(i) ? 1 : 0));
    updated += std::isfinite(best_norm[static_cast<size_t>(i)]) && best_norm[static_cast<size_t>(i)] > 0.02f;
  }
  CHECK_MSG(updated > 5, "only %d rows updated: the data does not exercise the update", updated);
}

// ------------------------------------------------------------------ PGD

// PGD as the host would run it with the unfused primitives.
void pgd_composed(const Batch& b, fvec& y, const fvec& eps, const fvec& alpha, int norm,
                  float grad_sign, bool quantize, fvec* best_y, fvec* best_norm) {
  const size_t n = static_cast<size_t>(b.n);
  if (best_y) keep_best_composed(b, y, *best_y, *best_norm);
  fvec coef(n);
  if (norm == 0) {
    fvec gn(n);
    ac::ref::batch_l2_norm(b.n, b.d, b.grad.data(), gn.data());
    for (size_t i = 0; i < n; ++i) coef[i] = gn[i] > 0 ? -grad_sign * alpha[i] / gn[i] : 0.0f;
    ac::ref::batch_axpy(b.n, b.d, coef.data(), b.grad.data(), y.data());
    ac::ref::project_l2(b.n, b.d, b.x.data(), eps.data(), y.data());
  } else {
    fvec sgn(b.grad.size());
    for (size_t j = 0; j < sgn.size(); ++j) sgn[j] = b.grad[j] > 0 ? 1.0f : (b.grad[j] < 0 ? -1.0f : 0.0f);
    for (size_t i = 0; i < n; ++i) coef[i] = -grad_sign * alpha[i];
    ac::ref::batch_axpy(b.n, b.d, coef.data(), sgn.data(), y.data());
    ac::ref::project_linf(b.n, b.d, b.x.data(), eps.data(), y.data());
  }
  ac::ref::clip01(static_cast<int64_t>(y.size()), y.data());
  if (quantize) ac::ref::quantize8(static_cast<int64_t>(y.size()), y.data());
}

TEST(pgd_step_matches_composition_of_primitives) {
  for (int norm : {0, 1})
    for (bool quantize : {false, true})
      for (float sign : {1.0f, -1.0f})
        for (bool track : {false, true}) {
          Batch b(23, 300, 10, 2 + static_cast<uint64_t>(norm * 8 + quantize * 4 + (sign > 0) * 2 + track));
          Rng rng(99);
          // Radii: some rows inside the ball after the step, some projected.
          fvec eps = to_float(rng.vec(static_cast<size_t>(b.n), 0.05, norm == 0 ? 3.0 : 0.3));
          fvec alpha = to_float(rng.vec(static_cast<size_t>(b.n), 0.01, norm == 0 ? 2.0 : 0.1));
          fvec best_y, best_norm;
          initial_best(b, best_y, best_norm);
          fvec want = b.y, want_best = best_y, want_norm = best_norm;
          pgd_composed(b, want, eps, alpha, norm, sign, quantize, track ? &want_best : nullptr, &want_norm);
          fvec got = b.y;
          ac::ref::pgd_step(rows(b.n, b.d, b.k, b.x.data(), got.data(), b.grad.data(), track ? b.logits.data() : nullptr, track ? b.labels.data() : nullptr, track ? best_y.data() : nullptr, track ? best_norm.data() : nullptr), eps.data(), alpha.data(), norm, sign, quantize);
          if (quantize) check_grid_close(got, want, "y");
          else CHECK_CLOSE(got, want, kTol);
          if (track) {
            CHECK(best_y == want_best);
            CHECK_CLOSE(best_norm, want_norm, kTol);
          }
          // The iterate stays in the ball (up to the grid's half step when quantised) and the box.
          for (int64_t i = 0; i < b.n; ++i) {
            const float* yi = got.data() + i * b.d;
            const float* xi = b.x.data() + i * b.d;
            double r = norm == 0 ? ac::ref::row_distance(yi, xi, b.d) : 0;
            for (int64_t j = 0; j < b.d; ++j) {
              CHECK(yi[j] >= 0.0f && yi[j] <= 1.0f);
              if (norm == 1) r = std::max(r, std::abs(static_cast<double>(yi[j]) - xi[j]));
            }
            double slack = quantize ? (norm == 0 ? 0.5 / 255 * std::sqrt(static_cast<double>(b.d)) : 0.5 / 255) : 1e-5;
            CHECK_MSG(r <= eps[static_cast<size_t>(i)] + slack, "row %lld: distortion %.6g > eps %.6g",
                      static_cast<long long>(i), r, static_cast<double>(eps[static_cast<size_t>(i)]));
          }
        }
}

TEST(pgd_step_fgsm_is_one_signed_step) {
  // FGSM (eq. 2.12) = one LINF step from y = x with alpha = eps.
  Batch b(5, 40, 3, 7);
  fvec eps(5, 0.1f), y = b.x;
  ac::ref::pgd_step<float>(rows(b.n, b.d, b.k, b.x.data(), y.data(), b.grad.data(), nullptr, nullptr, nullptr, nullptr), eps.data(), eps.data(), 1, 1.0f, false);
  for (size_t j = 0; j < y.size(); ++j) {
    float want = ac::ref::clamp01(b.x[j] - 0.1f * (b.grad[j] > 0 ? 1.0f : -1.0f));
    CHECK_NEAR(y[j], want, 1e-6);
  }
}

// ------------------------------------------------------------------ DDN

void ddn_composed(const Batch& b, fvec& y, fvec& radius, float alpha, float gamma, float sign,
                  bool quantize, fvec& best_y, fvec& best_norm) {
  const size_t n = static_cast<size_t>(b.n);
  keep_best_composed(b, y, best_y, best_norm);
  fvec delta(y.size()), gn(n), coef(n), dn(n), worst_v(y.size()), worst(n);
  for (size_t j = 0; j < y.size(); ++j) delta[j] = y[j] - b.x[j];
  ac::ref::batch_l2_norm(b.n, b.d, b.grad.data(), gn.data());
  for (size_t i = 0; i < n; ++i) coef[i] = gn[i] > 0 ? -sign * alpha / gn[i] : 0.0f;
  ac::ref::batch_axpy(b.n, b.d, coef.data(), b.grad.data(), delta.data());
  for (size_t j = 0; j < y.size(); ++j) worst_v[j] = std::max(b.x[j], 1.0f - b.x[j]);
  ac::ref::batch_l2_norm(b.n, b.d, worst_v.data(), worst.data());
  for (size_t i = 0; i < n; ++i) {
    radius[i] *= b.adversarial(static_cast<int64_t>(i)) ? 1 - gamma : 1 + gamma;
    radius[i] = std::min(radius[i], worst[i]);
  }
  ac::ref::batch_l2_norm(b.n, b.d, delta.data(), dn.data());
  for (size_t i = 0; i < n; ++i) coef[i] = dn[i] > 0 ? radius[i] / dn[i] : 1.0f;
  ac::ref::batch_scale(b.n, b.d, coef.data(), delta.data());
  for (size_t j = 0; j < y.size(); ++j) y[j] = b.x[j] + delta[j];
  ac::ref::clip01(static_cast<int64_t>(y.size()), y.data());
  if (quantize) ac::ref::quantize8(static_cast<int64_t>(y.size()), y.data());
}

TEST(ddn_step_matches_composition_of_primitives) {
  for (bool quantize : {false, true})
    for (float sign : {1.0f, -1.0f}) {
      Batch b(31, 200, 10, 11 + quantize * 2 + (sign > 0));
      Rng rng(5);
      fvec radius = to_float(rng.vec(static_cast<size_t>(b.n), 0.2, 3.0));
      radius[0] = 1e4f;  // capped by the worst-case norm
      fvec best_y, best_norm;
      initial_best(b, best_y, best_norm);
      fvec want = b.y, want_radius = radius, want_best = best_y, want_norm = best_norm;
      ddn_composed(b, want, want_radius, 0.7f, 0.05f, sign, quantize, want_best, want_norm);
      fvec got = b.y;
      ac::ref::ddn_step(rows(b.n, b.d, b.k, b.x.data(), got.data(), b.grad.data(), b.logits.data(), b.labels.data(), best_y.data(), best_norm.data()), radius.data(), 0.7f, 0.05f, sign, quantize);
      if (quantize) check_grid_close(got, want, "y");
      else CHECK_CLOSE(got, want, kTol);
      CHECK_CLOSE(radius, want_radius, kTol);
      CHECK(best_y == want_best);
      CHECK_CLOSE(best_norm, want_norm, kTol);
    }
}

// ------------------------------------------------------------------ Q_OUT line search

// The search of ac_quantized_line_search written out plainly in float64.
double plain_f(const dvec& x, const dvec& y, const dvec& z, double beta) {
  double s = 0;
  for (size_t j = 0; j < x.size(); ++j) {
    double q = ac::ref::quantize_level(y[j] + beta * (z[j] - y[j])) - x[j];
    s += q * q;
  }
  return std::sqrt(s);
}

double plain_beta(const dvec& x, const dvec& y, const dvec& z) {
  double zy = 0, zx = 0;
  for (size_t j = 0; j < x.size(); ++j) {
    zy += (z[j] - y[j]) * (z[j] - y[j]);
    zx += (z[j] - x[j]) * (z[j] - x[j]);
  }
  if (zy == 0) return 1;
  double t = std::sqrt(zx);
  if (plain_f(x, y, z, 1) <= t) return 1;
  std::vector<double> ladder;
  for (double b = 2; b <= 1024; b *= 2) ladder.push_back(b);
  double best = 1, best_f = plain_f(x, y, z, 1);
  for (double hi : ladder) {
    double f = plain_f(x, y, z, hi);
    if (f <= t) {
      double lo = hi / 2;
      for (int s = 0; s < 12; ++s) {
        double mid = (lo + hi) / 2;
        (plain_f(x, y, z, mid) <= t ? hi : lo) = mid;
      }
      return hi;
    }
    if (f < best_f) best_f = f, best = hi;
  }
  return best;
}

TEST(quantized_line_search_matches_plain_search) {
  const int64_t n = 40, d = 300;
  Rng rng(21);
  dvec x(static_cast<size_t>(n * d)), y(x.size()), z(x.size());
  for (size_t j = 0; j < x.size(); ++j) {
    x[j] = ac::ref::quantize_level(rng.uniform(0.2, 0.8));
    y[j] = ac::ref::quantize_level(x[j] + rng.uniform(-0.1, 0.1));
  }
  // Rows of every kind: z = y, tiny updates that rounding cancels (large beta), ordinary
  // updates (beta = 1 or a little more), and z just off x itself (every beta overshoots the
  // target distance: the fallback to the smallest f).
  for (int64_t i = 0; i < n; ++i) {
    double scale = i == 0 ? 0 : (i % 4 == 1 ? 2e-4 : (i % 4 == 2 ? 0.02 : 0.2));
    for (int64_t j = 0; j < d; ++j) {
      size_t e = static_cast<size_t>(i * d + j);
      if (i % 4 == 3) z[e] = x[e] + rng.uniform(-1e-3, 1e-3);
      else z[e] = y[e] + (x[e] - y[e]) * 0.3 * (scale / 0.2) + rng.uniform(-scale, scale);
    }
  }
  dvec out(x.size()), beta(static_cast<size_t>(n));
  ac::ref::quantized_line_search<double>(n, d, x.data(), y.data(), z.data(), out.data(), beta.data());
  std::vector<int> seen(3, 0);  // beta = 1, beta in (1, 1024], beta from the fallback
  for (int64_t i = 0; i < n; ++i) {
    size_t o = static_cast<size_t>(i * d);
    dvec xi(x.begin() + o, x.begin() + o + d), yi(y.begin() + o, y.begin() + o + d), zi(z.begin() + o, z.begin() + o + d);
    double want = plain_beta(xi, yi, zi);
    CHECK_NEAR(beta[static_cast<size_t>(i)], want, 1e-12);
    double t = std::sqrt([&] { double s = 0; for (int64_t j = 0; j < d; ++j) s += (zi[j] - xi[j]) * (zi[j] - xi[j]); return s; }());
    for (int64_t j = 0; j < d; ++j) {
      double q = ac::ref::quantize_level(yi[j] + want * (zi[j] - yi[j]));
      CHECK(out[o + static_cast<size_t>(j)] == q);
      CHECK(std::abs(q * 255 - std::round(q * 255)) < 1e-9);  // on the grid
    }
    seen[plain_f(xi, yi, zi, 1) <= t || i == 0 ? 0 : (plain_f(xi, yi, zi, want) <= t ? 1 : 2)]++;
  }
  CHECK_MSG(seen[0] > 0 && seen[1] > 0 && seen[2] > 0, "cases beta=1 %d, bracketed %d, fallback %d", seen[0], seen[1], seen[2]);
}

// ------------------------------------------------------------------ BP

// One BP iteration written as a plain float64 loop straight from Algorithms 1-2.
void bp_plain(int64_t d, const double* x, double* y, const double* g_raw, bool adv, int32_t& stage,
              double gamma, double alpha, double beta_min, double sign, int rounding) {
  if (adv) stage = 1;
  dvec g(static_cast<size_t>(d));
  double gn = 0;
  for (int64_t j = 0; j < d; ++j) gn += g_raw[j] * g_raw[j];
  gn = std::sqrt(gn);
  for (int64_t j = 0; j < d; ++j) g[static_cast<size_t>(j)] = sign * g_raw[j] / gn;
  auto Q = [](double v) { return ac::ref::quantize_level(v); };
  auto clip = [](double v) { return std::min(std::max(v, 0.0), 1.0); };
  if (stage == 0) {
    for (int64_t j = 0; j < d; ++j) {
      double v = y[j] - alpha * gamma * g[static_cast<size_t>(j)];
      y[j] = rounding == 0 ? clip(v) : Q(v);
    }
    return;
  }
  double r2 = 0, rho = 0;
  for (int64_t j = 0; j < d; ++j) {
    r2 += (y[j] - x[j]) * (y[j] - x[j]);
    rho += (y[j] - x[j]) * g[static_cast<size_t>(j)];
  }
  double r = std::sqrt(r2);
  dvec z(static_cast<size_t>(d));
  double beta = 1;
  if (adv) {
    double eps = gamma * r;
    dvec v(static_cast<size_t>(d));
    double w2 = 0;
    for (int64_t j = 0; j < d; ++j) {
      v[static_cast<size_t>(j)] = x[j] + rho * g[static_cast<size_t>(j)];
      w2 += (y[j] - v[static_cast<size_t>(j)]) * (y[j] - v[static_cast<size_t>(j)]);
    }
    double h = std::sqrt(std::max(eps * eps - rho * rho, 0.0));
    for (int64_t j = 0; j < d; ++j)
      z[static_cast<size_t>(j)] = v[static_cast<size_t>(j)] + (y[j] - v[static_cast<size_t>(j)]) / std::sqrt(w2) * h;
    if (rounding == 2) {
      dvec xs(x, x + d), ys(y, y + d);
      beta = plain_beta(xs, ys, z);
    }
  } else {
    double eps = r / gamma;
    double s = rho + std::sqrt(eps * eps - r2 + rho * rho);
    for (int64_t j = 0; j < d; ++j) z[static_cast<size_t>(j)] = y[j] - s * g[static_cast<size_t>(j)];
    if (rounding == 2) beta = std::max(1.0, beta_min / s);
  }
  for (int64_t j = 0; j < d; ++j) {
    double zj = z[static_cast<size_t>(j)];
    y[j] = rounding == 0 ? clip(zj) : (rounding == 1 ? Q(zj) : Q(y[j] + beta * (zj - y[j])));
  }
}

TEST(bp_step_matches_algorithms_1_and_2) {
  for (int rounding : {0, 1, 2})
    for (double sign : {1.0, -1.0}) {
      Batch b(48, 120, 10, 31 + static_cast<uint64_t>(rounding * 2) + (sign > 0), 0.1);
      dvec x = to_double(b.x), y = to_double(b.y), g = to_double(b.grad), logits = to_double(b.logits);
      std::vector<int32_t> stage(static_cast<size_t>(b.n)), want_stage;
      for (int64_t i = 0; i < b.n; ++i) stage[static_cast<size_t>(i)] = static_cast<int32_t>((i / 2) % 2);  // both stages, both cases
      want_stage = stage;
      dvec want = y;
      int cases[3] = {0, 0, 0};  // stage 1, OUT, IN
      for (int64_t i = 0; i < b.n; ++i) {
        int32_t& s = want_stage[static_cast<size_t>(i)];
        bool adv = b.adversarial(i);
        cases[s == 0 && !adv ? 0 : (adv ? 1 : 2)]++;
        bp_plain(b.d, x.data() + i * b.d, want.data() + i * b.d, g.data() + i * b.d, adv, s, 0.8, 2.0, 0.1, sign, rounding);
      }
      CHECK(cases[0] > 3 && cases[1] > 3 && cases[2] > 3);
      dvec best_y(x.size(), 0.5), best_norm(static_cast<size_t>(b.n), kInfD);
      ac::ref::bp_step<double>(rows(b.n, b.d, b.k, x.data(), y.data(), g.data(), logits.data(), b.labels.data(), best_y.data(), best_norm.data()), stage.data(), 0.8, 2.0, 0.1, sign, rounding);
      CHECK(stage == want_stage);
      CHECK_CLOSE(y, want, 1e-9);
      for (int64_t i = 0; i < b.n; ++i) {
        bool adv = b.adversarial(i);
        CHECK(std::isfinite(best_norm[static_cast<size_t>(i)]) == adv);
      }
    }
}

TEST(bp_step_geometry_out_and_in) {
  // Away from the box (x in [0.3, 0.7], small r) and without rounding, OUT lands on the
  // sphere of radius gamma ||r|| inside the tangent hyperplane (eqs. 5.3-5.4) when rho < eps,
  // and IN lands on the sphere of radius ||r|| / gamma along -gh (eq. 5.9).
  const int64_t n = 20, d = 64, k = 3;
  Rng rng(41);
  dvec x(static_cast<size_t>(n * d)), y(x.size()), g = rng.away_from_zero(x.size(), 0.01, 1.0);
  for (size_t j = 0; j < x.size(); ++j) {
    x[j] = rng.uniform(0.3, 0.7);
    y[j] = x[j] + rng.uniform(-0.02, 0.02);
  }
  dvec logits(static_cast<size_t>(n * k));
  std::vector<int32_t> labels(static_cast<size_t>(n), 0), stage(static_cast<size_t>(n), 1);
  for (int64_t i = 0; i < n; ++i) {
    logits[static_cast<size_t>(i * k)] = i % 2 ? 1.0 : -1.0;  // odd rows: label on top (IN)
  }
  const double gamma = 0.9;
  dvec y0 = y, best_y(x.size()), best_norm(static_cast<size_t>(n), kInfD);
  ac::ref::bp_step<double>(rows(n, d, k, x.data(), y.data(), g.data(), logits.data(), labels.data(), best_y.data(), best_norm.data()), stage.data(), gamma, 2.0, 0.1, 1.0, 0);
  int out_on_sphere = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double *xi = x.data() + i * d, *yi = y.data() + i * d, *y0i = y0.data() + i * d, *gi = g.data() + i * d;
    double gn = std::sqrt(dot(dvec(gi, gi + d), dvec(gi, gi + d)));
    double r0 = ac::ref::row_distance(y0i, xi, d), r1 = ac::ref::row_distance(yi, xi, d), rho = 0, tangent = 0;
    for (int64_t j = 0; j < d; ++j) {
      rho += (y0i[j] - xi[j]) * gi[j] / gn;
      tangent += (yi[j] - y0i[j]) * gi[j] / gn;
    }
    if (i % 2 == 0) {  // OUT
      CHECK_NEAR(tangent, 0, 1e-9);
      if (std::abs(rho) < gamma * r0) {
        CHECK_NEAR(r1, gamma * r0, 1e-9);
        ++out_on_sphere;
      } else {
        CHECK_NEAR(r1, std::abs(rho), 1e-9);  // z = v*
      }
    } else {  // IN: distortion grows to ||r|| / gamma, moving along -gh
      CHECK_NEAR(r1, r0 / gamma, 1e-9);
      CHECK(tangent < 0);
    }
  }
  CHECK(out_on_sphere > 0);
}

TEST(bp_step_q_in_keeps_short_updates) {
  // An IN update much shorter than beta_min would round away; Q_IN stretches it to beta_min.
  const int64_t d = 784;
  Rng rng(43);
  fvec x(d), g = to_float(rng.away_from_zero(d, 0.01, 1.0)), logits = {1.0f, 0.0f};
  for (auto& e : x) e = ac::ref::quantize_level(static_cast<float>(rng.uniform(0.3, 0.7)));
  fvec y = x;
  y[0] += 1.0f / 255;  // a tiny perturbation: ||r|| = 1/255, so the IN step is ~1e-3
  std::vector<int32_t> labels = {0};
  for (int rounding : {1, 2}) {
    fvec yy = y, best_y(d), best_norm(1, INFINITY);
    std::vector<int32_t> stage = {1};
    ac::ref::bp_step<float>(rows(1, d, 2, x.data(), yy.data(), g.data(), logits.data(), labels.data(), best_y.data(), best_norm.data()), stage.data(), 0.9f, 2.0f, 0.1f, 1.0f, rounding);
    double moved = ac::ref::row_distance(yy.data(), y.data(), d);
    if (rounding == 1) CHECK_MSG(moved == 0, "plain rounding should cancel the short update, moved %g", moved);
    else CHECK_MSG(moved > 0.05, "Q_IN should keep an update of about beta_min, moved %g", moved);
  }
}

// ------------------------------------------------------------------ C&W

TEST(cw_step_matches_adam_composition) {
  Batch b(19, 150, 10, 51);
  fvec w(b.x.size()), y(b.x.size());
  ac::ref::cw_init(b.n, b.d, b.x.data(), w.data(), y.data());
  for (size_t j = 0; j < y.size(); ++j) CHECK_NEAR(y[j], b.x[j], 2e-6);
  Rng rng(3);
  fvec lambda = to_float(rng.vec(static_cast<size_t>(b.n), 0.1, 10.0));
  fvec m(b.x.size(), 0.0f), v(b.x.size(), 0.0f);
  // Move y off x first so the distance term matters.
  for (size_t j = 0; j < w.size(); ++j) { w[j] += 0.3f * b.grad[j]; y[j] = (std::tanh(w[j]) + 1) / 2; }
  fvec best_y, best_norm;
  initial_best(b, best_y, best_norm);
  std::vector<int32_t> found(static_cast<size_t>(b.n), 0);
  for (int64_t step = 1; step <= 3; ++step) {
    // Composition: gradient in w by the chain rule, then the reference Adam update.
    fvec want_w = w, want_m = m, want_v = v, gw(w.size()), want_best = best_y, want_norm = best_norm;
    keep_best_composed(b, y, want_best, want_norm);
    for (int64_t i = 0; i < b.n; ++i)
      for (int64_t j = i * b.d; j < (i + 1) * b.d; ++j) {
        float t = std::tanh(w[static_cast<size_t>(j)]);
        gw[static_cast<size_t>(j)] = (lambda[static_cast<size_t>(i)] * b.grad[static_cast<size_t>(j)] +
                                      2 * (y[static_cast<size_t>(j)] - b.x[static_cast<size_t>(j)])) * (1 - t * t) / 2;
      }
    ac::ref::adam_update<float>(static_cast<int64_t>(w.size()), want_w.data(), gw.data(), want_m.data(),
                                want_v.data(), 0.1f, 0.9f, 0.999f, 1e-8f, 0.0f, step);
    fvec want_y(w.size());
    for (size_t j = 0; j < w.size(); ++j) want_y[j] = (std::tanh(want_w[j]) + 1) / 2;
    ac::ref::cw_step(rows(b.n, b.d, b.k, b.x.data(), y.data(), b.grad.data(), b.logits.data(), b.labels.data(), best_y.data(), best_norm.data()), w.data(), lambda.data(), m.data(), v.data(), found.data(), 0.1f, 0.9f, 0.999f, 1e-8f, step);
    CHECK_CLOSE(w, want_w, kTol);
    CHECK_CLOSE(m, want_m, kTol);
    CHECK_CLOSE(v, want_v, kTol);
    CHECK_CLOSE(y, want_y, kTol);
    CHECK(best_y == want_best);
  }
  for (int64_t i = 0; i < b.n; ++i) CHECK(found[static_cast<size_t>(i)] == (b.adversarial(i) ? 1 : 0));
}

// ------------------------------------------------------------------ DeepFool

TEST(deepfool_step_matches_plain_loop) {
  // jacobian is class-major [K, N, d]: class c of row i at (c * n + i) * d.
  const int64_t n = 16, d = 60, k = 5;
  Rng rng(61);
  dvec x = rng.vec(static_cast<size_t>(n * d), 0.0, 1.0), jac = rng.vec(static_cast<size_t>(n * k * d));
  dvec logits(static_cast<size_t>(n * k)), r_total = rng.vec(x.size(), -0.05, 0.05);
  std::vector<int32_t> labels(static_cast<size_t>(n)), active(static_cast<size_t>(n), 1);
  for (int64_t i = 0; i < n; ++i) {
    dvec row = rng.distinct(static_cast<size_t>(k), 0.3);
    std::copy(row.begin(), row.end(), logits.begin() + i * k);
    labels[static_cast<size_t>(i)] = static_cast<int32_t>(ac::ref::first_argmax(row.data(), k, -1));
  }
  labels[3] = (labels[3] + 1) % static_cast<int32_t>(k);  // already adversarial: deactivated
  active[5] = 0;                                              // inactive: untouched
  // A common shift of every class gradient must not matter (only differences are used).
  dvec shifted = jac;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t c = 0; c < k; ++c)
      for (int64_t j = 0; j < d; ++j) shifted[static_cast<size_t>((c * n + i) * d + j)] += 0.25 * static_cast<double>(j % 7);
  dvec y(x.size(), 0.5), want_y = y, want_r = r_total;
  std::vector<int32_t> want_active = active;
  for (int64_t i = 0; i < n; ++i) {
    if (!want_active[static_cast<size_t>(i)]) continue;
    int32_t l = labels[static_cast<size_t>(i)];
    if (ac::ref::first_argmax(logits.data() + i * k, k, -1) != l) { want_active[static_cast<size_t>(i)] = 0; continue; }
    double best = kInfD; int64_t bc = -1;
    for (int64_t c = 0; c < k; ++c) {
      if (c == l) continue;
      double w2 = 0;
      for (int64_t j = 0; j < d; ++j) {
        double w = jac[static_cast<size_t>((c * n + i) * d + j)] - jac[static_cast<size_t>((l * n + i) * d + j)];
        w2 += w * w;
      }
      double dist = std::abs(logits[static_cast<size_t>(i * k + c)] - logits[static_cast<size_t>(i * k + l)]) / std::sqrt(w2);
      if (dist < best) best = dist, bc = c;
    }
    double f = std::abs(logits[static_cast<size_t>(i * k + bc)] - logits[static_cast<size_t>(i * k + l)]), w2 = 0;
    for (int64_t j = 0; j < d; ++j) {
      double w = jac[static_cast<size_t>((bc * n + i) * d + j)] - jac[static_cast<size_t>((l * n + i) * d + j)];
      w2 += w * w;
    }
    for (int64_t j = 0; j < d; ++j) {
      size_t e = static_cast<size_t>(i * d + j);
      want_r[e] += (f + 1e-4) / w2 * (jac[static_cast<size_t>((bc * n + i) * d + j)] - jac[static_cast<size_t>((l * n + i) * d + j)]);
      want_y[e] = std::min(std::max(x[e] + 1.02 * want_r[e], 0.0), 1.0);
    }
  }
  ac::ref::deepfool_step<double>(rows(n, d, k, x.data(), y.data(), nullptr, logits.data(), labels.data(), nullptr, nullptr), r_total.data(), shifted.data(), n * d, active.data(), 0.02);
  CHECK(active == want_active);
  CHECK(active[3] == 0 && active[0] == 1);
  CHECK_CLOSE(r_total, want_r, 1e-9);
  CHECK_CLOSE(y, want_y, 1e-9);
}

// ------------------------------------------------------------------ JSMA

TEST(jsma_step_matches_brute_force_pairs) {
  for (double theta : {1.0, 0.1, -0.5}) {
    const int64_t n = 7, d = 40, k = 3;
    Rng rng(71);
    dvec y = rng.vec(static_cast<size_t>(n * d), 0.0, 1.0), gt = rng.vec(y.size()), go = rng.vec(y.size());
    dvec domain(y.size(), 1.0), logits(static_cast<size_t>(n * k), 0.0);
    for (size_t j = 0; j < domain.size(); j += 3) domain[j] = 0;  // excluded
    for (size_t j = 1; j < domain.size(); j += 5) domain[j] = 2;  // changed before
    for (size_t j = 2; j < domain.size(); j += 7) y[j] = theta > 0 ? 0.97 : 0.03;  // saturate after one step
    std::vector<int32_t> labels(static_cast<size_t>(n), 0), active(static_cast<size_t>(n), 1), changed(static_cast<size_t>(n), 3);
    changed[6] = 12;  // row 6 exceeds max_changed = 12 with this step
    for (int64_t i = 0; i < n; ++i) logits[static_cast<size_t>(i * k)] = 1;  // label on top
    logits[static_cast<size_t>(2 * k + 1)] = 2;                              // row 2: adversarial
    dvec want_y = y, want_domain = domain;
    std::vector<int32_t> want_active = active, want_changed = changed;
    want_active[2] = 0;
    int saturated = 0;
    for (int64_t i = 0; i < n; ++i) {
      if (i == 2) continue;
      double best = -1; int64_t bp = -1, bq = -1;
      for (int64_t p = 0; p < d; ++p)
        for (int64_t q = 0; q < d; ++q) {
          size_t ep = static_cast<size_t>(i * d + p), eq = static_cast<size_t>(i * d + q);
          if (q <= p || domain[ep] == 0 || domain[eq] == 0) continue;
          double a = gt[ep] + gt[eq], b = go[ep] + go[eq];
          if (theta > 0 ? (a > 0 && b < 0) : (a < 0 && b > 0))
            if (-a * b > best) best = -a * b, bp = p, bq = q;
        }
      CHECK(bp >= 0);
      for (int64_t e : {bp, bq}) {
        size_t ee = static_cast<size_t>(i * d + e);
        if (want_domain[ee] == 1) want_changed[static_cast<size_t>(i)]++;
        want_y[ee] = std::min(std::max(want_y[ee] + theta, 0.0), 1.0);
        bool at_bound = theta > 0 ? want_y[ee] >= 1 : want_y[ee] <= 0;
        saturated += at_bound;
        want_domain[ee] = at_bound ? 0 : 2;
      }
      if (want_changed[static_cast<size_t>(i)] > 12) want_active[static_cast<size_t>(i)] = 0;
    }
    ac::ref::jsma_step<double>(rows(n, d, k, nullptr, y.data(), nullptr, logits.data(), labels.data(), nullptr, nullptr), gt.data(), go.data(), domain.data(), changed.data(), active.data(), theta, 12);
    CHECK(y == want_y);
    CHECK(domain == want_domain);
    CHECK(changed == want_changed);
    CHECK(active == want_active);
    CHECK(active[6] == 0 && active[0] == 1);
    if (theta == 1.0) CHECK(saturated > 0);
  }
}

// ------------------------------------------------------------------ fast backend == reference

// Margin 0.7: the Batch's logits are spaced about 0.5 apart, so some rows clear it and some
// do not, under both kinds.
const ac::Criterion kCriteria[] = {{0, 0.0f}, {0, 0.7f}, {1, 0.0f}, {1, 0.7f}};

TEST(fast_attack_steps_match_reference_backend_bitwise) {
  auto ref = reference_backend();
  ac::CpuFastBackend fast(3);
  // Every criterion (untargeted/targeted, by the argmax or with a margin the random logit
  // gaps straddle); DeepFool takes the untargeted ones only (the ABI refuses a target there).
  for (ac::Criterion crit : kCriteria)
  for (int64_t n : {int64_t{1}, int64_t{70}}) {
    Batch b(n, 784, 10, 81 + static_cast<uint64_t>(n));
    const ac::Criterion df_crit{0, crit.margin};
    const size_t nn = static_cast<size_t>(n);
    Rng rng(8);
    fvec eps = to_float(rng.vec(nn, 0.5, 3.0)), alpha = to_float(rng.vec(nn, 0.1, 1.0));
    fvec best_y, best_norm;
    initial_best(b, best_y, best_norm);
    auto both = [&](auto&& call) {  // runs call(backend, state...) on copies, compares
      fvec y1 = b.y, y2 = b.y, by1 = best_y, by2 = best_y, bn1 = best_norm, bn2 = best_norm;
      fvec s1(nn, 1.5f), s2(nn, 1.5f);
      std::vector<int32_t> i1(nn, 0), i2(nn, 0);
      for (size_t i = 0; i < nn; i += 2) i1[i] = i2[i] = 1;
      call(*ref, y1, by1, bn1, s1, i1);
      call(fast, y2, by2, bn2, s2, i2);
      CHECK(y1 == y2);
      CHECK(by1 == by2);
      CHECK(bn1 == bn2);
      CHECK(s1 == s2);
      CHECK(i1 == i2);
    };
    both([&](ac::Backend& be, fvec& y, fvec& by, fvec& bn, fvec&, std::vector<int32_t>& flags) {
      be.attack_keep_best(rows(b.n, b.d, b.k, b.x.data(), y.data(), nullptr, b.logits.data(), b.labels.data(), by.data(), bn.data(), crit), flags.data());
    });
    for (int norm : {0, 1})
      both([&](ac::Backend& be, fvec& y, fvec& by, fvec& bn, fvec&, std::vector<int32_t>&) {
        be.pgd_step(rows(b.n, b.d, b.k, b.x.data(), y.data(), b.grad.data(), b.logits.data(), b.labels.data(), by.data(), bn.data(), crit), eps.data(), alpha.data(), norm, -1.0f, true);
      });
    both([&](ac::Backend& be, fvec& y, fvec& by, fvec& bn, fvec& radius, std::vector<int32_t>&) {
      be.ddn_step(rows(b.n, b.d, b.k, b.x.data(), y.data(), b.grad.data(), b.logits.data(), b.labels.data(), by.data(), bn.data(), crit), radius.data(), 0.5f, 0.05f, -1.0f, true);
    });
    for (int rounding : {0, 1, 2})
      both([&](ac::Backend& be, fvec& y, fvec& by, fvec& bn, fvec&, std::vector<int32_t>& stage) {
        be.bp_step(rows(b.n, b.d, b.k, b.x.data(), y.data(), b.grad.data(), b.logits.data(), b.labels.data(), by.data(), bn.data(), crit), stage.data(), 0.85f, 2.0f, 0.1f, 1.0f, rounding);
      });
    both([&](ac::Backend& be, fvec& y, fvec&, fvec&, fvec& beta, std::vector<int32_t>&) {
      fvec z = b.y;
      for (size_t j = 0; j < z.size(); ++j) z[j] += 0.003f * b.grad[j] + 0.5f * (b.x[j] - b.y[j]);
      be.quantized_line_search(b.n, b.d, b.x.data(), b.y.data(), z.data(), y.data(), beta.data());
    });
    both([&](ac::Backend& be, fvec& y, fvec& by, fvec& bn, fvec& lambda, std::vector<int32_t>& found) {
      fvec w(y.size()), m(y.size(), 0.01f), v(y.size(), 0.02f);
      be.cw_init(b.n, b.d, b.x.data(), w.data(), y.data());
      be.cw_step(rows(b.n, b.d, b.k, b.x.data(), y.data(), b.grad.data(), b.logits.data(), b.labels.data(), by.data(), bn.data(), crit), w.data(), lambda.data(), m.data(), v.data(), found.data(), 0.1f, 0.9f, 0.999f, 1e-8f, 2);
      y.insert(y.end(), w.begin(), w.end());
    });
    both([&](ac::Backend& be, fvec& y, fvec&, fvec&, fvec&, std::vector<int32_t>& active) {
      fvec jac = to_float(Rng(9).vec(static_cast<size_t>(b.n * b.k * b.d))), r(y.size(), 0.01f);
      be.deepfool_step(rows(b.n, b.d, b.k, b.x.data(), y.data(), nullptr, b.logits.data(), b.labels.data(), nullptr, nullptr, df_crit), r.data(), jac.data(), active.data(), 0.02f);
      y.insert(y.end(), r.begin(), r.end());
    });
    both([&](ac::Backend& be, fvec& y, fvec&, fvec&, fvec&, std::vector<int32_t>& active) {
      fvec domain(y.size(), 1.0f);
      fvec go = b.grad;
      std::reverse(go.begin(), go.end());
      std::vector<int32_t> changed(active.size(), 0);
      be.jsma_step(rows(b.n, b.d, b.k, nullptr, y.data(), nullptr, b.logits.data(), b.labels.data(), nullptr, nullptr, crit), b.grad.data(), go.data(), domain.data(), changed.data(), active.data(), 0.3f, 100);
      for (int32_t c : changed) y.push_back(static_cast<float>(c));
      y.insert(y.end(), domain.begin(), domain.end());
    });
  }
}

// ------------------------------------------------------------------ C ABI validation

namespace {

struct Abi {
  ac_context* ctx = nullptr;
  std::vector<ac_tensor*> owned;
  Abi() { CHECK_STATUS(ac_context_create(AC_DEVICE_CPU, 2, 1, 0, &ctx), AC_OK); }
  ~Abi() {
    for (auto* t : owned) ac_tensor_destroy(t);
    ac_context_destroy(ctx);
  }
  ac_tensor* f32(std::vector<int64_t> shape, const fvec& data) {
    ac_tensor* t = nullptr;
    CHECK_STATUS(ac_tensor_create(ctx, AC_F32, static_cast<int32_t>(shape.size()), shape.data(), &t), AC_OK);
    CHECK_STATUS(ac_tensor_copy_from_host(t, data.data(), static_cast<int64_t>(data.size() * 4)), AC_OK);
    owned.push_back(t);
    return t;
  }
  ac_tensor* i32(std::vector<int64_t> shape, const std::vector<int32_t>& data) {
    ac_tensor* t = nullptr;
    CHECK_STATUS(ac_tensor_create(ctx, AC_I32, static_cast<int32_t>(shape.size()), shape.data(), &t), AC_OK);
    CHECK_STATUS(ac_tensor_copy_from_host(t, data.data(), static_cast<int64_t>(data.size() * 4)), AC_OK);
    owned.push_back(t);
    return t;
  }
  fvec host(ac_tensor* t, size_t count) {
    fvec v(count);
    CHECK_STATUS(ac_tensor_copy_to_host(t, v.data(), static_cast<int64_t>(count * 4)), AC_OK);
    return v;
  }
};

bool last_error_mentions(const char* text) { return std::strstr(ac_last_error(), text) != nullptr; }

}  // namespace

TEST(abi_bp_step_runs_and_matches_reference) {
  Abi abi;
  Batch b(6, 2 * 7 * 7, 10, 91);
  ac_tensor *x = abi.f32({6, 2, 7, 7}, b.x), *y = abi.f32({6, 2, 7, 7}, b.y), *g = abi.f32({6, 2, 7, 7}, b.grad);
  ac_tensor *logits = abi.f32({6, 10}, b.logits), *labels = abi.i32({6}, b.labels);
  ac_tensor *best_y = abi.f32({6, 2, 7, 7}, fvec(b.x.size())), *best_norm = abi.f32({6}, fvec(6, INFINITY));
  ac_tensor* stage = abi.i32({6}, std::vector<int32_t>(6, 0));
  CHECK_STATUS(ac_bp_step(abi.ctx, abi_ops(x, y, g, logits, labels, best_y, best_norm), stage, 0.8f, 2.0f, 0.1f, 1.0f, AC_BP_ROUND_QINOUT), AC_OK);
  fvec want = b.y, wb(b.x.size()), wn(6, INFINITY);
  std::vector<int32_t> ws(6, 0);
  ac::ref::bp_step(rows(b.n, b.d, b.k, b.x.data(), want.data(), b.grad.data(), b.logits.data(), b.labels.data(), wb.data(), wn.data()), ws.data(), 0.8f, 2.0f, 0.1f, 1.0f, 2);
  CHECK(abi.host(y, want.size()) == want);
  CHECK(abi.host(best_norm, 6) == wn);
}

TEST(abi_attack_steps_refuse_bad_operands) {
  Abi abi;
  Batch b(4, 12, 3, 93);
  ac_tensor *x = abi.f32({4, 12}, b.x), *y = abi.f32({4, 12}, b.y), *g = abi.f32({4, 12}, b.grad);
  ac_tensor *logits = abi.f32({4, 3}, b.logits), *labels = abi.i32({4}, b.labels);
  ac_tensor *best_y = abi.f32({4, 12}, fvec(48)), *best_norm = abi.f32({4}, fvec(4, INFINITY));
  ac_tensor *stage = abi.i32({4}, std::vector<int32_t>(4, 0)), *radius = abi.f32({4}, fvec(4, 1.0f));
  ac_tensor *eps = abi.f32({4}, fvec(4, 0.3f)), *small = abi.f32({3}, fvec(3, 0.3f));
  ac_tensor *bad_y = abi.f32({4, 11}, fvec(44)), *bad_labels = abi.i32({4}, {0, 1, 3, 0});
  ac_bp_rounding bad_rounding;  // an out-of-range enum as a C caller could pass it
  ac_norm bad_norm;
  int32_t seven = 7, three = 3;
  std::memcpy(&bad_rounding, &seven, sizeof seven);
  std::memcpy(&bad_norm, &three, sizeof three);

  CHECK_STATUS(ac_bp_step(abi.ctx, abi_ops(x, bad_y, g, logits, labels, best_y, best_norm), stage, 0.8f, 2, 0.1f, 1, AC_BP_ROUND_EACH), AC_ERR_SHAPE);
  CHECK(last_error_mentions("bp_step: y has shape 4x11 but x has shape 4x12"));
  CHECK_STATUS(ac_bp_step(abi.ctx, abi_ops(x, y, g, logits, bad_labels, best_y, best_norm), stage, 0.8f, 2, 0.1f, 1, AC_BP_ROUND_EACH), AC_ERR_LABEL_RANGE);
  CHECK(last_error_mentions("label 3"));
  CHECK_STATUS(ac_bp_step(abi.ctx, abi_ops(x, y, g, logits, labels, best_y, best_norm), stage, 0.0f, 2, 0.1f, 1, AC_BP_ROUND_EACH), AC_ERR_INVALID_ARGUMENT);
  CHECK(last_error_mentions("gamma must be in (0, 1]"));
  CHECK_STATUS(ac_bp_step(abi.ctx, abi_ops(x, y, g, logits, labels, best_y, best_norm), stage, 0.8f, 2, 0.1f, 0.5f, AC_BP_ROUND_EACH), AC_ERR_INVALID_ARGUMENT);
  CHECK(last_error_mentions("grad_sign"));
  CHECK_STATUS(ac_bp_step(abi.ctx, abi_ops(x, y, g, logits, labels, best_y, best_norm), stage, 0.8f, 2, 0.1f, 1, bad_rounding), AC_ERR_INVALID_ARGUMENT);
  CHECK(last_error_mentions("unknown rounding 7"));
  CHECK_STATUS(ac_bp_step(abi.ctx, abi_ops(x, y, g, logits, labels, y, best_norm), stage, 0.8f, 2, 0.1f, 1, AC_BP_ROUND_EACH), AC_ERR_INVALID_ARGUMENT);
  CHECK(last_error_mentions("best_y and y must be different tensors"));
  CHECK_STATUS(ac_bp_step(abi.ctx, abi_ops(x, y, g, logits, labels, best_y, nullptr), stage, 0.8f, 2, 0.1f, 1, AC_BP_ROUND_EACH), AC_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ac_bp_step(abi.ctx, abi_ops(x, y, g, logits, labels, best_y, best_norm), radius, 0.8f, 2, 0.1f, 1, AC_BP_ROUND_EACH), AC_ERR_SHAPE);
  CHECK(last_error_mentions("stage must be i32"));

  CHECK_STATUS(ac_pgd_step(abi.ctx, abi_ops(x, y, g, nullptr, nullptr, nullptr, nullptr), small, eps, AC_NORM_L2, 1, 0), AC_ERR_SHAPE);
  CHECK(last_error_mentions("eps has 3 elements"));
  CHECK_STATUS(ac_pgd_step(abi.ctx, abi_ops(x, y, g, logits, nullptr, nullptr, nullptr), eps, eps, AC_NORM_L2, 1, 0), AC_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ac_pgd_step(abi.ctx, abi_ops(x, y, g, nullptr, nullptr, nullptr, nullptr), eps, eps, bad_norm, 1, 0), AC_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ac_pgd_step(abi.ctx, abi_ops(x, y, g, nullptr, nullptr, nullptr, nullptr), eps, eps, AC_NORM_LINF, 1, 1), AC_OK);

  CHECK_STATUS(ac_ddn_step(abi.ctx, abi_ops(x, y, g, logits, labels, best_y, best_norm), radius, 1.0f, 1.0f, -1, 1), AC_ERR_INVALID_ARGUMENT);
  CHECK(last_error_mentions("gamma must be in [0, 1)"));
  CHECK_STATUS(ac_ddn_step(abi.ctx, abi_ops(x, y, g, logits, labels, best_y, best_norm), radius, NAN, 0.05f, -1, 1), AC_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ac_ddn_step(abi.ctx, abi_ops(x, y, g, logits, labels, best_y, best_norm), radius, 1.0f, 0.05f, -1, 1), AC_OK);

  ac_tensor *w = abi.f32({4, 12}, fvec(48)), *m = abi.f32({4, 12}, fvec(48)), *v = abi.f32({4, 12}, fvec(48));
  ac_tensor* found = abi.i32({4}, std::vector<int32_t>(4, 0));
  CHECK_STATUS(ac_cw_init(abi.ctx, x, w, y), AC_OK);
  CHECK_STATUS(ac_cw_step(abi.ctx, abi_ops(x, y, g, logits, labels, best_y, best_norm), w, radius, m, v, found, 0.1f, 0.9f, 0.999f, 1e-8f, 0), AC_ERR_INVALID_ARGUMENT);
  CHECK(last_error_mentions("step must be >= 1"));
  CHECK_STATUS(ac_cw_step(abi.ctx, abi_ops(x, y, g, logits, labels, best_y, best_norm), w, radius, m, m, found, 0.1f, 0.9f, 0.999f, 1e-8f, 1), AC_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ac_cw_step(abi.ctx, abi_ops(x, y, g, logits, labels, best_y, best_norm), w, radius, m, v, found, 0.1f, 0.9f, 0.999f, 1e-8f, 1), AC_OK);

  ac_tensor *jac = abi.f32({3, 4, 12}, fvec(144, 0.1f)), *bad_jac = abi.f32({2, 4, 12}, fvec(96)), *r = abi.f32({4, 12}, fvec(48));
  ac_tensor* active = abi.i32({4}, std::vector<int32_t>(4, 1));
  CHECK_STATUS(ac_deepfool_step(abi.ctx, abi_ops(x, y, nullptr, logits, labels, nullptr, nullptr), r, bad_jac, active, 0.02f), AC_ERR_SHAPE);
  CHECK_STATUS(ac_deepfool_step(abi.ctx, abi_ops(x, y, nullptr, logits, labels, nullptr, nullptr), r, jac, active, -1.0f), AC_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ac_deepfool_step(abi.ctx, abi_ops(x, y, nullptr, logits, labels, nullptr, nullptr), r, jac, active, 0.02f), AC_OK);

  ac_tensor* domain = abi.f32({4, 12}, fvec(48, 1.0f));
  ac_tensor* changed = abi.i32({4}, std::vector<int32_t>(4, 0));
  CHECK_STATUS(ac_jsma_step(abi.ctx, abi_ops(nullptr, y, nullptr, logits, labels, nullptr, nullptr), g, g, domain, changed, active, 0.0f, 10), AC_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ac_jsma_step(abi.ctx, abi_ops(nullptr, y, nullptr, logits, labels, nullptr, nullptr), g, g, domain, changed, active, 2.0f, 10), AC_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ac_jsma_step(abi.ctx, abi_ops(nullptr, y, nullptr, logits, labels, nullptr, nullptr), g, g, domain, changed, active, 1.0f, -1), AC_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ac_jsma_step(abi.ctx, abi_ops(nullptr, y, nullptr, logits, labels, nullptr, nullptr), g, g, domain, active, active, 1.0f, 10), AC_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ac_jsma_step(abi.ctx, abi_ops(nullptr, y, nullptr, logits, labels, nullptr, nullptr), g, g, domain, changed, active, 1.0f, 10), AC_OK);

  ac_tensor* out = abi.f32({4, 12}, fvec(48));
  CHECK_STATUS(ac_quantized_line_search(abi.ctx, x, y, g, y, nullptr), AC_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ac_quantized_line_search(abi.ctx, x, y, g, out, small), AC_ERR_SHAPE);
  CHECK_STATUS(ac_quantized_line_search(abi.ctx, x, y, g, out, nullptr), AC_OK);

  ac_tensor* flags = abi.i32({4}, std::vector<int32_t>(4, 9));
  CHECK_STATUS(ac_attack_keep_best(abi.ctx, abi_ops(x, y, nullptr, logits, labels, nullptr, nullptr), flags), AC_OK);
  CHECK_STATUS(ac_attack_keep_best(abi.ctx, abi_ops(x, y, nullptr, logits, labels, nullptr, best_norm), flags), AC_ERR_INVALID_ARGUMENT);
}
