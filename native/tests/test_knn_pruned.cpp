// The fast backend's pruned k-NN path (cpu/knn_ball_index.h) against the reference, bit for bit:
// data made to break pruning bounds (image-like patches with many exact ties and repeats, exact
// codebook rows as queries, duplicate codebook rows, values near float's smallest and largest),
// every k, rows of 1 to 32, 1 and 3 threads; the probe that hands work to the brute force when the
// balls do not prune; non-finite queries and codebooks; KnnBallIndex directly on every query.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "core/context.h"
#include "cpu/fast_backend.h"
#include "cpu/knn_ball_index.h"
#include "cpu/reference_knn.h"
#include "knn_util.h"

using namespace testutil;
using namespace knn_test;

namespace {

Result run(ac::Backend& b, const fvec& q, const fvec& c, int64_t n, int64_t K, int64_t d, int32_t k) {
  fvec norms(static_cast<size_t>(K));
  b.row_sq_norms(K, d, c.data(), norms.data());
  Result r{std::vector<int32_t>(static_cast<size_t>(n * k), -7), fvec(static_cast<size_t>(n * k), std::nanf(""))};
  b.knn(n, K, d, k, q.data(), c.data(), norms.data(), r.idx.data(), r.dist.data());
  return r;
}

// The fast backend (1 and 3 threads) equals the reference; returns the pruned share of the
// 1-thread run.
double check_paths(const fvec& q, const fvec& c, int64_t n, int64_t K, int64_t d, int32_t k, const std::string& label) {
  auto ref = ac::make_cpu_reference_backend();
  const Result want = run(*ref, q, c, n, K, d, k);
  double pruned = 0;
  for (int threads : {1, 3}) {
    ac::CpuFastBackend fast(threads);
    check_identical(run(fast, q, c, n, K, d, k), want, harness::printf_string("fast(%d) %s", threads, label.c_str()));
    if (threads == 1) pruned = static_cast<double>(fast.knn_paths.pruned) / static_cast<double>(n);
  }
  return pruned;
}

}  // namespace

TEST(knn_pruned_equals_reference_on_patch_like_data) {
  struct Case {
    int64_t n, K, d;
    int32_t k;
    double scale;
  };
  // d = 9: 3x3 on one channel; d = 25: 5x5; scales near float's smallest normal and near its top.
  const Case cases[] = {
      {6000, 4096, 9, 1, 1.0},  {6000, 4096, 9, 5, 1.0},    {4000, 1024, 9, 64, 1.0}, {5000, 2000, 1, 3, 1.0},
      {5000, 900, 2, 7, 1.0},   {5000, 3000, 25, 1, 1.0},   {4000, 2500, 32, 4, 1.0}, {4000, 1500, 9, 2, 1e-18},
      {4000, 1500, 9, 2, 1e18}, {3000, 64, 4, 64, 1.0},
  };
  uint64_t seed = 101;
  for (const Case& cs : cases) {
    Rng rng(seed++);
    fvec c = patch_rows(rng, cs.K, cs.d, 0.05, cs.scale);
    // Duplicate codebook rows (ties between indices) at both ends.
    for (int64_t t = 0; t < 20; ++t)
      std::memcpy(&c[static_cast<size_t>(rng.integer(0, cs.K - 1) * cs.d)], &c[static_cast<size_t>(rng.integer(0, cs.K - 1) * cs.d)],
                  static_cast<size_t>(cs.d) * sizeof(float));
    const fvec q = patch_queries(rng, c, cs.K, cs.n, cs.d, cs.scale);
    const std::string label = harness::printf_string("n=%lld K=%lld d=%lld k=%d scale=%g", static_cast<long long>(cs.n),
                                                     static_cast<long long>(cs.K), static_cast<long long>(cs.d), cs.k, cs.scale);
    const double pruned = check_paths(q, c, cs.n, cs.K, cs.d, cs.k, label);
    printf("  %s: pruned share %.3f\n", label.c_str(), pruned);
    if (cs.k < cs.K / 8) CHECK_MSG(pruned == 1.0, "%s: the pruned path answered %.3f of the queries, want all", label.c_str(), pruned);
  }
}

TEST(knn_pruned_answers_like_the_float64_truth) {
  // The reference is checked against a long-double brute force elsewhere; here the pruned path
  // itself, on random rows (no structure for the balls to exploit).
  const int64_t n = 2000, K = 1024, d = 9;
  Rng rng(7);
  const fvec c = random_rows(rng, K, d), q = random_rows(rng, n, d);
  const auto truth = brute_force(q, c, n, K, d);
  for (int32_t k : {1, 8}) {
    ac::CpuFastBackend fast(2);
    const Result got = run(fast, q, c, n, K, d, k);
    CHECK(fast.knn_paths.pruned == n);
    const int64_t checked = check_against_truth(got, truth, K, k, "pruned");
    CHECK(checked * 10 >= n * k * 9);
  }
}

TEST(knn_probe_hands_unprunable_work_to_the_brute_force) {
  // 32 uniform random dimensions: every ball overlaps every query's neighbourhood, so the probe
  // (first 2048 queries) finds the balls do not prune and the rest goes to the tiles.
  const int64_t n = 5000, K = 4096, d = 32;
  Rng rng(9);
  const fvec c = random_rows(rng, K, d), q = random_rows(rng, n, d);
  auto ref = ac::make_cpu_reference_backend();
  const Result want = run(*ref, q, c, n, K, d, 3);
  ac::CpuFastBackend fast(2);
  check_identical(run(fast, q, c, n, K, d, 3), want, "unprunable");
  CHECK_MSG(fast.knn_paths.pruned == 2048 && fast.knn_paths.brute_force == n - 2048, "pruned %lld, brute force %lld",
            static_cast<long long>(fast.knn_paths.pruned), static_cast<long long>(fast.knn_paths.brute_force));
  // Rows longer than 32 or too few queries never try the balls.
  ac::CpuFastBackend other(2);
  const fvec c40 = random_rows(rng, 1000, 40), q40 = random_rows(rng, 3000, 40);
  run(other, q40, c40, 3000, 1000, 40, 1);
  run(other, q, c, 200, K, d, 1);
  CHECK(other.knn_paths.pruned == 0 && other.knn_paths.brute_force == 3200);
}

TEST(knn_pruned_non_finite_queries_and_codebooks) {
  const int64_t n = 3000, K = 1024, d = 9;
  Rng rng(13);
  fvec c = patch_rows(rng, K, d, 0.05, 1.0);
  fvec q = patch_queries(rng, c, K, n, d, 1.0);
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  q[5 * d + 2] = nan;  // a NaN query, then a copy of it (the repeat shortcut), then an infinite one
  std::memcpy(&q[6 * d], &q[5 * d], static_cast<size_t>(d) * sizeof(float));
  q[2500 * d] = -inf;
  CHECK(check_paths(q, c, n, K, d, 4, "non-finite queries") == 1.0);
  // A non-finite codebook row: no index can be built; the brute force answers everything.
  c[17 * d + 3] = inf;
  auto ref = ac::make_cpu_reference_backend();
  ac::CpuFastBackend fast(2);
  check_identical(run(fast, q, c, n, K, d, 4), run(*ref, q, c, n, K, d, 4), "non-finite codebook");
  CHECK(fast.knn_paths.pruned == 0);
  ac::KnnBallIndex index;
  CHECK(!index.build(K, d, c.data(), 1));
}

TEST(knn_ball_index_search_equals_reference_per_query) {
  // The index alone, every query on its own (no repeat shortcut, no probe), k = 1 .. 64.
  const int64_t n = 700, K = 3000, d = 9;
  Rng rng(17);
  const fvec c = patch_rows(rng, K, d, 0.1, 1.0);
  const fvec q = patch_queries(rng, c, K, n, d, 1.0);
  ac::KnnBallIndex index;
  CHECK(index.build(K, d, c.data(), 2));
  CHECK(index.balls() == 55);  // round(sqrt(3000))
  int64_t screened = 0;
  for (int32_t k : {1, 2, 17, 64}) {
    Result got{std::vector<int32_t>(static_cast<size_t>(n * k)), fvec(static_cast<size_t>(n * k))};
    Result want = got;
    for (int64_t i = 0; i < n; ++i) {
      const int64_t s = index.search(&q[static_cast<size_t>(i * d)], k, &got.idx[static_cast<size_t>(i * k)], &got.dist[static_cast<size_t>(i * k)]);
      CHECK(s >= k);
      screened += s;
      ac::ref::knn(int64_t{1}, K, d, k, &q[static_cast<size_t>(i * d)], c.data(), &want.idx[static_cast<size_t>(i * k)],
                   &want.dist[static_cast<size_t>(i * k)]);
    }
    check_identical(got, want, harness::printf_string("index k=%d", k));
  }
  // The point of it: far fewer rows looked at than K per query.
  CHECK_MSG(screened < 4 * n * K / 8, "screened %lld rows for %lld queries of K = %lld", static_cast<long long>(screened),
            static_cast<long long>(4 * n), static_cast<long long>(K));
}

TEST(knn_brute_force_is_exact_on_grid_ties) {
  // Patch-like rows, half of them on a grid of quarters: many rows tie exactly, more than the
  // brute force's k + 4 candidates; its per-query proof must send those queries to the
  // reference (before it did, k = 64 here lost tied rows to the BLAS formula's rounding).
  // 1500 queries against K = 1024: too few for the balls, so all go to the brute force.
  const int64_t n = 1500, K = 1024, d = 9;
  Rng rng(103);
  const fvec c = patch_rows(rng, K, d, 0.05, 1.0);
  const fvec q = patch_queries(rng, c, K, n, d, 1.0);
  auto ref = ac::make_cpu_reference_backend();
  for (int32_t k : {1, 16, 64}) {
    ac::CpuFastBackend fast(2);
    check_identical(run(fast, q, c, n, K, d, k), run(*ref, q, c, n, K, d, k), harness::printf_string("grid k=%d", k));
    CHECK(fast.knn_paths.brute_force == n);
  }
}
