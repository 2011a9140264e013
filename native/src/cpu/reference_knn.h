// Exact k nearest neighbours against a codebook, squared row norms and row gathers (advcore.h,
// "Nearest neighbours"). The contract every backend meets:
//   distance(q, c) = sum_j (q_j - c_j)^2 accumulated in double over direct differences, then
//   rounded once to T; rows of the output ordered by (that rounded distance, codebook index),
//   a NaN distance ordered as +infinity.
// The reference computes every distance and selects the k best with that order; the fast CPU
// and CUDA kernels rank by a cheaper formula and finish with knn_refine below.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

#include "core/backend.h"

namespace ac::ref {

template <class T>
T knn_distance(int64_t d, const T* q, const T* c) {
  double s = 0.0;
  for (int64_t j = 0; j < d; ++j) {
    const double t = static_cast<double>(q[j]) - static_cast<double>(c[j]);
    s += t * t;
  }
  return static_cast<T>(s);
}

// The output order: ascending distance (NaN as +infinity), then ascending index.
template <class T>
bool knn_before(T da, int32_t ia, T db, int32_t ib) {
  const T inf = std::numeric_limits<T>::infinity();
  const T a = std::isnan(da) ? inf : da, b = std::isnan(db) ? inf : db;
  return a < b || (a == b && ia < ib);
}

// queries [n][d], codebook [K][d] -> indices, distances [n][k], 1 <= k <= K.
template <class T>
void knn(int64_t n, int64_t K, int64_t d, int32_t k, const T* queries, const T* codebook,
         int32_t* indices, T* distances) {
  std::vector<T> dist(static_cast<size_t>(K));
  std::vector<int32_t> order(static_cast<size_t>(K));
  for (int64_t i = 0; i < n; ++i) {
    const T* q = queries + i * d;
    for (int64_t j = 0; j < K; ++j) dist[static_cast<size_t>(j)] = knn_distance(d, q, codebook + j * d);
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int32_t a, int32_t b) {
      return knn_before(dist[static_cast<size_t>(a)], a, dist[static_cast<size_t>(b)], b);
    });
    for (int32_t t = 0; t < k; ++t) {
      indices[i * k + t] = order[static_cast<size_t>(t)];
      distances[i * k + t] = dist[static_cast<size_t>(order[static_cast<size_t>(t)])];
    }
  }
}

// The last step of a backend that ranked candidates approximately: cand[0..count) holds
// distinct codebook indices (the best by the approximate ranking) or -1 for slots it could not
// fill (only when distances were NaN or infinite); -1 slots take the lowest indices not yet
// present. Recomputes each candidate's exact distance, orders them by knn_before and writes the
// first k (k <= count <= min(K, kKnnMaxK + kKnnSlack)) to indices/distances of one query. cand
// is reordered.
template <class T>
void knn_refine(int64_t d, int32_t k, const T* q, const T* codebook, int32_t* cand,
                int32_t count, int32_t* indices, T* distances) {
  int32_t next = 0;
  for (int32_t s = 0; s < count; ++s) {
    if (cand[s] >= 0) continue;
    for (;; ++next) {
      bool used = false;
      for (int32_t t = 0; t < count && !used; ++t) used = cand[t] == next;
      if (!used) break;
    }
    cand[s] = next++;
  }
  T exact[kKnnMaxK + kKnnSlack];
  for (int32_t s = 0; s < count; ++s) exact[s] = knn_distance(d, q, codebook + static_cast<int64_t>(cand[s]) * d);
  // Insertion sort of (exact, cand): count is small.
  for (int32_t s = 1; s < count; ++s) {
    const T v = exact[s];
    const int32_t c = cand[s];
    int32_t t = s;
    for (; t > 0 && knn_before(v, c, exact[t - 1], cand[t - 1]); --t) {
      exact[t] = exact[t - 1];
      cand[t] = cand[t - 1];
    }
    exact[t] = v;
    cand[t] = c;
  }
  for (int32_t t = 0; t < k; ++t) {
    indices[t] = cand[t];
    distances[t] = exact[t];
  }
}

// out[i] = sum_j x[i][j]^2 in double.
template <class T>
void row_sq_norms(int64_t n, int64_t d, const T* x, T* out) {
  for (int64_t i = 0; i < n; ++i) {
    double s = 0.0;
    for (int64_t j = 0; j < d; ++j) {
      const double v = static_cast<double>(x[i * d + j]);
      s += v * v;
    }
    out[i] = static_cast<T>(s);
  }
}

// out[i][:] = table[indices[i]][:]; an index outside [0, K) gives a row of NaN.
template <class T>
void gather_rows(int64_t n, int64_t K, int64_t d, const T* table, const int32_t* indices, T* out) {
  for (int64_t i = 0; i < n; ++i) {
    const int64_t r = indices[i];
    for (int64_t j = 0; j < d; ++j)
      out[i * d + j] = r >= 0 && r < K ? table[r * d + j] : std::numeric_limits<T>::quiet_NaN();
  }
}

}  // namespace ac::ref
