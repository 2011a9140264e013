// CUDA k-NN, row norms and row gathers (knn.cu) against the CPU reference and a float64 brute
// force, through the C ABI on a CUDA context: random data (never zeros), N odd and 1 and over
// several query blocks, K small and large enough that the codebook is split into parts, d with
// the queries staged in shared memory (9) and not (72), k 1, 5 and K; exact duplicate codebook
// rows (the lower index first); the index-range refusal of ac_gather_rows. SKIPs with the reason
// where CUDA is not available; runs on the driver emulator (native/src/cuda/emu) with the
// `cuda_` filter. Distances: within 1e-6 relative of the reference's (both recompute the chosen
// rows in double; the host compilers may contract differently).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "core/context.h"
#include "knn_util.h"

using namespace testutil;
using namespace knn_test;

namespace {

void cuda_or_skip() {
  std::string reason;
  if (!ac::cuda_available(&reason)) SKIP(reason);
}

}  // namespace

TEST(cuda_knn_matches_reference) {
  cuda_or_skip();
  struct Case {
    int64_t n, K, d;
    int32_t k;
  };
  const Case cases[] = {
      {37, 1000, 9, 1}, {37, 1000, 9, 5}, {37, 1000, 72, 1}, {37, 1000, 72, 5}, {1, 1000, 9, 5},
      {1, 1000, 72, 1}, {37, 3, 9, 1},    {37, 3, 72, 3},    {1, 3, 9, 3},      {37, 5000, 9, 5},
      {1, 5000, 72, 64}, {300, 700, 9, 5}, {300, 700, 40, 1}, {5, 64, 9, 64},
  };
  Ctx ref(AC_DEVICE_CPU, AC_CONTEXT_REFERENCE_KERNELS), gpu(AC_DEVICE_CUDA, 0);
  uint64_t seed = 71;
  for (const Case& cs : cases) {
    Rng rng(seed++);
    const fvec c = random_rows(rng, cs.K, cs.d), q = random_rows(rng, cs.n, cs.d);
    const auto truth = brute_force(q, c, cs.n, cs.K, cs.d);
    const std::string label = harness::printf_string("cuda n=%lld K=%lld d=%lld k=%d", static_cast<long long>(cs.n),
                                                     static_cast<long long>(cs.K), static_cast<long long>(cs.d), cs.k);
    const Result want = run_abi(ref.ctx, q, c, cs.n, cs.K, cs.d, cs.k);
    const Result got = run_abi(gpu.ctx, q, c, cs.n, cs.K, cs.d, cs.k);
    check_against_truth(got, truth, cs.K, cs.k, label.c_str());
    check_same(got, want, truth, cs.K, cs.k, 1e-6, label.c_str());
  }
}

TEST(cuda_knn_duplicates_norms_and_gather) {
  cuda_or_skip();
  Ctx ref(AC_DEVICE_CPU, AC_CONTEXT_REFERENCE_KERNELS), gpu(AC_DEVICE_CUDA, 0);
  // Duplicates of row 1500 at 7, 1499, 1501 and 4999 (K = 5000 is split into parts).
  const int64_t K = 5000, d = 9, n = 3;
  Rng rng(81);
  fvec c = random_rows(rng, K, d);
  for (int64_t t : {7, 1499, 1501, 4999})
    std::memcpy(&c[static_cast<size_t>(t * d)], &c[static_cast<size_t>(1500 * d)], static_cast<size_t>(d) * 4);
  fvec q(static_cast<size_t>(n * d));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < d; ++j)
      q[static_cast<size_t>(i * d + j)] = c[static_cast<size_t>(1500 * d + j)] + (i == 0 ? 0.0f : static_cast<float>(rng.uniform(-1e-3, 1e-3)));
  const int32_t want_order[] = {7, 1499, 1500, 1501, 4999};
  for (int32_t k : {1, 2, 5, 7}) {
    const Result r = run_abi(gpu.ctx, q, c, n, K, d, k);
    for (int64_t i = 0; i < n; ++i)
      for (int32_t s = 0; s < k && s < 5; ++s)
        CHECK_MSG(r.idx[static_cast<size_t>(i * k + s)] == want_order[s], "k=%d query %lld slot %d: %d, want %d", k,
                  static_cast<long long>(i), s, r.idx[static_cast<size_t>(i * k + s)], want_order[s]);
    CHECK(r.dist[0] == 0.0f);
  }

  // Row norms: the same double sums as the reference.
  const fvec x = random_rows(rng, 333, 17);
  T xr(ref.ctx, AC_F32, {333, 17}, x), xg(gpu.ctx, AC_F32, {333, 17}, x);
  T nr(ref.ctx, AC_F32, {333}), ng(gpu.ctx, AC_F32, {333});
  CHECK_STATUS(ac_row_sq_norms(ref.ctx, xr.t, nr.t), AC_OK);
  CHECK_STATUS(ac_row_sq_norms(gpu.ctx, xg.t, ng.t), AC_OK);
  CHECK_CLOSE(ng.read<float>(), nr.read<float>(), 1e-7);

  // Gather: exact copies; a bad index is refused with its row named, and with value checks off
  // gives a NaN row.
  std::vector<int32_t> iv(201);
  for (auto& v : iv) v = static_cast<int32_t>(rng.integer(0, 332));
  T ig(gpu.ctx, AC_I32, {201}, iv), og(gpu.ctx, AC_F32, {201, 17});
  CHECK_STATUS(ac_gather_rows(gpu.ctx, xg.t, ig.t, og.t), AC_OK);
  const fvec got = og.read<float>();
  bool same = true;
  for (size_t i = 0; i < iv.size(); ++i)
    for (size_t j = 0; j < 17; ++j) same = same && got[i * 17 + j] == x[static_cast<size_t>(iv[i]) * 17 + j];
  CHECK(same);
  iv[150] = 333;
  T ib(gpu.ctx, AC_I32, {201}, iv);
  CHECK_STATUS(ac_gather_rows(gpu.ctx, xg.t, ib.t, og.t), AC_ERR_LABEL_RANGE);
  CHECK(std::strstr(ac_last_error(), "indices[150] = 333") != nullptr);
  CHECK_STATUS(ac_context_set_value_checks(gpu.ctx, 0), AC_OK);
  CHECK_STATUS(ac_gather_rows(gpu.ctx, xg.t, ib.t, og.t), AC_OK);
  const fvec nanrow = og.read<float>();
  CHECK(std::isnan(nanrow[150 * 17]) && std::isnan(nanrow[150 * 17 + 16]));
  CHECK(nanrow[0] == x[static_cast<size_t>(iv[0]) * 17]);
  CHECK_STATUS(ac_context_set_value_checks(gpu.ctx, 1), AC_OK);
}

TEST(cuda_knn_exact_on_ties) {
  // Rows that tie exactly, more of them than the kKnnSlack spare candidates: (a) 60 permutations
  // of one row near a constant query (every permutation is equally far, but the scan's float
  // sums round each differently, so its ranking among them is noise); (b) patch-like rows half
  // on a grid of quarters. The finish's proof must fail there and measure every row: indices
  // must be the reference's, ties to the lower index, for k up to 64.
  cuda_or_skip();
  Ctx ref(AC_DEVICE_CPU, AC_CONTEXT_REFERENCE_KERNELS), gpu(AC_DEVICE_CUDA, 0);
  const int64_t K = 1024, d = 9;
  auto compare = [&](const fvec& q, const fvec& c, int64_t n, const char* what) {
    for (int32_t k : {1, 16, 64}) {
      const Result want = run_abi(ref.ctx, q, c, n, K, d, k), got = run_abi(gpu.ctx, q, c, n, K, d, k);
      int64_t bad = 0;
      for (size_t o = 0; o < want.idx.size() && bad < 5; ++o) {
        const bool ok = got.idx[o] == want.idx[o] &&
                        std::abs(got.dist[o] - want.dist[o]) <= 1e-6f * std::max(std::abs(want.dist[o]), 1e-30f);
        if (!ok) ++bad;
        CHECK_MSG(ok, "%s k=%d slot %zu: (%d, %.9g), reference (%d, %.9g)", what, k, o, got.idx[o],
                  static_cast<double>(got.dist[o]), want.idx[o], static_cast<double>(want.dist[o]));
      }
    }
  };
  Rng rng(103);
  fvec c = random_rows(rng, K, d);
  fvec base(static_cast<size_t>(d));
  for (auto& v : base) v = static_cast<float>(0.5 + rng.uniform(-0.01, 0.01));
  for (int t = 0; t < 60; ++t) {
    fvec row = base;
    for (int64_t j = d - 1; j > 0; --j) std::swap(row[static_cast<size_t>(j)], row[static_cast<size_t>(rng.integer(0, j))]);
    std::memcpy(&c[static_cast<size_t>(rng.integer(0, K - 1) * d)], row.data(), static_cast<size_t>(d) * sizeof(float));
  }
  const int64_t n = 20;
  fvec q(static_cast<size_t>(n * d));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < d; ++j) q[static_cast<size_t>(i * d + j)] = static_cast<float>(0.5 + 0.001 * static_cast<double>(i));
  compare(q, c, n, "permutations");
  const fvec pc = patch_rows(rng, K, d, 0.05, 1.0);
  compare(patch_queries(rng, pc, K, 300, d, 1.0), pc, 300, "grid");
}
