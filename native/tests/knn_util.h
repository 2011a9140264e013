// Helpers of the k-NN tests (test_knn.cpp, cuda_knn_parity.cpp): random codebooks, a float64
// brute force computed here (every distance, sorted by (distance, index)), the comparison rule
// of backends against it, and an ABI runner.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <cstdint>
#include <numeric>
#include <vector>

#include "advcore.h"
#include "test_util.h"

namespace knn_test {

using testutil::dvec;
using testutil::fvec;

struct Result {
  std::vector<int32_t> idx;
  fvec dist;
};

// The whole float64 truth for one query: distances to every codebook row, and the rows in
// (distance, index) order.
struct Truth {
  dvec dist;                   // [K]
  std::vector<int32_t> order;  // [K]
};

inline std::vector<Truth> brute_force(const fvec& q, const fvec& c, int64_t n, int64_t K, int64_t d) {
  std::vector<Truth> all(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    Truth& t = all[static_cast<size_t>(i)];
    t.dist.resize(static_cast<size_t>(K));
    for (int64_t j = 0; j < K; ++j) {
      long double s = 0;  // more than double: the test's own truth
      for (int64_t e = 0; e < d; ++e) {
        const long double diff = static_cast<long double>(q[static_cast<size_t>(i * d + e)]) -
                                 static_cast<long double>(c[static_cast<size_t>(j * d + e)]);
        s += diff * diff;
      }
      t.dist[static_cast<size_t>(j)] = static_cast<double>(s);
    }
    t.order.resize(static_cast<size_t>(K));
    std::iota(t.order.begin(), t.order.end(), 0);
    // By (distance, index): the order a stable sort of the iota would give, without
    // std::stable_sort (libstdc++ 12's temporary buffer is deprecated under clang 19 -Werror).
    std::sort(t.order.begin(), t.order.end(), [&](int32_t a, int32_t b) {
      auto key = [&](int32_t j) {  // NaN ranks last, so the order stays a strict weak one
        double v = t.dist[static_cast<size_t>(j)];
        return std::isnan(v) ? HUGE_VAL : v;
      };
      double da = key(a), db = key(b);
      return da < db || (da == db && a < b);
    });
  }
  return all;
}

// A backend's k-NN result against the truth:
//  - every row is sorted by (distance, index) and holds distinct indices in [0, K);
//  - each reported distance is the exact distance of its own index within 1e-6 relative;
//  - the t-th distance equals the t-th true distance within 1e-5 relative;
//  - the t-th index is the true one wherever both gaps around the t-th true distance exceed
//    1e-4 relative (an index is only ambiguous among near-ties).
// Returns the number of positions whose index was checked (so a test can insist most were).
inline int64_t check_against_truth(const Result& r, const std::vector<Truth>& truth, int64_t K,
                                   int32_t k, const char* what) {
  int64_t checked = 0, bad = 0;
  const int64_t n = static_cast<int64_t>(truth.size());
  for (int64_t i = 0; i < n && bad < 5; ++i) {
    const Truth& t = truth[static_cast<size_t>(i)];
    for (int32_t s = 0; s < k && bad < 5; ++s) {
      const size_t o = static_cast<size_t>(i * k + s);
      const int32_t gi = r.idx[o];
      const double gd = r.dist[o];
      if (gi < 0 || gi >= K) {
        ++bad;
        CHECK_MSG(false, "%s: query %lld slot %d index %d out of range", what, static_cast<long long>(i), s, gi);
        continue;
      }
      if (s > 0) {
        const int32_t pi = r.idx[o - 1];
        const float pd = r.dist[o - 1];
        const bool sorted = pd < r.dist[o] || (pd == r.dist[o] && pi < gi);
        if (!sorted) ++bad;
        CHECK_MSG(sorted, "%s: query %lld slots %d,%d not in (distance, index) order: (%.9g, %d) then (%.9g, %d)",
                  what, static_cast<long long>(i), s - 1, s, static_cast<double>(pd), pi, gd, gi);
      }
      const double own = t.dist[static_cast<size_t>(gi)];
      const bool own_ok = std::abs(gd - own) <= 1e-6 * std::max(own, 1e-30) + 1e-30;
      if (!own_ok) ++bad;
      CHECK_MSG(own_ok, "%s: query %lld slot %d: distance %.9g but row %d is at %.9g", what,
                static_cast<long long>(i), s, gd, gi, own);
      const double want = t.dist[static_cast<size_t>(t.order[static_cast<size_t>(s)])];
      const bool dist_ok = std::abs(gd - want) <= 1e-5 * std::max(want, 1e-30) + 1e-30;
      if (!dist_ok) ++bad;
      CHECK_MSG(dist_ok, "%s: query %lld slot %d: distance %.9g, want %.9g", what,
                static_cast<long long>(i), s, gd, want);
      const double tol = 1e-4 * std::max(want, 1e-30);
      const double below = s == 0 ? INFINITY : want - t.dist[static_cast<size_t>(t.order[static_cast<size_t>(s - 1)])];
      const double above = s + 1 >= K ? INFINITY : t.dist[static_cast<size_t>(t.order[static_cast<size_t>(s + 1)])] - want;
      if (below > tol && above > tol) {
        ++checked;
        const int32_t wi = t.order[static_cast<size_t>(s)];
        if (gi != wi) ++bad;
        CHECK_MSG(gi == wi, "%s: query %lld slot %d: index %d (%.9g), want %d (%.9g)", what,
                  static_cast<long long>(i), s, gi, gd, wi, want);
      }
    }
  }
  return checked;
}

// Two backends' results: equal indices where the truth leaves no ambiguity (as above) and, where
// the indices agree, distances within rel (0: bitwise).
inline void check_same(const Result& got, const Result& ref, const std::vector<Truth>& truth, int64_t K,
                       int32_t k, double rel, const char* what) {
  int64_t bad = 0;
  for (size_t o = 0; o < got.idx.size() && bad < 5; ++o) {
    if (got.idx[o] != ref.idx[o]) {
      const Truth& t = truth[o / static_cast<size_t>(k)];
      const int32_t s = static_cast<int32_t>(o % static_cast<size_t>(k));
      const double want = t.dist[static_cast<size_t>(t.order[static_cast<size_t>(s)])];
      const double tol = 1e-4 * std::max(want, 1e-30);
      const double below = s == 0 ? INFINITY : want - t.dist[static_cast<size_t>(t.order[static_cast<size_t>(s - 1)])];
      const double above = s + 1 >= K ? INFINITY : t.dist[static_cast<size_t>(t.order[static_cast<size_t>(s + 1)])] - want;
      const bool ambiguous = !(below > tol && above > tol);
      if (!ambiguous) ++bad;
      CHECK_MSG(ambiguous, "%s: slot %zu index %d vs reference %d", what, o, got.idx[o], ref.idx[o]);
      continue;
    }
    const double g = got.dist[o], w = ref.dist[o];
    const bool ok = rel == 0 ? got.dist[o] == ref.dist[o] : std::abs(g - w) <= rel * std::max(std::abs(w), 1e-30);
    if (!ok) ++bad;
    CHECK_MSG(ok, "%s: slot %zu (index %d) distance %.9g vs reference %.9g", what, o, got.idx[o], g, w);
  }
}

// Random rows in [-1, 1) (float-exact), never zeros.
inline fvec random_rows(testutil::Rng& rng, int64_t rows, int64_t d) {
  return testutil::to_float(rng.away_from_zero(static_cast<size_t>(rows * d), 1e-3, 1.0));
}

// Image-like rows: a share of all-zero rows, values on a coarse grid (exact ties everywhere),
// otherwise smooth ramps with noise, all scaled by `scale`.
inline fvec patch_rows(testutil::Rng& rng, int64_t rows, int64_t d, double zero_share, double scale) {
  fvec v(static_cast<size_t>(rows * d), 0.0f);
  for (int64_t i = 0; i < rows; ++i) {
    if (rng.uniform(0, 1) < zero_share) continue;
    const double base = rng.uniform(0, 1), slope = rng.uniform(-0.2, 0.2);
    const bool grid = rng.uniform(0, 1) < 0.5;
    for (int64_t j = 0; j < d; ++j) {
      double x = std::clamp(base + slope * static_cast<double>(j) + rng.uniform(-0.05, 0.05), 0.0, 1.0);
      if (grid) x = std::round(x * 4) / 4;
      v[static_cast<size_t>(i * d + j)] = static_cast<float>(x * scale);
    }
  }
  return v;
}

// Queries: new rows, runs of one repeated row, exact codebook rows and rows a hair off them.
inline fvec patch_queries(testutil::Rng& rng, const fvec& codebook, int64_t K, int64_t n, int64_t d, double scale) {
  fvec q = patch_rows(rng, n, d, 0.4, scale);
  for (int64_t i = 1; i < n; ++i) {
    const double u = rng.uniform(0, 1);
    float* row = &q[static_cast<size_t>(i * d)];
    if (u < 0.3) {
      std::memcpy(row, row - d, static_cast<size_t>(d) * sizeof(float));
    } else if (u < 0.45) {
      const int64_t j = rng.integer(0, K - 1);
      std::memcpy(row, &codebook[static_cast<size_t>(j * d)], static_cast<size_t>(d) * sizeof(float));
      if (u > 0.4) row[rng.integer(0, d - 1)] += static_cast<float>(scale * 1e-6);
    }
  }
  return q;
}

// Every index and every distance bit equal (NaN distances equal to NaN).
inline void check_identical(const Result& got, const Result& want, const std::string& what) {
  int64_t bad = 0;
  for (size_t o = 0; o < want.idx.size() && bad < 5; ++o) {
    const bool same_dist = std::memcmp(&got.dist[o], &want.dist[o], sizeof(float)) == 0 ||
                           (std::isnan(got.dist[o]) && std::isnan(want.dist[o]));
    const bool ok = got.idx[o] == want.idx[o] && same_dist;
    if (!ok) ++bad;
    CHECK_MSG(ok, "%s: slot %zu: (%d, %.9g), reference (%d, %.9g)", what.c_str(), o, got.idx[o],
              static_cast<double>(got.dist[o]), want.idx[o], static_cast<double>(want.dist[o]));
  }
}

// ---------------------------------------------------------------- through the C ABI

struct Ctx {
  ac_context* ctx = nullptr;
  explicit Ctx(ac_device device, uint32_t flags = 0, int32_t threads = 2) {
    CHECK_STATUS(ac_context_create(device, threads, 7, flags, &ctx), AC_OK);
  }
  Ctx(const Ctx&) = delete;
  Ctx& operator=(const Ctx&) = delete;
  ~Ctx() { ac_context_destroy(ctx); }
};

struct T {
  ac_tensor* t = nullptr;
  T(ac_context* ctx, ac_dtype dtype, std::vector<int64_t> shape) {
    CHECK_STATUS(ac_tensor_create(ctx, dtype, static_cast<int32_t>(shape.size()), shape.data(), &t), AC_OK);
  }
  template <class V>
  T(ac_context* ctx, ac_dtype dtype, std::vector<int64_t> shape, const std::vector<V>& values)
      : T(ctx, dtype, shape) {
    CHECK_STATUS(ac_tensor_copy_from_host(t, values.data(), static_cast<int64_t>(values.size() * 4)), AC_OK);
  }
  T(const T&) = delete;
  T& operator=(const T&) = delete;
  ~T() { ac_tensor_destroy(t); }
  template <class V>
  std::vector<V> read() const {
    int64_t count = 0;
    ac_tensor_count(t, &count);
    std::vector<V> out(static_cast<size_t>(count));
    CHECK_STATUS(ac_tensor_copy_to_host(t, out.data(), count * 4), AC_OK);
    return out;
  }
};

// ac_row_sq_norms then ac_knn on ctx.
inline Result run_abi(ac_context* ctx, const fvec& q, const fvec& c, int64_t n, int64_t K, int64_t d, int32_t k) {
  T tq(ctx, AC_F32, {n, d}, q), tc(ctx, AC_F32, {K, d}, c), norms(ctx, AC_F32, {K});
  T idx(ctx, AC_I32, {n, k}), dist(ctx, AC_F32, {n, k});
  CHECK_STATUS(ac_row_sq_norms(ctx, tc.t, norms.t), AC_OK);
  CHECK_STATUS(ac_knn(ctx, tq.t, tc.t, norms.t, k, idx.t, dist.t), AC_OK);
  return {idx.read<int32_t>(), dist.read<float>()};
}

}  // namespace knn_test
