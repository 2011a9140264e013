// KnnBallIndex (knn_ball_index.h): building the balls and searching them.
#include "knn_ball_index.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/backend.h"
#include "parallel.h"
#include "reference_knn.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#endif

namespace ac {

namespace {

constexpr int64_t kMaxBalls = 256;
constexpr int kLloydIterations = 4;
// The pruning margins (see the header): relative on the k-th distance, absolute (the smallest
// float's half is 7e-46: a squared bound above this cannot round to a float distance of 0), and
// relative on D + rho for the rounding of D (a float sum of d + 1 squares and a square root:
// under 2e-6 relative for d <= 32) and rho (double), absolute for D's squares that underflow
// (each loses at most half the smallest subnormal, 7e-46: D at most sqrt(33 * 7e-46) < 2e-22).
constexpr double kRankMargin = 1e-6;
constexpr double kFloorMargin = 1e-44;
constexpr double kBoundTolerance = 4e-6;
constexpr double kBoundFloor = 1e-21;
constexpr double kInverseShrink = 1.0 / (1.0 - kBoundTolerance);
// Float screening of a block (see search): far above the float sum's relative error for d <= 64.
constexpr double kScreenMargin = 1e-5;

double squared_distance(int64_t d, const double* a, const double* b) {
  double s = 0.0;
  for (int64_t j = 0; j < d; ++j) {
    const double t = a[j] - b[j];
    s += t * t;
  }
  return s;
}

// Nearest centre of every row (ties: the lower centre), and its squared distance.
void assign(int threads, int64_t K, int64_t d, int64_t G, const double* rows, const double* centres,
            int32_t* ball, double* dist2) {
  parallel_ranges(threads, K, std::max<int64_t>(1, 4096 / std::max<int64_t>(G, 1)), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      double best = std::numeric_limits<double>::infinity();
      int32_t arg = 0;
      for (int64_t g = 0; g < G; ++g) {
        const double s = squared_distance(d, rows + i * d, centres + g * d);
        if (s < best) {
          best = s;
          arg = static_cast<int32_t>(g);
        }
      }
      ball[i] = arg;
      dist2[i] = best;
    }
  });
}

// The k best (distance, index) of one query, sorted, with the squared distance above which a
// row cannot rank (see the header).
struct Best {
  float v[kKnnMaxK];
  int32_t i[kKnnMaxK];
  int32_t k, filled = 0;
  double limit = std::numeric_limits<double>::infinity();

  void offer(float val, int32_t idx) {
    if (filled == k && !ref::knn_before(val, idx, v[k - 1], i[k - 1])) return;
    int32_t t = filled < k ? filled++ : k - 1;
    for (; t > 0 && ref::knn_before(val, idx, v[t - 1], i[t - 1]); --t) {
      v[t] = v[t - 1];
      i[t] = i[t - 1];
    }
    v[t] = val;
    i[t] = idx;
    if (filled == k) {
      limit = static_cast<double>(v[k - 1]) * (1.0 + kRankMargin) + kFloorMargin;
      reach_ = -1.0;
    }
  }
  // sqrt(limit), computed when asked after a change.
  double reach() {
    if (reach_ < 0.0) reach_ = std::sqrt(limit);
    return reach_;
  }
  double reach_ = std::numeric_limits<double>::infinity();
  // A row whose distance is at least lb (lb computed from values of magnitude about `scale`).
  bool rules_out(double lb, double scale) const {
    const double l = lb - kBoundTolerance * scale - kBoundFloor;
    return l > 0.0 && l * l > limit;
  }
};


// The index of the smallest of centre2 [G] (32-byte aligned), the first on ties.
int64_t nearest_centre(const float* centre2, int64_t G) {
#if defined(__AVX2__)
  __m256 m = _mm256_set1_ps(std::numeric_limits<float>::infinity());
  for (int64_t g = 0; g + 8 <= G; g += 8) m = _mm256_min_ps(m, _mm256_load_ps(centre2 + g));
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, m);
  float best = *std::min_element(lanes, lanes + 8);
  for (int64_t g = G / 8 * 8; g < G; ++g) best = std::min(best, centre2[g]);
  for (int64_t g = 0; g < G; ++g)
    if (centre2[g] == best) return g;
  return 0;
#else
  return std::min_element(centre2, centre2 + G) - centre2;
#endif
}

}  // namespace

bool KnnBallIndex::build(int64_t K, int64_t d, const float* codebook, int threads) {
  K_ = d_ = G_ = 0;
  for (int64_t t = 0; t < K * d; ++t)
    if (!std::isfinite(codebook[t])) return false;
  const int64_t G = std::clamp<int64_t>(std::llround(std::sqrt(static_cast<double>(K))), 1, std::min(K, kMaxBalls));
  std::vector<double> rows(codebook, codebook + K * d), centres(static_cast<size_t>(G * d));
  std::vector<int32_t> ball(static_cast<size_t>(K));
  std::vector<double> dist2(static_cast<size_t>(K), std::numeric_limits<double>::infinity());

  // Farthest-point start (row 0 first, then each time the row farthest from every centre so
  // far, the lower index on ties): deterministic, and spread over the codebook.
  int64_t next = 0;
  for (int64_t g = 0; g < G; ++g) {
    std::copy_n(rows.data() + next * d, d, centres.data() + g * d);
    int64_t far = 0;
    for (int64_t i = 0; i < K; ++i) {
      dist2[i] = std::min(dist2[i], squared_distance(d, rows.data() + i * d, centres.data() + g * d));
      if (dist2[i] > dist2[far]) far = i;
    }
    next = far;
  }
  // Lloyd: balls of nearby rows make tight radii (an empty ball keeps its centre).
  std::vector<double> sums(static_cast<size_t>(G * d));
  std::vector<int64_t> counts(static_cast<size_t>(G));
  for (int it = 0; it < kLloydIterations; ++it) {
    assign(threads, K, d, G, rows.data(), centres.data(), ball.data(), dist2.data());
    std::fill(sums.begin(), sums.end(), 0.0);
    std::fill(counts.begin(), counts.end(), 0);
    for (int64_t i = 0; i < K; ++i) {
      ++counts[ball[i]];
      for (int64_t j = 0; j < d; ++j) sums[ball[i] * d + j] += rows[i * d + j];
    }
    for (int64_t g = 0; g < G; ++g)
      if (counts[g] > 0)
        for (int64_t j = 0; j < d; ++j) centres[g * d + j] = sums[g * d + j] / static_cast<double>(counts[g]);
  }
  // The search measures D to centres in float: rho and the balls are made for the rounded centres.
  for (double& c : centres) c = static_cast<double>(static_cast<float>(c));
  assign(threads, K, d, G, rows.data(), centres.data(), ball.data(), dist2.data());

  // Members in ball order, each ball by (rho, index).
  std::vector<int32_t> order(static_cast<size_t>(K));
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
    if (ball[a] != ball[b]) return ball[a] < ball[b];
    if (dist2[a] != dist2[b]) return dist2[a] < dist2[b];
    return a < b;
  });
  start_.assign(static_cast<size_t>(G + 1), 0);
  radius_.assign(static_cast<size_t>(G), 0.0);
  members_.resize(static_cast<size_t>(K * d));
  rho_.resize(static_cast<size_t>(K));
  index_.resize(static_cast<size_t>(K));
  for (int64_t s = 0; s < K; ++s) {
    const int32_t r = order[s];
    ++start_[ball[r] + 1];
    rho_[s] = std::sqrt(dist2[r]);
    index_[s] = r;
    radius_[ball[r]] = std::max(radius_[ball[r]], rho_[s]);
    std::copy_n(codebook + r * d, d, members_.data() + s * d);
  }
  for (int64_t g = 0; g < G; ++g) start_[g + 1] += start_[g];
  reach_floor_.resize(static_cast<size_t>(G));
  for (int64_t g = 0; g < G; ++g) reach_floor_[g] = radius_[g] * (1.0 + kBoundTolerance) + kBoundFloor;
  // Lane copy [d][K + kLanes] (zero tail): a block read never leaves the array.
  stride_ = K + kLanes;
  lanes_.assign(static_cast<size_t>(d * stride_), 0.0f);
  for (int64_t s = 0; s < K; ++s)
    for (int64_t j = 0; j < d; ++j) lanes_[j * stride_ + s] = members_[s * d + j];
  // Centres by dimension, padded to whole lanes with copies of centre 0 (never a nearest: the
  // search looks at the first G only).
  centre_stride_ = (G + kLanes - 1) / kLanes * kLanes;
  centres_.resize(static_cast<size_t>(centre_stride_ * d));
  for (int64_t g = 0; g < centre_stride_; ++g)
    for (int64_t j = 0; j < d; ++j)
      centres_[j * centre_stride_ + g] = static_cast<float>(centres[(g < G ? g : 0) * d + j]);
  K_ = K;
  d_ = d;
  G_ = G;
  return true;
}

void KnnBallIndex::block_distances(const float* q, int64_t b0, float* out) const {
  const float* col = lanes_.data() + b0;
#if defined(__AVX2__) && defined(__FMA__)
  __m256 acc = _mm256_setzero_ps();
  for (int64_t j = 0; j < d_; ++j, col += stride_) {
    const __m256 t = _mm256_sub_ps(_mm256_set1_ps(q[j]), _mm256_loadu_ps(col));
    acc = _mm256_fmadd_ps(t, t, acc);
  }
  _mm256_storeu_ps(out, acc);
#else
  std::fill(out, out + kLanes, 0.0f);
  for (int64_t j = 0; j < d_; ++j, col += stride_)
    for (int64_t t = 0; t < kLanes; ++t) {
      const float v = q[j] - col[t];
      out[t] += v * v;
    }
#endif
}

int64_t KnnBallIndex::search(const float* q, int32_t k, int32_t* idx, float* dist) const {
  const int64_t d = d_, G = G_;
  for (int64_t j = 0; j < d; ++j)
    if (!std::isfinite(q[j])) return -1;
  // Squared distances to the centres in float, a whole lane at a time.
  const int64_t cs = centre_stride_;
  alignas(32) float centre2[kMaxBalls];
  std::fill(centre2, centre2 + cs, 0.0f);
  for (int64_t j = 0; j < d; ++j) {
    const float qj = q[j];
    const float* c = centres_.data() + j * cs;
    for (int64_t g = 0; g < cs; ++g) {
      const float t = qj - c[g];
      centre2[g] += t * t;
    }
  }
  Best best;
  best.k = k;
  int64_t screened = 0;
  // Slots [b0, b1) (at most kLanes): screened by their float distance, the survivors evaluated.
  float approx[kLanes];
  auto screen = [&](int64_t b0, int64_t b1) {
    block_distances(q, b0, approx);
    screened += b1 - b0;
    // A float sum of squares of float differences is within a relative (d + 2) 2^-24 of the
    // exact one (no cancellation): above limit (1 + 1e-5) a row cannot rank. Near float's top
    // the approximation may overflow where the exact value does not: no screening there.
    const bool all = !(best.limit < 1e37);
    const float cut = all ? 0.0f : static_cast<float>(best.limit * (1.0 + kScreenMargin));
    for (int64_t t = b0; t < b1; ++t) {
      if (!all && approx[t - b0] > cut) continue;
      best.offer(ref::knn_distance(d, q, members_.data() + t * d), index_[t]);
    }
  };
  // Outwards from rho = D in blocks: the right side, then the left; a side ends at the first
  // block whose nearest row (to rho = D) is ruled out.
  auto visit = [&](int64_t g, double D) {
    const int64_t s = start_[g], e = start_[g + 1];
    const int64_t mid = std::lower_bound(rho_.begin() + s, rho_.begin() + e, D) - rho_.begin();
    for (int64_t r = mid; r < e && !best.rules_out(rho_[r] - D, D + rho_[r]); r += kLanes)
      screen(r, std::min(r + kLanes, e));
    for (int64_t l = mid - 1; l >= s && !best.rules_out(D - rho_[l], D + rho_[l]); l -= kLanes) {
      const int64_t b0 = std::max(l - kLanes + 1, s);
      screen(b0, l + 1);
    }
  };
  const int64_t first = nearest_centre(centre2, G);
  visit(first, std::sqrt(static_cast<double>(centre2[first])));
  for (int64_t g = 0; g < G; ++g) {
    if (g == first || start_[g] == start_[g + 1]) continue;
    // rules_out(D - radius, D + radius) without the square root when D is far beyond reach.
    const double thr = (reach_floor_[g] + best.reach() * (1.0 + 1e-12)) * kInverseShrink;
    if (static_cast<double>(centre2[g]) > thr * thr) continue;
    visit(g, std::sqrt(static_cast<double>(centre2[g])));
  }
  std::copy_n(best.i, k, idx);
  std::copy_n(best.v, k, dist);
  return screened;
}

}  // namespace ac
