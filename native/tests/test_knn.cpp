// Exact k-NN (ac_knn), squared row norms (ac_row_sq_norms) and row gathers (ac_gather_rows) on
// the CPU backends: the reference and the fast kernel against a float64 brute force computed
// here, the fast kernel against the reference on random data (never zeros; odd sizes; K that
// needs many codebook tiles, N over several query blocks, N small enough that the codebook is
// split between threads), exact duplicate codebook rows (the lower index first, on both sides
// of a tile and of a thread's part), k = K, and the ABI's refusals.
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "advcore.h"
#include "core/context.h"
#include "cpu/fast_backend.h"
#include "cpu/reference_knn.h"
#include "knn_util.h"

using namespace testutil;
using namespace knn_test;

namespace {

Result run_backend(ac::Backend& b, const fvec& q, const fvec& c, int64_t n, int64_t K, int64_t d, int32_t k) {
  fvec norms(static_cast<size_t>(K));
  b.row_sq_norms(K, d, c.data(), norms.data());
  Result r{std::vector<int32_t>(static_cast<size_t>(n * k), -7), fvec(static_cast<size_t>(n * k), std::nanf(""))};
  b.knn(n, K, d, k, q.data(), c.data(), norms.data(), r.idx.data(), r.dist.data());
  return r;
}

struct Case {
  int64_t n, K, d;
  int32_t k;
};

// Fast (1 and 3 threads) and reference against the brute force, fast against the reference.
void check_case(const Case& cs, uint64_t seed) {
  Rng rng(seed);
  const fvec c = random_rows(rng, cs.K, cs.d), q = random_rows(rng, cs.n, cs.d);
  const auto truth = brute_force(q, c, cs.n, cs.K, cs.d);
  auto ref = ac::make_cpu_reference_backend();
  const Result want = run_backend(*ref, q, c, cs.n, cs.K, cs.d, cs.k);
  const std::string label = harness::printf_string("n=%lld K=%lld d=%lld k=%d", static_cast<long long>(cs.n),
                                                   static_cast<long long>(cs.K), static_cast<long long>(cs.d), cs.k);
  const int64_t checked = check_against_truth(want, truth, cs.K, cs.k, ("reference " + label).c_str());
  CHECK_MSG(checked * 10 >= cs.n * cs.k * 9, "%s: only %lld of %lld positions unambiguous", label.c_str(),
            static_cast<long long>(checked), static_cast<long long>(cs.n * cs.k));
  for (int threads : {1, 3}) {
    ac::CpuFastBackend fast(threads);
    const Result got = run_backend(fast, q, c, cs.n, cs.K, cs.d, cs.k);
    const std::string what = harness::printf_string("fast(%d) %s", threads, label.c_str());
    check_against_truth(got, truth, cs.K, cs.k, what.c_str());
    check_same(got, want, truth, cs.K, cs.k, 0.0, what.c_str());  // same exact formula: same bits
  }
}

}  // namespace

TEST(knn_reference_and_fast_match_float64_brute_force) {
  const Case cases[] = {
      {1, 1, 1, 1},    {7, 3, 5, 3},     {37, 1000, 9, 1},  {37, 1000, 9, 5}, {1, 1000, 72, 5},
      {13, 64, 9, 64}, {5, 50, 16, 50},  {40, 777, 3, 7},   {300, 500, 9, 1},
  };
  uint64_t seed = 11;
  for (const Case& cs : cases) check_case(cs, seed++);
}

TEST(knn_fast_many_tiles_and_query_blocks) {
  // K = 10000: five codebook tiles of 2048; N = 300 and 777: two and four query blocks.
  check_case({300, 10000, 9, 1}, 21);
  check_case({777, 10000, 9, 5}, 22);
  // N below the thread count with enough work: the codebook is split between threads and the
  // per-part lists merged.
  check_case({2, 200000, 9, 3}, 23);
  check_case({1, 60000, 40, 64}, 24);
  check_case({2, 12000, 100, 1}, 25);
}

TEST(knn_duplicate_rows_go_to_the_lower_index) {
  // Row `src` copied to several places, including both sides of a codebook tile (2048) and of
  // the split between two threads' parts (K / 2 = 6000); queries near it and exactly on it.
  const int64_t K = 12000, d = 100;
  Rng rng(31);
  fvec c = random_rows(rng, K, d);
  const int64_t src = 2047, copies[] = {2048, 100, 5999, 6000, 11999};
  for (int64_t t : copies)
    std::memcpy(&c[static_cast<size_t>(t * d)], &c[static_cast<size_t>(src * d)], static_cast<size_t>(d) * 4);
  const int32_t want_order[] = {100, 2047, 2048, 5999, 6000, 11999};
  for (int64_t n : {1, 2, 5}) {
    fvec q(static_cast<size_t>(n * d));
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < d; ++j)
        q[static_cast<size_t>(i * d + j)] =
            c[static_cast<size_t>(src * d + j)] + (i == 0 ? 0.0f : static_cast<float>(rng.uniform(-1e-3, 1e-3)));
    auto ref = ac::make_cpu_reference_backend();
    ac::CpuFastBackend fast1(1), fast3(3);
    for (int32_t k : {1, 3, 6, 9}) {
      for (ac::Backend* b : {static_cast<ac::Backend*>(ref.get()), static_cast<ac::Backend*>(&fast1),
                             static_cast<ac::Backend*>(&fast3)}) {
        const Result r = run_backend(*b, q, c, n, K, d, k);
        for (int64_t i = 0; i < n; ++i)
          for (int32_t s = 0; s < k && s < 6; ++s)
            CHECK_MSG(r.idx[static_cast<size_t>(i * k + s)] == want_order[s], "%s n=%lld k=%d query %lld slot %d: %d, want %d",
                      b->name(), static_cast<long long>(n), k, static_cast<long long>(i), s,
                      r.idx[static_cast<size_t>(i * k + s)], want_order[s]);
        CHECK(r.dist[0] == 0.0f);  // query 0 sits on the row
      }
    }
  }
  // A small codebook made only of two values repeated: every tie resolved by index.
  const int64_t K2 = 9, d2 = 3;
  fvec c2(static_cast<size_t>(K2 * d2));
  for (int64_t j = 0; j < K2; ++j)
    for (int64_t e = 0; e < d2; ++e) c2[static_cast<size_t>(j * d2 + e)] = j % 2 ? 0.5f : -0.25f;
  const fvec q2 = {0.1f, 0.1f, 0.1f};  // nearer to -0.25 (0.35 away) than to 0.5 (0.4 away)
  for (ac::Backend* b : {ac::make_cpu_reference_backend().release(), static_cast<ac::Backend*>(new ac::CpuFastBackend(2))}) {
    std::unique_ptr<ac::Backend> owned(b);
    const Result r = run_backend(*b, q2, c2, 1, K2, d2, 9);
    CHECK(r.idx == (std::vector<int32_t>{0, 2, 4, 6, 8, 1, 3, 5, 7}));
  }
}

TEST(knn_non_finite_inputs_never_write_bad_indices) {
  // With value checks off a NaN query ranks every row at +inf: still k distinct valid indices.
  const int64_t K = 20, d = 4, n = 3;
  Rng rng(41);
  fvec c = random_rows(rng, K, d), q = random_rows(rng, n, d);
  q[5] = std::numeric_limits<float>::quiet_NaN();  // query 1
  c[2 * d] = std::numeric_limits<float>::infinity();  // row 2
  auto ref = ac::make_cpu_reference_backend();
  ac::CpuFastBackend fast(2);
  for (ac::Backend* b : {static_cast<ac::Backend*>(ref.get()), static_cast<ac::Backend*>(&fast)}) {
    const Result r = run_backend(*b, q, c, n, K, d, 5);
    for (int64_t i = 0; i < n; ++i) {
      std::vector<int32_t> row(r.idx.begin() + i * 5, r.idx.begin() + (i + 1) * 5);
      for (int32_t v : row) CHECK(v >= 0 && v < K);
      std::sort(row.begin(), row.end());
      CHECK(std::unique(row.begin(), row.end()) == row.end());
    }
    CHECK(std::isnan(r.dist[5]));
    for (int s = 0; s < 5; ++s) CHECK(r.idx[static_cast<size_t>(s)] != 2 && r.idx[static_cast<size_t>(10 + s)] != 2);
  }
}

TEST(knn_row_sq_norms_and_gather_rows) {
  Rng rng(51);
  const int64_t n = 1001, d = 13, K = 77;
  const fvec x = random_rows(rng, n, d);
  auto ref = ac::make_cpu_reference_backend();
  ac::CpuFastBackend fast(3);
  fvec a(static_cast<size_t>(n)), b(static_cast<size_t>(n));
  ref->row_sq_norms(n, d, x.data(), a.data());
  fast.row_sq_norms(n, d, x.data(), b.data());
  CHECK(a == b);
  for (int64_t i = 0; i < n; ++i) {
    long double s = 0;
    for (int64_t j = 0; j < d; ++j) s += static_cast<long double>(x[static_cast<size_t>(i * d + j)]) * x[static_cast<size_t>(i * d + j)];
    CHECK_NEAR(a[static_cast<size_t>(i)], static_cast<double>(s), 1e-7 * static_cast<double>(s));
  }
  const fvec table = random_rows(rng, K, d);
  std::vector<int32_t> idx(static_cast<size_t>(n));
  for (auto& v : idx) v = static_cast<int32_t>(rng.integer(0, K - 1));
  idx[3] = -1;
  idx[4] = static_cast<int32_t>(K);
  fvec g1(static_cast<size_t>(n * d)), g2(static_cast<size_t>(n * d));
  ref->gather_rows(n, K, d, table.data(), idx.data(), g1.data());
  fast.gather_rows(n, K, d, table.data(), idx.data(), g2.data());
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < d; ++j) {
      const size_t o = static_cast<size_t>(i * d + j);
      if (i == 3 || i == 4) {
        CHECK(std::isnan(g1[o]) && std::isnan(g2[o]));
      } else {
        CHECK(g1[o] == table[static_cast<size_t>(idx[static_cast<size_t>(i)] * d + j)]);
        CHECK(g2[o] == g1[o]);
      }
    }
}

TEST(knn_abi_end_to_end_and_refusals) {
  for (uint32_t flags : {0u, static_cast<uint32_t>(AC_CONTEXT_REFERENCE_KERNELS)}) {
    Ctx cx(AC_DEVICE_CPU, flags, 2);
    ac_context* ctx = cx.ctx;
    Rng rng(61);
    const int64_t n = 37, K = 100, d = 9;
    const fvec qv = random_rows(rng, n, d), cv = random_rows(rng, K, d);
    const Result r = run_abi(ctx, qv, cv, n, K, d, 5);
    check_against_truth(r, brute_force(qv, cv, n, K, d), K, 5, "abi");

    T q(ctx, AC_F32, {n, d}, qv), c(ctx, AC_F32, {K, d}, cv), norms(ctx, AC_F32, {K});
    T idx(ctx, AC_I32, {n, 5}), dist(ctx, AC_F32, {n, 5});
    CHECK_STATUS(ac_row_sq_norms(ctx, c.t, norms.t), AC_OK);
    CHECK_STATUS(ac_knn(ctx, q.t, c.t, norms.t, 5, idx.t, dist.t), AC_OK);
    // k: 0, > K, > 64.
    CHECK_STATUS(ac_knn(ctx, q.t, c.t, norms.t, 0, idx.t, dist.t), AC_ERR_INVALID_ARGUMENT);
    CHECK(std::strstr(ac_last_error(), "k = 0") != nullptr);
    CHECK(std::strstr(ac_last_error(), "1..64") != nullptr);
    CHECK_STATUS(ac_knn(ctx, q.t, c.t, norms.t, 65, idx.t, dist.t), AC_ERR_INVALID_ARGUMENT);
    CHECK(std::strstr(ac_last_error(), "k = 65") != nullptr);
    {
      T small(ctx, AC_F32, {3, d}, fvec(cv.begin(), cv.begin() + 3 * d)), sn(ctx, AC_F32, {3});
      T i4(ctx, AC_I32, {n, 4}), d4(ctx, AC_F32, {n, 4}), i3(ctx, AC_I32, {n, 3}), d3(ctx, AC_F32, {n, 3});
      CHECK_STATUS(ac_row_sq_norms(ctx, small.t, sn.t), AC_OK);
      CHECK_STATUS(ac_knn(ctx, q.t, small.t, sn.t, 4, i4.t, d4.t), AC_ERR_INVALID_ARGUMENT);
      CHECK(std::strstr(ac_last_error(), "1..3") != nullptr);
      CHECK_STATUS(ac_knn(ctx, q.t, small.t, sn.t, 3, i3.t, d3.t), AC_OK);  // k = K
    }
    // dtypes.
    T qi(ctx, AC_I32, {n, d}), idx_f(ctx, AC_F32, {n, 5}), dist_i(ctx, AC_I32, {n, 5}), norms_i(ctx, AC_I32, {K});
    CHECK_STATUS(ac_knn(ctx, qi.t, c.t, norms.t, 5, idx.t, dist.t), AC_ERR_SHAPE);
    CHECK(std::strstr(ac_last_error(), "queries must be f32") != nullptr);
    CHECK_STATUS(ac_knn(ctx, q.t, c.t, norms.t, 5, idx_f.t, dist.t), AC_ERR_SHAPE);
    CHECK(std::strstr(ac_last_error(), "indices must be i32") != nullptr);
    CHECK_STATUS(ac_knn(ctx, q.t, c.t, norms.t, 5, idx.t, dist_i.t), AC_ERR_SHAPE);
    CHECK_STATUS(ac_knn(ctx, q.t, c.t, norms_i.t, 5, idx.t, dist.t), AC_ERR_SHAPE);
    // shapes.
    T c8(ctx, AC_F32, {K, 8}), n99(ctx, AC_F32, {K - 1}), idx_bad(ctx, AC_I32, {n, 4}), dist_bad(ctx, AC_F32, {n + 1, 5});
    T q3(ctx, AC_F32, {n, 3, 3});
    CHECK_STATUS(ac_knn(ctx, q.t, c8.t, norms.t, 5, idx.t, dist.t), AC_ERR_SHAPE);
    CHECK(std::strstr(ac_last_error(), "codebook") != nullptr);
    CHECK_STATUS(ac_knn(ctx, q.t, c.t, n99.t, 5, idx.t, dist.t), AC_ERR_SHAPE);
    CHECK(std::strstr(ac_last_error(), "codebook_sq_norms") != nullptr);
    CHECK_STATUS(ac_knn(ctx, q.t, c.t, norms.t, 5, idx_bad.t, dist.t), AC_ERR_SHAPE);
    CHECK(std::strstr(ac_last_error(), "indices has shape 37x4") != nullptr);
    CHECK_STATUS(ac_knn(ctx, q.t, c.t, norms.t, 5, idx.t, dist_bad.t), AC_ERR_SHAPE);
    CHECK_STATUS(ac_knn(ctx, q3.t, c.t, norms.t, 5, idx.t, dist.t), AC_ERR_SHAPE);
    CHECK(std::strstr(ac_last_error(), "queries has 3 dims") != nullptr);
    CHECK_STATUS(ac_knn(ctx, q.t, c.t, norms.t, 5, idx.t, nullptr), AC_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(ac_knn(nullptr, q.t, c.t, norms.t, 5, idx.t, dist.t), AC_ERR_INVALID_ARGUMENT);
    // aliasing.
    {
      T qq(ctx, AC_F32, {n, 5}, fvec(static_cast<size_t>(n * 5), 0.5f)), cc(ctx, AC_F32, {K, 5}, fvec(static_cast<size_t>(K * 5), 0.25f));
      CHECK_STATUS(ac_row_sq_norms(ctx, cc.t, norms.t), AC_OK);
      CHECK_STATUS(ac_knn(ctx, qq.t, cc.t, norms.t, 5, idx.t, qq.t), AC_ERR_INVALID_ARGUMENT);
      CHECK(std::strstr(ac_last_error(), "must not share memory") != nullptr);
    }
    // non-finite inputs: refused with value checks on, tolerated (valid indices) off.
    {
      fvec bad = qv;
      bad[10] = std::nanf("");
      T qn(ctx, AC_F32, {n, d}, bad);
      CHECK_STATUS(ac_row_sq_norms(ctx, c.t, norms.t), AC_OK);
      CHECK_STATUS(ac_knn(ctx, qn.t, c.t, norms.t, 5, idx.t, dist.t), AC_ERR_NON_FINITE);
      CHECK(std::strstr(ac_last_error(), "queries") != nullptr);
      CHECK_STATUS(ac_context_set_value_checks(ctx, 0), AC_OK);
      CHECK_STATUS(ac_knn(ctx, qn.t, c.t, norms.t, 5, idx.t, dist.t), AC_OK);
      for (int32_t v : idx.read<int32_t>()) CHECK(v >= 0 && v < K);
      CHECK_STATUS(ac_context_set_value_checks(ctx, 1), AC_OK);
    }
    // row_sq_norms shapes.
    T out_bad(ctx, AC_F32, {K + 1}), out_i(ctx, AC_I32, {K});
    CHECK_STATUS(ac_row_sq_norms(ctx, c.t, out_bad.t), AC_ERR_SHAPE);
    CHECK_STATUS(ac_row_sq_norms(ctx, c.t, out_i.t), AC_ERR_SHAPE);
    CHECK_STATUS(ac_row_sq_norms(ctx, q3.t, norms.t), AC_ERR_SHAPE);

    // gather_rows: values, index range (both ends), shapes, dtypes.
    std::vector<int32_t> iv = {4, 0, 99, 17, 4};
    T gi(ctx, AC_I32, {5}, iv), go(ctx, AC_F32, {5, d});
    CHECK_STATUS(ac_gather_rows(ctx, c.t, gi.t, go.t), AC_OK);
    const fvec got = go.read<float>();
    for (size_t i = 0; i < iv.size(); ++i)
      for (int64_t j = 0; j < d; ++j)
        CHECK(got[i * static_cast<size_t>(d) + static_cast<size_t>(j)] == cv[static_cast<size_t>(iv[i] * d + j)]);
    for (int32_t badv : {-1, 100}) {
      std::vector<int32_t> bv = iv;
      bv[2] = badv;
      T gb(ctx, AC_I32, {5}, bv);
      CHECK_STATUS(ac_gather_rows(ctx, c.t, gb.t, go.t), AC_ERR_LABEL_RANGE);
      CHECK(std::strstr(ac_last_error(), harness::printf_string("indices[2] = %d", badv).c_str()) != nullptr);
      CHECK(std::strstr(ac_last_error(), "0..99") != nullptr);
      CHECK_STATUS(ac_context_set_value_checks(ctx, 0), AC_OK);
      CHECK_STATUS(ac_gather_rows(ctx, c.t, gb.t, go.t), AC_OK);
      const fvec nanrow = go.read<float>();
      CHECK(std::isnan(nanrow[2 * static_cast<size_t>(d)]));
      CHECK(nanrow[0] == cv[static_cast<size_t>(4 * d)]);
      CHECK_STATUS(ac_context_set_value_checks(ctx, 1), AC_OK);
    }
    T go_bad(ctx, AC_F32, {5, d + 1}), gi_f(ctx, AC_F32, {5}), gi_2d(ctx, AC_I32, {5, 1});
    CHECK_STATUS(ac_gather_rows(ctx, c.t, gi.t, go_bad.t), AC_ERR_SHAPE);
    CHECK(std::strstr(ac_last_error(), "out has shape 5x10") != nullptr);
    CHECK_STATUS(ac_gather_rows(ctx, c.t, gi_f.t, go.t), AC_ERR_SHAPE);
    CHECK(std::strstr(ac_last_error(), "indices must be i32") != nullptr);
    CHECK_STATUS(ac_gather_rows(ctx, c.t, gi_2d.t, go.t), AC_ERR_SHAPE);
    CHECK_STATUS(ac_gather_rows(ctx, c.t, gi.t, c.t), AC_ERR_SHAPE);
  }
}
