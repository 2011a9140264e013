// Patch replacement (advcore.h "Patch replacement"): patch geometry, extraction and
// reconstruction, the replacement strategies (thesis eqs. 6.3-6.5) and the E8 quantizer, on
// random data (never zeros). The reference kernels against independent loops written here
// (positions by walking the stride, means by testing every patch for coverage, strategies
// from the equations, E8 against an exhaustive search); the fast CPU backend against the
// reference bit for bit (every op is exact copies, or the same double arithmetic in the same
// order); the thesis's limits (eps = 0 is the identity, huge eps or linear eps = 1 is plain,
// extract -> rebuild is the identity); and the ABI's refusals.
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "advcore.h"
#include "cpu/reference_patches.h"
#include "patches_util.h"

using namespace testutil;
using namespace patches_test;

namespace {

// Positions along an extent, by walking the stride (advcore.h's definition, literally).
std::vector<int64_t> walk_positions(int64_t extent, int64_t p, int64_t c) {
  std::vector<int64_t> v;
  for (int64_t r = 0; r + p <= extent; r += c) v.push_back(r);
  if (v.back() + p < extent) v.push_back(extent - p);
  return v;
}

// features [N, D, H, W] -> [m][N P][p p d] by the positions walked above.
fvec direct_extract(const Case& cs, const fvec& f) {
  const auto pos = walk_positions(cs.hw, cs.p, cs.c);
  const int64_t P = static_cast<int64_t>(pos.size() * pos.size()), dim = int64_t{cs.p} * cs.p * cs.d;
  fvec out(static_cast<size_t>(cs.depth / cs.d * cs.n * P * dim));
  size_t at = 0;
  for (int64_t k = 0; k < cs.depth / cs.d; ++k)
    for (int64_t n = 0; n < cs.n; ++n)
      for (int64_t y0 : pos)
        for (int64_t x0 : pos)
          for (int64_t dy = 0; dy < cs.p; ++dy)
            for (int64_t dx = 0; dx < cs.p; ++dx)
              for (int64_t ch = 0; ch < cs.d; ++ch)
                out[at++] = f[static_cast<size_t>(((n * cs.depth + k * cs.d + ch) * cs.hw + y0 + dy) * cs.hw + x0 + dx)];
  return out;
}

// The mean of the covering patch values, pixel by pixel: every patch is asked whether it
// covers the pixel (in patch-index order), no scatter.
dvec direct_rebuild(const Case& cs, const fvec& patches) {
  const auto pos = walk_positions(cs.hw, cs.p, cs.c);
  const int64_t np = static_cast<int64_t>(pos.size()), P = np * np, dim = int64_t{cs.p} * cs.p * cs.d;
  dvec out(static_cast<size_t>(cs.n * cs.depth * cs.hw * cs.hw));
  for (int64_t n = 0; n < cs.n; ++n)
    for (int64_t ch = 0; ch < cs.depth; ++ch)
      for (int64_t y = 0; y < cs.hw; ++y)
        for (int64_t x = 0; x < cs.hw; ++x) {
          double sum = 0;
          int count = 0;
          for (int64_t i = 0; i < np; ++i) {
            const int64_t dy = y - pos[static_cast<size_t>(i)];
            if (dy < 0 || dy >= cs.p) continue;
            for (int64_t j = 0; j < np; ++j) {
              const int64_t dx = x - pos[static_cast<size_t>(j)];
              if (dx < 0 || dx >= cs.p) continue;
              const int64_t row = (ch / cs.d * cs.n + n) * P + i * np + j;
              sum += patches[static_cast<size_t>(row * dim + (dy * cs.p + dx) * cs.d + ch % cs.d)];
              ++count;
            }
          }
          out[static_cast<size_t>(((n * cs.depth + ch) * cs.hw + y) * cs.hw + x)] = sum / count;
        }
  return out;
}

// The strategies from the thesis's equations, in double.
dvec direct_strategy(int32_t s, double eps, const fvec& p, const fvec& q, int64_t dim) {
  dvec out(p.size());
  for (size_t r = 0; r * static_cast<size_t>(dim) < p.size(); ++r) {
    const size_t b = r * static_cast<size_t>(dim);
    double norm = 0;
    for (int64_t j = 0; j < dim; ++j) norm += (double(q[b + j]) - p[b + j]) * (double(q[b + j]) - p[b + j]);
    norm = std::sqrt(norm);
    for (int64_t j = 0; j < dim; ++j) {
      const double pv = p[b + j], qv = q[b + j];
      double v = qv;
      if (s == AC_PATCH_L2) v = norm < eps ? qv : pv + eps * (qv - pv) / norm;
      if (s == AC_PATCH_LINF) v = pv + std::min(std::max(qv - pv, -eps), eps);
      if (s == AC_PATCH_LINEAR) v = pv + eps * (qv - pv);
      out[b + j] = v;
    }
  }
  return out;
}

bool same_bits(const fvec& a, const fvec& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * 4) == 0);
}

fvec random_features(const Case& cs, uint64_t seed) {
  Rng rng(seed);
  return to_float(rng.away_from_zero(static_cast<size_t>(cs.n * cs.depth * cs.hw * cs.hw), 0.01, 1.0));
}

// Squared distance of u to the nearest point of E8 by exhaustive search: every integer
// vector with an even sum within round(u_i) +- 1, and every such vector + 1/2 within
// round(u_i - 1/2) +- 1. The box is enough: E8's covering radius is 1, and a point outside it
// has a coordinate at distance >= 1.5 from u. Writes the minimiser and the runner-up distance.
double e8_exhaustive(const double* u, double* best, double* second) {
  double dmin = INFINITY;
  *second = INFINITY;
  for (int coset = 0; coset < 2; ++coset) {
    const double shift = coset ? 0.5 : 0.0;
    double base[8];
    for (int i = 0; i < 8; ++i) base[i] = std::round(u[i] - shift);
    for (int code = 0; code < 6561; ++code) {
      double v[8], sum = 0, d = 0;
      int c = code;
      for (int i = 0; i < 8; ++i, c /= 3) {
        v[i] = base[i] + (c % 3) - 1;
        sum += v[i];
      }
      if (std::fmod(std::fabs(sum), 2.0) != 0.0) continue;
      for (int i = 0; i < 8; ++i) d += (u[i] - v[i] - shift) * (u[i] - v[i] - shift);
      if (d < dmin) {
        *second = dmin;
        dmin = d;
        for (int i = 0; i < 8; ++i) best[i] = v[i] + shift;
      } else if (d < *second) {
        *second = d;
      }
    }
  }
  return dmin;
}

// The coordinates of e are all integers or all half-integers, with an even sum.
bool in_e8(const double* e) {
  const bool half = e[0] != std::floor(e[0]);
  double sum = 0;
  for (int i = 0; i < 8; ++i) {
    if ((e[i] != std::floor(e[i])) != half) return false;
    if (half && e[i] - std::floor(e[i]) != 0.5) return false;
    sum += e[i];
  }
  return std::fmod(std::fabs(sum), 2.0) == 0.0;
}

}  // namespace

TEST(patches_geometry_counts_and_positions) {
  // H = 28, p = 5, c = 2: 0, 2, ..., 22, then 23; H = 13, p = 3, c = 3: 0, 3, 6, 9, then 10.
  CHECK(ac::patch_positions(28, 5, 2) == 13);
  CHECK(ac::patch_origin(11, 13, 2, 28, 5) == 22 && ac::patch_origin(12, 13, 2, 28, 5) == 23);
  CHECK(ac::patch_positions(13, 3, 3) == 5);
  CHECK(ac::patch_origin(3, 5, 3, 13, 3) == 9 && ac::patch_origin(4, 5, 3, 13, 3) == 10);
  CHECK(ac::patch_positions(12, 3, 3) == 4 && ac::patch_origin(3, 4, 3, 12, 3) == 9);  // lands exactly
  CHECK(ac::patch_positions(7, 7, 1) == 1 && ac::patch_positions(7, 1, 1) == 7);
  for (int64_t h : {1, 2, 5, 13, 28, 32})
    for (int64_t p = 1; p <= h && p <= 7; ++p)
      for (int64_t c = 1; c <= p; ++c) {
        const auto pos = walk_positions(h, p, c);
        const int64_t np = ac::patch_positions(h, p, c);
        CHECK_MSG(np == static_cast<int64_t>(pos.size()), "h %lld p %lld c %lld", (long long)h, (long long)p, (long long)c);
        std::vector<int> covered(static_cast<size_t>(h), 0);
        for (int64_t i = 0; i < np && i < static_cast<int64_t>(pos.size()); ++i) {
          CHECK(ac::patch_origin(i, np, c, h, p) == pos[static_cast<size_t>(i)]);
          for (int64_t y = pos[static_cast<size_t>(i)]; y < pos[static_cast<size_t>(i)] + p; ++y) ++covered[static_cast<size_t>(y)];
        }
        for (int v : covered) CHECK(v >= 1);
        ac_patch_geometry g{1, static_cast<int32_t>(p), static_cast<int32_t>(c)};
        int64_t count = -1;
        CHECK_STATUS(ac_patch_count(&g, h, h + 1, &count), AC_OK);
        CHECK(count == np * ac::patch_positions(h + 1, p, c));
      }
}

TEST(patches_extract_and_rebuild_fast_matches_reference) {
  Ctx ref(AC_DEVICE_CPU, AC_CONTEXT_REFERENCE_KERNELS), fast(AC_DEVICE_CPU, 0);
  uint64_t seed = 1;
  int cases = 0;
  for (const Case& cs : all_cases()) {
    ++cases;
    const fvec f = random_features(cs, seed++);
    Rng rng(seed++);
    const int64_t dim = int64_t{cs.p} * cs.p * cs.d;
    const fvec direct = direct_extract(cs, f);
    const fvec random_patches = to_float(rng.vec(direct.size(), -1.0, 1.0));
    const fvec q = nearby(rng, direct, dim);
    Results a = run_all(ref.ctx, cs, f, random_patches, q, 0.3f, 0.5f);
    Results b = run_all(fast.ctx, cs, f, random_patches, q, 0.3f, 0.5f);
    const std::string what = harness::printf_string("N %lld D %lld H %lld d %d p %d c %d", (long long)cs.n,
                                                    (long long)cs.depth, (long long)cs.hw, cs.d, cs.p, cs.c);
    CHECK_MSG(same_bits(a.patches, direct), "reference extract, %s", what.c_str());
    CHECK_MSG(same_bits(b.patches, direct), "fast extract, %s", what.c_str());
    // extract -> rebuild is exactly the identity
    CHECK_MSG(same_bits(a.rebuilt, f), "reference rebuild(extract), %s", what.c_str());
    CHECK_MSG(same_bits(b.rebuilt, f), "fast rebuild(extract), %s", what.c_str());
    // rebuild of unrelated patches: the mean of the covering values
    CHECK_CLOSE(a.rebuilt_random, direct_rebuild(cs, random_patches), 1e-7);
    CHECK_MSG(same_bits(b.rebuilt_random, a.rebuilt_random), "fast rebuild, %s", what.c_str());
    for (int s = 0; s < 4; ++s)
      CHECK_MSG(same_bits(b.strategies[s], a.strategies[s]), "fast strategy %d, %s", s, what.c_str());
    CHECK_MSG(same_bits(b.e8, a.e8), "fast e8, %s", what.c_str());
  }
  CHECK(cases > 60);
}

TEST(patches_rebuild_without_overlap_is_the_patch_value) {
  // c = p dividing H: every pixel is in exactly one patch, so the rebuild is a permutation.
  const Case cs{2, 8, 12, 4, 3, 3};
  const fvec f = random_features(cs, 4);
  fvec patches = direct_extract(cs, f);
  for (auto& v : patches) v = static_cast<float>(v * 2 - 0.25);  // any change carries through
  dvec want(f.size());
  for (size_t i = 0; i < f.size(); ++i) want[i] = static_cast<float>(f[i] * 2 - 0.25);
  Ctx fast(AC_DEVICE_CPU, 0);
  const ac_patch_geometry g = geometry(cs);
  Tensor p(fast.ctx, patches_shape(cs), patches), out(fast.ctx, features_shape(cs));
  CHECK_STATUS(ac_patches_rebuild(fast.ctx, p.t, &g, out.t), AC_OK);
  CHECK_CLOSE(out.read(), want, 0.0);
}

TEST(patches_strategies_follow_the_equations_and_limits) {
  Ctx ref(AC_DEVICE_CPU, AC_CONTEXT_REFERENCE_KERNELS), fast(AC_DEVICE_CPU, 0);
  Rng rng(11);
  for (int64_t dim : {1, 9, 200, 1000}) {
    const int64_t rows = 257;
    const fvec p = to_float(rng.away_from_zero(static_cast<size_t>(rows * dim), 0.01, 1.0));
    const fvec q = nearby(rng, p, dim);
    for (Ctx* c : {&ref, &fast}) {
      Tensor qt(c->ctx, {rows, dim}, q);
      auto apply = [&](int32_t s, float eps) {
        Tensor work(c->ctx, {rows, dim}, p);
        CHECK_STATUS(ac_patch_strategy_apply(c->ctx, work.t, qt.t, s, eps), AC_OK);
        return work.read();
      };
      for (float eps : {0.05f, 0.3f, 0.9f}) {
        for (int32_t s = 0; s < 4; ++s) CHECK_CLOSE(apply(s, eps), direct_strategy(s, eps, p, q, dim), 2e-7);
        // L2 ends within eps of P, Linf within eps per value.
        const fvec l2 = apply(AC_PATCH_L2, eps), linf = apply(AC_PATCH_LINF, eps);
        for (int64_t r = 0; r < rows; ++r) {
          double norm = 0;
          for (int64_t j = 0; j < dim; ++j) {
            const size_t at = static_cast<size_t>(r * dim + j);
            norm += (double(l2[at]) - p[at]) * (double(l2[at]) - p[at]);
            CHECK(std::abs(double(linf[at]) - p[at]) <= eps * (1 + 1e-6));
          }
          CHECK(std::sqrt(norm) <= eps * (1 + 1e-5));
        }
      }
      // plain is Q; eps = 0 is the identity; a huge eps (L2, Linf) or eps = 1 (linear) is plain.
      CHECK(same_bits(apply(AC_PATCH_PLAIN, 0.7f), q));
      for (int32_t s : {AC_PATCH_L2, AC_PATCH_LINF, AC_PATCH_LINEAR}) CHECK(apply(s, 0.0f) == p);
      CHECK(apply(AC_PATCH_L2, 1e30f) == q);
      CHECK(apply(AC_PATCH_LINF, 1e30f) == q);
      CHECK(apply(AC_PATCH_LINEAR, 1.0f) == q);
      // Q = P: every strategy leaves P (no 0/0 in the L2 direction).
      Tensor same(c->ctx, {rows, dim}, p);
      for (int32_t s = 0; s < 4; ++s)
        for (float eps : {0.0f, 0.5f}) {
          Tensor work(c->ctx, {rows, dim}, p);
          CHECK_STATUS(ac_patch_strategy_apply(c->ctx, work.t, same.t, s, eps), AC_OK);
          CHECK(work.read() == p);
        }
    }
  }
}

TEST(patches_e8_matches_exhaustive_search) {
  Rng rng(21);
  int unique = 0, total = 0;
  for (double scale : {0.1, 0.5, 1.0}) {
    const int64_t blocks = 1000;
    const fvec x = to_float(rng.vec(static_cast<size_t>(blocks * 8), -2.0, 2.0));
    fvec ref(x.size());
    ac::ref::e8_quantize<float>(blocks, static_cast<float>(scale), x.data(), ref.data());
    const float s = static_cast<float>(scale);
    for (int64_t b = 0; b < blocks; ++b) {
      double u[8], e[8], best[8] = {}, second = 0;
      for (int i = 0; i < 8; ++i) {
        u[i] = double(x[static_cast<size_t>(b * 8 + i)]) / double(s);
        // The output is the float nearest s e: recover e on the half-integer grid.
        const double back = double(ref[static_cast<size_t>(b * 8 + i)]) / double(s);
        e[i] = std::round(2 * back) / 2;
        CHECK(std::abs(back - e[i]) <= 1e-6 * (1 + std::abs(e[i])));
        CHECK(ref[static_cast<size_t>(b * 8 + i)] == static_cast<float>(double(s) * e[i]));
      }
      CHECK_MSG(in_e8(e), "block %lld at scale %g is not an E8 point", (long long)b, scale);
      double d = 0;
      for (int i = 0; i < 8; ++i) d += (u[i] - e[i]) * (u[i] - e[i]);
      const double dmin = e8_exhaustive(u, best, &second);
      CHECK_MSG(d <= dmin + 1e-9, "block %lld scale %g: distance %.12g, exhaustive %.12g", (long long)b, scale, d, dmin);
      ++total;
      if (second - dmin > 1e-9) {
        ++unique;
        bool same = true;
        for (int i = 0; i < 8; ++i) same &= std::abs(e[i] - best[i]) < 1e-9;
        CHECK_MSG(same, "block %lld scale %g: not the exhaustive minimiser", (long long)b, scale);
      }
    }
    // the fast backend and in place
    Ctx fctx(AC_DEVICE_CPU, 0);
    Tensor xt(fctx.ctx, {blocks, 8}, x), out(fctx.ctx, {blocks, 8});
    CHECK_STATUS(ac_e8_quantize(fctx.ctx, xt.t, s, out.t), AC_OK);
    CHECK(same_bits(out.read(), ref));
    CHECK_STATUS(ac_e8_quantize(fctx.ctx, xt.t, s, xt.t), AC_OK);
    CHECK(same_bits(xt.read(), ref));
  }
  CHECK(total == 3000 && unique > 2900);
}

TEST(patches_e8_tie_rule) {
  auto q = [](std::vector<double> u) {
    double e[8];
    ac::ref::e8_nearest(u.data(), e);
    return std::vector<double>(e, e + 8);
  };
  const std::vector<double> zero(8, 0.0);
  // Rounding ties go to the smaller magnitude: (1/2, 1/2, 0...) -> 0, not (1, 1, 0...).
  CHECK(q({0.5, 0.5, 0, 0, 0, 0, 0, 0}) == zero);
  CHECK(q({-0.5, -0.5, 0, 0, 0, 0, 0, 0}) == zero);
  // (3/2, 1/2, 0...) rounds to (1, 0, ...), odd; equal errors, so index 0 goes up: (2, 0, ...),
  // as near as (1, 1, 0, ...).
  CHECK(q({1.5, 0.5, 0, 0, 0, 0, 0, 0}) == std::vector<double>({2, 0, 0, 0, 0, 0, 0, 0}));
  // Odd rounded sum with equal errors: the lowest index goes the other way (3/4 -> 0).
  CHECK(q({0.75, 0.25, 0, 0, 0, 0, 0, 0}) == zero);
  CHECK(q({0.25, 0.75, 0, 0, 0, 0, 0, 0}) == std::vector<double>({1, 1, 0, 0, 0, 0, 0, 0}));
  // (1, 0, ...), a deep hole: every rounding error is 0, so index 0 goes up, giving (2, 0, ...)
  // (as far as 0); the half coset's best, (1/2, ..., 1/2), is farther.
  CHECK(q({1, 0, 0, 0, 0, 0, 0, 0}) == std::vector<double>({2, 0, 0, 0, 0, 0, 0, 0}));
  // Equal distance to both cosets: the integer point.
  CHECK(q(std::vector<double>(8, 0.25)) == zero);
  CHECK(q(std::vector<double>(8, -0.25)) == zero);
  // Points of E8 are fixed.
  CHECK(q({0.5, -0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 1.5}) == std::vector<double>({0.5, -0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 1.5}));
  CHECK(q({2, 0, 0, 0, 0, 0, 0, 0}) == std::vector<double>({2, 0, 0, 0, 0, 0, 0, 0}));
}

TEST(patches_abi_checks_parameters) {
  Ctx c(AC_DEVICE_CPU, 0);
  Tensor f(c.ctx, {2, 6, 9, 9}), f4(c.ctx, {2, 6, 9, 9}), flat(c.ctx, {6, 81});
  Rng rng(31);
  f.write(to_float(rng.vec(2 * 6 * 81)));
  // d = 3, p = 3, c = 2: positions 0, 2, 4, 6 -> P = 16; patches [2, 32, 27].
  const ac_patch_geometry g{3, 3, 2};
  Tensor p(c.ctx, {2, 32, 27}), wrong(c.ctx, {2, 31, 27}), wrong2(c.ctx, {64, 27});
  int64_t count = 0;
  CHECK_STATUS(ac_patch_count(&g, 9, 9, &count), AC_OK);
  CHECK(count == 16);
  CHECK_STATUS(ac_patches_extract(c.ctx, f.t, &g, p.t), AC_OK);
  CHECK_STATUS(ac_patches_rebuild(c.ctx, p.t, &g, f4.t), AC_OK);
  CHECK(f4.read() == f.read());
  auto geo_fails = [&](ac_patch_geometry bad, const char* word) {
    CHECK_STATUS(ac_patches_extract(c.ctx, f.t, &bad, p.t), AC_ERR_INVALID_ARGUMENT);
    CHECK_MSG(std::strstr(ac_last_error(), word) != nullptr, "'%s' not in: %s", word, ac_last_error());
    CHECK_STATUS(ac_patches_rebuild(c.ctx, p.t, &bad, f4.t), AC_ERR_INVALID_ARGUMENT);
  };
  geo_fails({4, 3, 2}, "multiple");     // D = 6 is not a multiple of 4
  geo_fails({0, 3, 2}, "slice_depth");
  geo_fails({3, 0, 1}, "size");
  geo_fails({3, 10, 1}, "does not fit");  // p > H
  geo_fails({3, 3, 0}, "stride");
  geo_fails({3, 3, 4}, "stride");         // stride > p
  CHECK_STATUS(ac_patches_extract(c.ctx, f.t, nullptr, p.t), AC_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ac_patches_extract(c.ctx, f.t, &g, wrong.t), AC_ERR_SHAPE);
  CHECK(std::strstr(ac_last_error(), "expected 2x32x27") != nullptr);
  CHECK_STATUS(ac_patches_extract(c.ctx, f.t, &g, wrong2.t), AC_ERR_SHAPE);
  CHECK_STATUS(ac_patches_rebuild(c.ctx, wrong.t, &g, f4.t), AC_ERR_SHAPE);
  CHECK_STATUS(ac_patches_extract(c.ctx, flat.t, &g, p.t), AC_ERR_SHAPE);
  CHECK_STATUS(ac_patches_rebuild(c.ctx, p.t, &g, flat.t), AC_ERR_SHAPE);
  CHECK_STATUS(ac_patches_extract(c.ctx, f.t, &g, nullptr), AC_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ac_patch_count(&g, 9, 9, nullptr), AC_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ac_patch_count(nullptr, 9, 9, &count), AC_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ac_patch_count(&g, 2, 9, &count), AC_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ac_patch_count(&g, 0, 9, &count), AC_ERR_INVALID_ARGUMENT);
  {
    ac_tensor* ip = nullptr;
    int64_t shape[] = {2, 32, 27};
    CHECK_STATUS(ac_tensor_create(c.ctx, AC_I32, 3, shape, &ip), AC_OK);
    CHECK_STATUS(ac_patches_extract(c.ctx, f.t, &g, ip), AC_ERR_SHAPE);
    ac_tensor_destroy(ip);
  }
  // strategies
  Tensor q(c.ctx, {2, 32, 27});
  CHECK_STATUS(ac_tensor_copy(q.t, p.t), AC_OK);
  CHECK_STATUS(ac_patch_strategy_apply(c.ctx, p.t, q.t, AC_PATCH_L2, 0.5f), AC_OK);
  CHECK_STATUS(ac_patch_strategy_apply(c.ctx, p.t, p.t, AC_PATCH_LINEAR, 0.5f), AC_OK);  // aliasing
  CHECK_STATUS(ac_patch_strategy_apply(c.ctx, p.t, q.t, 4, 0.5f), AC_ERR_INVALID_ARGUMENT);
  CHECK(std::strstr(ac_last_error(), "strategy") != nullptr);
  CHECK_STATUS(ac_patch_strategy_apply(c.ctx, p.t, q.t, -1, 0.5f), AC_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ac_patch_strategy_apply(c.ctx, p.t, q.t, AC_PATCH_L2, -0.1f), AC_ERR_INVALID_ARGUMENT);
  CHECK(std::strstr(ac_last_error(), "eps") != nullptr);
  CHECK_STATUS(ac_patch_strategy_apply(c.ctx, p.t, q.t, AC_PATCH_LINF, std::nanf("")), AC_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ac_patch_strategy_apply(c.ctx, p.t, q.t, AC_PATCH_LINF, INFINITY), AC_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ac_patch_strategy_apply(c.ctx, p.t, wrong.t, AC_PATCH_PLAIN, 0.0f), AC_ERR_SHAPE);
  CHECK_STATUS(ac_patch_strategy_apply(c.ctx, p.t, nullptr, AC_PATCH_PLAIN, 0.0f), AC_ERR_INVALID_ARGUMENT);
  // E8
  Tensor x8(c.ctx, {3, 16}), x7(c.ctx, {3, 7}), out8(c.ctx, {3, 16}), out48(c.ctx, {48});
  x8.write(to_float(rng.vec(48)));
  CHECK_STATUS(ac_e8_quantize(c.ctx, x8.t, 0.5f, out8.t), AC_OK);
  CHECK_STATUS(ac_e8_quantize(c.ctx, x7.t, 0.5f, x7.t), AC_ERR_SHAPE);
  CHECK(std::strstr(ac_last_error(), "multiple of 8") != nullptr);
  CHECK_STATUS(ac_e8_quantize(c.ctx, x8.t, 0.5f, out48.t), AC_ERR_SHAPE);
  CHECK_STATUS(ac_e8_quantize(c.ctx, x8.t, 0.0f, out8.t), AC_ERR_INVALID_ARGUMENT);
  CHECK(std::strstr(ac_last_error(), "scale") != nullptr);
  CHECK_STATUS(ac_e8_quantize(c.ctx, x8.t, -1.0f, out8.t), AC_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ac_e8_quantize(c.ctx, x8.t, std::nanf(""), out8.t), AC_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ac_e8_quantize(c.ctx, x8.t, INFINITY, out8.t), AC_ERR_INVALID_ARGUMENT);
  // another context's tensor
  Ctx other(AC_DEVICE_CPU, 0);
  Tensor po(other.ctx, {2, 32, 27});
  CHECK_STATUS(ac_patches_extract(c.ctx, f.t, &g, po.t), AC_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(ac_patches_extract(c.ctx, f.t, &g, f.t), AC_ERR_SHAPE);
}
