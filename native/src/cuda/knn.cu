// Exact k-NN against a codebook, squared row norms and row gathers (src/cpu/reference_knn.h is
// the contract; advcore.h section "Nearest neighbours").
//   ac_knn_scan: blocks of AC_KNN_THREADS queries (one per thread) x a part of the codebook
//     (blockIdx.y; several parts when there are too few query blocks to fill the GPU). The
//     block stages codebook tiles in shared memory (and its queries too, transposed, when d is
//     small); each thread ranks rows by the float distance over direct differences (no
//     cancellation) and keeps its m = k + kKnnSlack best (distance, index) in a sorted local
//     list, rows scanned in increasing order so an equal distance keeps the lower index. NaN
//     never enters a list. Writes the lists to cand [parts][n][m] (empty slots: +inf, -1).
//   ac_knn_finish: one thread per query merges its parts' lists by (distance, index), fills
//     empty slots with the lowest unused indices, recomputes the candidates' distances in double
//     (the reference's formula), sorts them by (float distance, index; NaN as +inf) and writes
//     the first k, after proving that no row outside the candidates could rank; a query it
//     cannot prove (many exact ties, non-finite values) gets every row's exact distance instead.
//   ac_row_sq_norms: one thread per row, double accumulation in row order.
//   ac_gather_rows: one thread per output value; an index outside [0, K) gives NaN.
#include "devmath.cuh"

#define AC_KNN_THREADS 128
#define AC_KNN_MAX_CANDIDATES 68  /* kKnnMaxK + kKnnSlack (core/backend.h) */
#define AC_KNN_CODE_TILE 6144     /* floats of codebook rows staged per tile (24 KiB) */
#define AC_KNN_QUERY_TILE 4096    /* floats of the block's queries when d * 128 fits (16 KiB) */

AC_DEV bool ac_knn_before(float da, int ia, float db, int ib) {
  const float a = da != da ? AC_INF_F : da, b = db != db ? AC_INF_F : db;
  return a < b || (a == b && ia < ib);
}

extern "C" __global__ void __launch_bounds__(AC_KNN_THREADS)
ac_knn_scan(int64_t n, int64_t K, int64_t d, int m, int64_t parts, const float* queries,
            const float* codebook, float* cand_v, int* cand_i) {
  __shared__ float s_code[AC_KNN_CODE_TILE];
  __shared__ float s_query[AC_KNN_QUERY_TILE];
  const int64_t bd = blockDim.x, tid = threadIdx.x;
  const int64_t p = blockIdx.y;
  const int64_t c_begin = K * p / parts, c_end = K * (p + 1) / parts;
  const bool q_shared = d * bd <= AC_KNN_QUERY_TILE;
  const bool c_shared = d <= AC_KNN_CODE_TILE;
  const int64_t tile_rows = c_shared ? AC_KNN_CODE_TILE / d : 1;
  const int64_t query_blocks = (n + bd - 1) / bd;
  for (int64_t qb = blockIdx.x; qb < query_blocks; qb += gridDim.x) {
    const int64_t q0 = qb * bd, q = q0 + tid;
    const bool active = q < n;
    if (q_shared) {
      __syncthreads();  // the previous query block is done with s_query
      for (int64_t e = tid; e < d * bd; e += bd) {
        const int64_t t = e / d, j = e % d;
        s_query[j * bd + t] = q0 + t < n ? queries[(q0 + t) * d + j] : 0.0f;
      }
    }
    float bv[AC_KNN_MAX_CANDIDATES];
    int bi[AC_KNN_MAX_CANDIDATES];
    for (int t = 0; t < m; ++t) {
      bv[t] = AC_INF_F;
      bi[t] = -1;
    }
    float thr = AC_INF_F;
    for (int64_t c0 = c_begin; c0 < c_end; c0 += tile_rows) {
      const int64_t rows = c_end - c0 < tile_rows ? c_end - c0 : tile_rows;
      if (c_shared) {
        __syncthreads();  // everyone is done with the previous tile
        for (int64_t e = tid; e < rows * d; e += bd) s_code[e] = codebook[c0 * d + e];
        __syncthreads();
      }
      if (!active) continue;
      for (int64_t r = 0; r < rows; ++r) {
        const float* c = c_shared ? s_code + r * d : codebook + (c0 + r) * d;
        float s = 0.0f;
        for (int64_t j = 0; j < d; ++j) {
          const float qj = q_shared ? s_query[j * bd + tid] : queries[q * d + j];
          const float diff = qj - c[j];
          s = ac_fmaf(diff, diff, s);
        }
        if (s < thr) {
          int t = m - 1;
          for (; t > 0 && bv[t - 1] > s; --t) {
            bv[t] = bv[t - 1];
            bi[t] = bi[t - 1];
          }
          bv[t] = s;
          bi[t] = static_cast<int>(c0 + r);
          thr = bv[m - 1];
        }
      }
    }
    if (active) {
      const int64_t slot = (p * n + q) * m;
      for (int t = 0; t < m; ++t) {
        cand_v[slot + t] = bv[t];
        cand_i[slot + t] = bi[t];
      }
    }
  }
}

// Every row's exact distance, the k best by (distance, index) into mv / mi: the answer for a
// query whose candidates could not be shown to suffice (ac_knn_finish).
AC_DEV void ac_knn_exhaustive(int64_t K, int64_t d, int k, const float* qr, const float* codebook,
                              float* mv, int* mi) {
  int filled = 0;
  for (int64_t j = 0; j < K; ++j) {
    const float* c = codebook + j * d;
    double acc = 0.0;
    for (int64_t e = 0; e < d; ++e) {
      const double t = static_cast<double>(qr[e]) - static_cast<double>(c[e]);
      acc += t * t;
    }
    const float v = static_cast<float>(acc);
    const int idx = static_cast<int>(j);
    if (filled == k && !ac_knn_before(v, idx, mv[k - 1], mi[k - 1])) continue;
    int t = filled < k ? filled++ : k - 1;
    for (; t > 0 && ac_knn_before(v, idx, mv[t - 1], mi[t - 1]); --t) {
      mv[t] = mv[t - 1];
      mi[t] = mi[t - 1];
    }
    mv[t] = v;
    mi[t] = idx;
  }
}

extern "C" __global__ void ac_knn_finish(int64_t n, int64_t K, int64_t d, int k, int m, int64_t parts,
                                         const float* queries, const float* codebook,
                                         const float* cand_v, const int* cand_i, int* indices,
                                         float* distances) {
  for (int64_t q = ac_global_thread(); q < n; q += ac_grid_threads()) {
    float mv[AC_KNN_MAX_CANDIDATES];
    int mi[AC_KNN_MAX_CANDIDATES];
    for (int t = 0; t < m; ++t) {
      mv[t] = AC_INF_F;
      mi[t] = -1;
    }
    for (int64_t p = 0; p < parts; ++p) {
      const int64_t slot = (p * n + q) * m;
      for (int t = 0; t < m; ++t) {
        const float v = cand_v[slot + t];
        const int i = cand_i[slot + t];
        if (i < 0) continue;
        const float w = mv[m - 1];
        if (!(v < w || (v == w && (mi[m - 1] < 0 || i < mi[m - 1])))) continue;
        int u = m - 1;
        for (; u > 0 && (mv[u - 1] > v || (mv[u - 1] == v && mi[u - 1] > i)); --u) {
          mv[u] = mv[u - 1];
          mi[u] = mi[u - 1];
        }
        mv[u] = v;
        mi[u] = i;
      }
    }
    // The scan's value of the worst candidate: every other row ranked at or behind it.
    const float worst = mv[m - 1];
    // Empty slots (only when distances were NaN or infinite): the lowest unused indices.
    int next = 0;
    for (int s = 0; s < m; ++s) {
      if (mi[s] >= 0) continue;
      for (;; ++next) {
        bool used = false;
        for (int t = 0; t < m && !used; ++t) used = mi[t] == next;
        if (!used) break;
      }
      mi[s] = next++;
    }
    // Exact distances (double over direct differences), then insertion sort.
    const float* qr = queries + q * d;
    for (int s = 0; s < m; ++s) {
      const float* c = codebook + static_cast<int64_t>(mi[s]) * d;
      double acc = 0.0;
      for (int64_t j = 0; j < d; ++j) {
        const double t = static_cast<double>(qr[j]) - static_cast<double>(c[j]);
        acc += t * t;
      }
      mv[s] = static_cast<float>(acc);
    }
    for (int s = 1; s < m; ++s) {
      const float v = mv[s];
      const int c = mi[s];
      int t = s;
      for (; t > 0 && ac_knn_before(v, c, mv[t - 1], mi[t - 1]); --t) {
        mv[t] = mv[t - 1];
        mi[t] = mi[t - 1];
      }
      mv[t] = v;
      mi[t] = c;
    }
    // Proof that no other row can rank or tie: the scan's float sum of d squares of float
    // differences is within a relative (d + 3) 2^-24 of the exact one (plus d half-subnormals
    // where squares underflow), so every other row is at least `bound` away; it must beat the
    // k-th exact distance by more than float rounding. Near-ties at the boundary (more of them
    // than the kKnnSlack spare candidates) fail it, and so do non-finite values: those queries
    // get every row's exact distance.
    if (m < K) {
      const double bound = (static_cast<double>(worst) - static_cast<double>(d) * 1e-45) /
                           (1.0 + static_cast<double>(d + 3) * 0x1p-24);
      if (!(bound < AC_INF_D && bound > static_cast<double>(mv[k - 1]) * (1.0 + 1e-6) + 1e-44))
        ac_knn_exhaustive(K, d, k, qr, codebook, mv, mi);
    }
    for (int t = 0; t < k; ++t) {
      indices[q * k + t] = mi[t];
      distances[q * k + t] = mv[t];
    }
  }
}

extern "C" __global__ void ac_row_sq_norms(int64_t n, int64_t d, const float* x, float* out) {
  for (int64_t i = ac_global_thread(); i < n; i += ac_grid_threads()) {
    double s = 0.0;
    for (int64_t j = 0; j < d; ++j) {
      const double v = static_cast<double>(x[i * d + j]);
      s += v * v;
    }
    out[i] = static_cast<float>(s);
  }
}

extern "C" __global__ void ac_gather_rows(int64_t n, int64_t K, int64_t d, const float* table,
                                          const int* indices, float* out) {
  const int64_t total = n * d;
  for (int64_t e = ac_global_thread(); e < total; e += ac_grid_threads()) {
    const int64_t i = e / d, j = e % d;
    const int64_t r = indices[i];
    out[e] = r >= 0 && r < K ? table[r * d + j] : AC_NAN_F;
  }
}
