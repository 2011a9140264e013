// Exact k-NN against a codebook on the fast CPU backend (advcore.h, "Nearest neighbours";
// src/cpu/reference_knn.h is the contract). Two paths, one answer (the reference's, bit for bit):
// short rows against a large codebook go through the pruned search of knn_ball_index.h when a
// probe of the first queries shows that it prunes; everything else is the brute force below.
//
// Brute force. // Ranking: s_j = ||c_j||^2 - 2 q.c_j (the squared distance minus the per-query constant ||q||^2,
// so it ranks exactly like ||q||^2 - 2 q.c + ||c||^2 without its extra rounding), one tile at a
// time: a block of up to kQueryBlock queries x kCodeBlock codebook rows, -2 Q C^T by one
// single-threaded OpenBLAS sgemm into a per-thread tile (so a codebook of a million rows costs
// only the tile, never an N x K matrix), then a scan that keeps, per query, the
// m = min(K, k + kKnnSlack) best (s, index) in a small sorted list (ties: the lower index, since
// codebook rows are scanned in increasing order). The scan tests 32 values at a time against the
// list's worst entry (AVX) and only inserts the lanes that beat it, which after the first few
// hundred rows is rare.
// Work items are (query block, codebook part) pairs on the OpenMP team: the query blocks alone
// when there are enough of them, otherwise the codebook is split into parts too and each part
// keeps its own lists, merged afterwards by (s, index). Memory: the tiles (at most 2 MiB per
// thread) and the lists, 8 m bytes per query and part.
// Finish: per query, the m candidates get their exact distance (direct differences in double,
// ref::knn_refine, the reference's own formula), are re-sorted by (exact distance, index) and
// the first k are written. So every reported distance is exact (a sum of squares: never
// negative, which is why no clamp at 0 is needed). The BLAS formula's rounding can still push a
// true neighbour out of the m candidates when many rows tie within a few float ulps of
// ||q||^2 + ||c||^2 (grid-valued patches do); candidates_suffice proves per query that it did
// not, and a query it cannot prove is answered by the reference instead.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <atomic>
#include <vector>

#include "blas.h"
#include "knn_ball_index.h"
#include "fast_backend.h"
#include "parallel.h"
#include "reference_knn.h"

#if defined(__AVX__)
#include <immintrin.h>
#endif

namespace ac {

namespace {

constexpr int64_t kQueryBlock = 256;
constexpr int64_t kCodeBlock = 2048;
// Below this many multiply-adds a call stays on the calling thread.
constexpr double kKnnParallelWork = 2e6;

// A sorted list of the m best (value, index) pairs of one query, stored in the caller's arrays;
// empty slots hold (+inf, -1). push assumes idx is larger than every index already present
// (scan order), so an equal value goes after the ones present.
struct TopList {
  float* v;
  int32_t* i;
  int32_t m;

  float worst() const { return v[m - 1]; }
  void push(float val, int32_t idx) {  // val < worst()
    int32_t t = m - 1;
    for (; t > 0 && v[t - 1] > val; --t) {
      v[t] = v[t - 1];
      i[t] = i[t - 1];
    }
    v[t] = val;
    i[t] = idx;
  }
  // Merge order: (value, index) lexicographic; (val, idx) must come before the worst.
  void merge(float val, int32_t idx) {
    int32_t t = m - 1;
    for (; t > 0 && (v[t - 1] > val || (v[t - 1] == val && i[t - 1] > idx)); --t) {
      v[t] = v[t - 1];
      i[t] = i[t - 1];
    }
    v[t] = val;
    i[t] = idx;
  }
  bool merge_accepts(float val, int32_t idx) const {
    const float w = v[m - 1];
    return idx >= 0 && (val < w || (val == w && (i[m - 1] < 0 || idx < i[m - 1])));
  }
};

// One query's row of the tile, s = row[j] + norms[j], scanned into its list. 32 values at a
// time are tested against the list's worst entry (AVX when the build has it); only a block with a
// value below it goes through the scalar insertion.
inline void scan_row(const float* row, const float* norms, int64_t len, int32_t base, TopList& top) {
  float thr = top.worst();
  int64_t j = 0;
  auto insert_block = [&](int64_t j0, int64_t j1) {
    for (int64_t t = j0; t < j1; ++t) {
      const float s = row[t] + norms[t];
      if (s < thr) {
        top.push(s, base + static_cast<int32_t>(t));
        thr = top.worst();
      }
    }
  };
#if defined(__AVX__)
  // The lanes of one vector of 8 values that beat thr (a bit mask), inserted one by one.
  auto insert_lanes = [&](__m256 v, int mask, int64_t j0) {
    alignas(32) float vals[8];
    _mm256_store_ps(vals, v);
    while (mask) {
      const int lane = __builtin_ctz(static_cast<unsigned>(mask));
      mask &= mask - 1;
      if (vals[lane] < thr) {
        top.push(vals[lane], base + static_cast<int32_t>(j0 + lane));
        thr = top.worst();
      }
    }
  };
  for (; j + 32 <= len; j += 32) {
    const __m256 t = _mm256_set1_ps(thr);
    const __m256 s0 = _mm256_add_ps(_mm256_loadu_ps(row + j), _mm256_loadu_ps(norms + j));
    const __m256 s1 = _mm256_add_ps(_mm256_loadu_ps(row + j + 8), _mm256_loadu_ps(norms + j + 8));
    const __m256 s2 = _mm256_add_ps(_mm256_loadu_ps(row + j + 16), _mm256_loadu_ps(norms + j + 16));
    const __m256 s3 = _mm256_add_ps(_mm256_loadu_ps(row + j + 24), _mm256_loadu_ps(norms + j + 24));
    const __m256 c0 = _mm256_cmp_ps(s0, t, _CMP_LT_OQ), c1 = _mm256_cmp_ps(s1, t, _CMP_LT_OQ);
    const __m256 c2 = _mm256_cmp_ps(s2, t, _CMP_LT_OQ), c3 = _mm256_cmp_ps(s3, t, _CMP_LT_OQ);
    if (_mm256_movemask_ps(_mm256_or_ps(_mm256_or_ps(c0, c1), _mm256_or_ps(c2, c3))) == 0) continue;
    if (const int m0 = _mm256_movemask_ps(c0)) insert_lanes(s0, m0, j);
    if (const int m1 = _mm256_movemask_ps(c1)) insert_lanes(s1, m1, j + 8);
    if (const int m2 = _mm256_movemask_ps(c2)) insert_lanes(s2, m2, j + 16);
    if (const int m3 = _mm256_movemask_ps(c3)) insert_lanes(s3, m3, j + 24);
  }
#endif
  for (; j + 8 <= len; j += 8) {
    int any = 0;
    for (int t = 0; t < 8; ++t) any |= row[j + t] + norms[j + t] < thr ? 1 : 0;
    if (any) insert_block(j, j + 8);
  }
  insert_block(j, len);
}

// Whether a query's m candidates provably hold its k nearest rows: every other row ranked at or
// behind the worst candidate's s (a float value of ||c||^2 - 2 q.c, off the true one by at most
// (2d + 8) 2^-24 (||c||^2 + 2 ||q|| ||c||): the GEMM's and the norms' rounding, any summation
// order), so its true squared distance is at least worst + ||q||^2 - that error; when this beats
// the k-th exact distance by more than float rounding, no other row can rank or tie. Fails
// (the caller falls back to the reference) on near-ties at the boundary and non-finite values.
bool candidates_suffice(int64_t d, const float* q, float worst, double max_norm2, float kth) {
  double q2 = 0.0;
  for (int64_t j = 0; j < d; ++j) q2 += static_cast<double>(q[j]) * static_cast<double>(q[j]);
  const double c = std::sqrt(max_norm2 * (1.0 + 1e-6));
  const double error = static_cast<double>(2 * d + 8) * 0x1p-24 * (c * c + 2.0 * std::sqrt(q2) * c);
  const double bound = static_cast<double>(worst) + q2 - error;
  return std::isfinite(bound) && bound * (1.0 - 1e-6) > static_cast<double>(kth) * (1.0 + 1e-6) + 1e-44;
}

// The brute force by BLAS tiles (the file comment) on up to `threads` threads.
void knn_tiles(int threads, int64_t n, int64_t K, int64_t d, int32_t k, const float* queries,
               const float* codebook, const float* codebook_sq_norms, int32_t* indices, float* distances) {
  const char* op = "knn";
  if (n <= 0) return;
  const blasint bd = blas_dim(op, d, "the row length d");
  const int32_t m = knn_candidates(K, k);
  const double work = static_cast<double>(n) * static_cast<double>(K) * static_cast<double>(d + 2);
  const int team = work < kKnnParallelWork ? 1 : threads;

  // Query blocks of equal size (at most kQueryBlock); codebook parts when the blocks alone
  // cannot keep the team busy.
  const int64_t qblocks = std::max<int64_t>((n + kQueryBlock - 1) / kQueryBlock,
                                            std::min<int64_t>(team, n));
  const int64_t code_tiles = (K + kCodeBlock - 1) / kCodeBlock;
  const int64_t parts = qblocks >= team ? 1 : std::min<int64_t>((team + qblocks - 1) / qblocks, code_tiles);
  const int64_t items = qblocks * parts;

  // Candidate lists: [parts][n][m] values and indices.
  const size_t cand_count = static_cast<size_t>(parts * n * m);
  std::unique_ptr<float[]> cand_v(new float[cand_count]);
  std::unique_ptr<int32_t[]> cand_i(new int32_t[cand_count]);
  std::fill(cand_v.get(), cand_v.get() + cand_count, std::numeric_limits<float>::infinity());
  std::fill(cand_i.get(), cand_i.get() + cand_count, -1);

  // One tile per thread, allocated here (an allocation failure must not happen inside the
  // parallel region); thread t takes items t, t + team, ... (all items are about the same size).
  const int item_team = static_cast<int>(std::min<int64_t>(team, items));
  const int64_t tile_rows = (n + qblocks - 1) / qblocks, tile_cols = std::min(kCodeBlock, K);
  const size_t tile_floats = static_cast<size_t>(tile_rows * tile_cols);
  std::unique_ptr<float[]> tiles(new float[tile_floats * static_cast<size_t>(item_team)]);
#pragma omp parallel for num_threads(item_team) schedule(static, 1) if (item_team > 1)
  for (int t = 0; t < item_team; ++t) {
    float* tile = tiles.get() + tile_floats * static_cast<size_t>(t);
    for (int64_t item = t; item < items; item += item_team) {
      const int64_t qb = item / parts, p = item % parts;
      const int64_t q0 = n * qb / qblocks, q1 = n * (qb + 1) / qblocks;
      const int64_t c_begin = K * p / parts, c_end = K * (p + 1) / parts;
      const int64_t rows = q1 - q0;
      for (int64_t c0 = c_begin; c0 < c_end; c0 += kCodeBlock) {
        const int64_t cols = std::min(kCodeBlock, c_end - c0);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<blasint>(rows),
                    static_cast<blasint>(cols), bd, -2.0f, queries + q0 * d, bd, codebook + c0 * d,
                    bd, 0.0f, tile, static_cast<blasint>(cols));
        for (int64_t r = 0; r < rows; ++r) {
          const size_t slot = static_cast<size_t>((p * n + q0 + r) * m);
          TopList top{cand_v.get() + slot, cand_i.get() + slot, m};
          scan_row(tile + r * cols, codebook_sq_norms + c0, cols, static_cast<int32_t>(c0), top);
        }
      }
    }
  }

  // Merge the parts, recompute exactly, sort, write; a query whose candidates cannot be shown to
  // hold its k nearest is answered by the reference.
  double max_norm2 = 0.0;
  for (int64_t j = 0; j < K; ++j) max_norm2 = std::max(max_norm2, static_cast<double>(codebook_sq_norms[j]));
  if (!std::isfinite(max_norm2)) max_norm2 = std::numeric_limits<double>::infinity();
  const int finish_team = n * m * d < 65536 ? 1 : threads;
  parallel_ranges(finish_team, n, 1, [&](int64_t b, int64_t e) {
    float mv[kKnnMaxK + kKnnSlack];
    int32_t mi[kKnnMaxK + kKnnSlack];
    for (int64_t q = b; q < e; ++q) {
      int32_t* cand = cand_i.get() + static_cast<size_t>(q * m);
      if (parts > 1) {
        TopList top{mv, mi, m};
        std::fill(mv, mv + m, std::numeric_limits<float>::infinity());
        std::fill(mi, mi + m, -1);
        for (int64_t p = 0; p < parts; ++p) {
          const size_t slot = static_cast<size_t>((p * n + q) * m);
          for (int32_t t = 0; t < m; ++t) {
            const float v = cand_v[slot + static_cast<size_t>(t)];
            const int32_t i = cand_i[slot + static_cast<size_t>(t)];
            if (top.merge_accepts(v, i)) top.merge(v, i);
          }
        }
        cand = mi;
      }
      const float worst = parts > 1 ? mv[m - 1] : cand_v[static_cast<size_t>(q * m + m - 1)];
      const float* x = queries + q * d;
      ref::knn_refine(d, k, x, codebook, cand, m, indices + q * k, distances + q * k);
      if (m < K && !candidates_suffice(d, x, worst, max_norm2, distances[q * k + k - 1]))
        ref::knn(int64_t{1}, K, d, k, x, codebook, indices + q * k, distances + q * k);
    }
  });
}

// The pruned search (knn_ball_index.h) pays when the rows are short, the codebook large enough
// for its balls to prune and the queries many enough to repay building them (about
// (kLloyd + 2) K sqrt(K) d operations, against the brute force's n K d).
bool ball_index_pays(int64_t n, int64_t K, int64_t d) {
  return d <= 32 && K >= 64 && static_cast<double>(n) >= 48.0 * std::sqrt(static_cast<double>(K));
}

// Queries [begin, end) through the index: a query bitwise equal to the one before it copies its
// answer (flat image regions repeat one patch many times); a non-finite one goes to the
// reference. Returns the rows screened.
int64_t knn_ball_range(const KnnBallIndex& index, int64_t begin, int64_t end, int64_t d, int32_t k,
                       const float* queries, const float* codebook, int32_t* indices, float* distances) {
  int64_t evaluated = 0;
  for (int64_t q = begin; q < end; ++q) {
    const float* x = queries + q * d;
    int32_t* idx = indices + q * k;
    float* dist = distances + q * k;
    if (q > begin && std::memcmp(x, x - d, static_cast<size_t>(d) * sizeof(float)) == 0) {
      std::copy_n(idx - k, k, idx);
      std::copy_n(dist - k, k, dist);
      continue;
    }
    const int64_t e = index.search(x, k, idx, dist);
    if (e < 0)
      ref::knn(int64_t{1}, index.rows(), d, k, x, codebook, idx, dist);
    else
      evaluated += e;
  }
  return evaluated;
}

// Through the index when it pays: a probe of the first queries decides whether the balls prune
// (at most K / 4 rows screened per query on average); the rest goes to the tiles otherwise.
// Returns how many leading queries were answered.
int64_t knn_pruned(int threads, int64_t n, int64_t K, int64_t d, int32_t k, const float* queries,
                   const float* codebook, int32_t* indices, float* distances) {
  if (!ball_index_pays(n, K, d)) return 0;
  KnnBallIndex index;
  if (!index.build(K, d, codebook, threads)) return 0;
  constexpr int64_t kQueryGrain = 256;
  auto run = [&](int64_t begin, int64_t end) {
    std::atomic<int64_t> screened{0};
    parallel_ranges(threads, end - begin, kQueryGrain, [&](int64_t b, int64_t e) {
      screened += knn_ball_range(index, begin + b, begin + e, d, k, queries, codebook, indices, distances);
    });
    return screened.load();
  };
  const int64_t probe = std::min<int64_t>(n, 2048);
  if (run(0, probe) * 4 > probe * K) return probe;
  run(probe, n);
  return n;
}

}  // namespace

void CpuFastBackend::knn(int64_t n, int64_t K, int64_t d, int32_t k, const float* queries,
                         const float* codebook, const float* codebook_sq_norms, int32_t* indices,
                         float* distances) {
  if (n <= 0) return;
  const int64_t done = knn_pruned(threads_, n, K, d, k, queries, codebook, indices, distances);
  knn_paths.pruned += done;
  knn_paths.brute_force += n - done;
  knn_tiles(threads_, n - done, K, d, k, queries + done * d, codebook, codebook_sq_norms,
            indices + done * k, distances + done * k);
}

void CpuFastBackend::row_sq_norms(int64_t n, int64_t d, const float* x, float* out) {
  parallel_ranges(threads_, n, rows_per_grain(d), [&](int64_t b, int64_t e) {
    ref::row_sq_norms(e - b, d, x + b * d, out + b);
  });
}

void CpuFastBackend::gather_rows(int64_t n, int64_t K, int64_t d, const float* table,
                                 const int32_t* indices, float* out) {
  parallel_ranges(threads_, n, rows_per_grain(d), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const int64_t r = indices[i];
      if (r >= 0 && r < K)
        std::memcpy(out + i * d, table + r * d, static_cast<size_t>(d) * sizeof(float));
      else
        std::fill(out + i * d, out + (i + 1) * d, std::numeric_limits<float>::quiet_NaN());
    }
  });
}

}  // namespace ac
