// Reference kernels of the graph-Laplacian smoothing (thesis ch. 4, eqs. 4.1-4.5; advcore.h,
// "Graph-Laplacian smoothing"): the pixel graph of an image, the stencil matvec y = L_alpha v
// and a plain conjugate-gradient solve per system. Templated on the scalar type T (float on
// the reference backend, double in the semantic tests). Plain loops, double accumulators: the
// weights and degrees are computed in double and rounded once, every matvec row and every
// dot product is summed in double.
#pragma once
#include <cmath>
#include <cstdint>
#include <vector>

#include "core/backend.h"

namespace ac::ref {

// Stencil slot k of a pixel (y, x) is the neighbour (y + dy[k], x + dx[k]): with 4 neighbours
// up, left, right, down; with 8 also up-left, up-right, down-left, down-right. Slot k and
// slot smoothing_opposite(k) are the two ends of one edge.
inline constexpr int kSmoothingDy[8] = {-1, 0, 0, 1, -1, -1, 1, 1};
inline constexpr int kSmoothingDx[8] = {0, -1, 1, 0, -1, 1, -1, 1};
inline int smoothing_opposite(int k) { return k < 4 ? 3 - k : 11 - k; }

// The affinity w_ij = k_f(x_i, x_j) k_s(t_i, t_j) of pixel i = (y, x) and its neighbour
// j = (y + dy, x + dx), both inside the image, over the c channels of one image (plane
// stride hw). k_f: Laplacian exp(-||x_i - x_j|| / sigma_f) or Gaussian
// exp(-||x_i - x_j||^2 / (2 sigma_f^2)). k_s = exp(-(||t_i - t_j||^2 - 1) / (2 sigma_s^2)):
// the thesis' exp(-||t_i - t_j||^2 / (2 sigma_s^2)) times the constant exp(1 / (2 sigma_s^2)),
// which the normalisation D^-1/2 W D^-1/2 cancels exactly; factoring it out keeps a small
// sigma_s from underflowing every weight to 0 (with 4 neighbours k_s is then exactly 1).
template <class T>
double smoothing_affinity(const SmoothingGraphShape& s, const T* image, int64_t i, int64_t j,
                          int dy, int dx) {
  const int64_t hw = s.h * s.w;
  double d2 = 0;
  for (int64_t ch = 0; ch < s.c; ++ch) {
    double diff = static_cast<double>(image[ch * hw + i]) - static_cast<double>(image[ch * hw + j]);
    d2 += diff * diff;
  }
  const double sf = s.sigma_f, ss = s.sigma_s;
  double kf = s.kernel == 0 ? std::exp(-std::sqrt(d2) / sf) : std::exp(-d2 / (2 * sf * sf));
  double ks = std::exp(-static_cast<double>(dy * dy + dx * dx - 1) / (2 * ss * ss));
  return kf * ks;
}

// weights[(img * k + slot) * hw + i] = W'_ij = w_ij / sqrt(d_i d_j) for the neighbour j of
// pixel i in `slot` (0 outside the image), d_i = sum_j w_ij. Underflow guard: a pixel whose
// degree is 0 (every affinity underflowed) is isolated, i.e. its row and column of W' are 0,
// so L_alpha acts there as 1 / (1 - alpha) times the identity and s_hat leaves it unchanged.
template <class T>
void smoothing_graph_build(const SmoothingGraphShape& s, const T* images, T* weights) {
  const int64_t hw = s.h * s.w;
  std::vector<double> degree(static_cast<size_t>(hw));
  for (int64_t img = 0; img < s.n; ++img) {
    const T* image = images + img * s.c * hw;
    T* out = weights + img * s.k * hw;
    for (int64_t i = 0; i < hw; ++i) {
      const int64_t y = i / s.w, x = i % s.w;
      double d = 0;
      for (int k = 0; k < s.k; ++k) {
        const int64_t ny = y + kSmoothingDy[k], nx = x + kSmoothingDx[k];
        if (ny < 0 || ny >= s.h || nx < 0 || nx >= s.w) continue;
        d += smoothing_affinity(s, image, i, ny * s.w + nx, kSmoothingDy[k], kSmoothingDx[k]);
      }
      degree[static_cast<size_t>(i)] = d;
    }
    for (int64_t i = 0; i < hw; ++i) {
      const int64_t y = i / s.w, x = i % s.w;
      for (int k = 0; k < s.k; ++k) {
        const int64_t ny = y + kSmoothingDy[k], nx = x + kSmoothingDx[k];
        double v = 0;
        if (ny >= 0 && ny < s.h && nx >= 0 && nx < s.w) {
          const int64_t j = ny * s.w + nx;
          const double di = degree[static_cast<size_t>(i)], dj = degree[static_cast<size_t>(j)];
          if (di > 0 && dj > 0)
            v = smoothing_affinity(s, image, i, j, kSmoothingDy[k], kSmoothingDx[k]) / std::sqrt(di * dj);
        }
        out[k * hw + i] = static_cast<T>(v);
      }
    }
  }
}

// y = L_alpha v = (v - alpha W' v) / (1 - alpha) for one system (stencil wts [k][h*w]).
template <class T>
void smoothing_apply_one(int64_t h, int64_t w, int k, double alpha, const T* wts, const T* v,
                         T* y) {
  const int64_t hw = h * w;
  for (int64_t i = 0; i < hw; ++i) {
    const int64_t py = i / w, px = i % w;
    double sum = 0;
    for (int s = 0; s < k; ++s) {
      const int64_t ny = py + kSmoothingDy[s], nx = px + kSmoothingDx[s];
      if (ny < 0 || ny >= h || nx < 0 || nx >= w) continue;
      sum += static_cast<double>(wts[s * hw + i]) * static_cast<double>(v[ny * w + nx]);
    }
    y[i] = static_cast<T>((static_cast<double>(v[i]) - alpha * sum) / (1 - alpha));
  }
}

template <class T>
double smoothing_dot(int64_t n, const T* a, const T* b) {
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(a[i]) * static_cast<double>(b[i]);
  return sum;
}

// One CG system (see ac::CgProblem for the modes). Plain textbook CG from x0 (0, or the warm
// start), stopping when ||r|| <= tol ||b'||. The recursively updated residual r drifts from
// the true b' - L x in finite precision, so a system whose r passes the test is checked with
// the true residual; if that fails, CG restarts from it (residual replacement).
template <class T>
void smoothing_cg_one(int64_t h, int64_t w, int k, int mode, bool warm, int max_iter,
                      double alpha, double tol, const T* wts, const T* s1, const T* b, T* x,
                      int32_t* iterations, T* residual) {
  const int64_t hw = h * w;
  std::vector<T> bp(hw), r(hw), p(hw), q(hw);
  for (int64_t i = 0; i < hw; ++i) {
    bp[i] = mode == 2 ? static_cast<T>(b[i] / s1[i]) : b[i];
    x[i] = !warm ? T(0) : mode == 1 ? static_cast<T>(x[i] * s1[i]) : x[i];
  }
  const double bb = smoothing_dot(hw, bp.data(), bp.data());
  if (bb == 0) {  // b' = 0: the solution is 0, whatever the start
    for (int64_t i = 0; i < hw; ++i) x[i] = T(0);
    *iterations = 0;
    *residual = T(0);
    return;
  }
  const double threshold = tol * tol * bb;
  // r = b' - L x
  auto true_residual = [&](std::vector<T>& out) {
    smoothing_apply_one(h, w, k, alpha, wts, x, out.data());
    for (int64_t i = 0; i < hw; ++i) out[i] = static_cast<T>(static_cast<double>(bp[i]) - static_cast<double>(out[i]));
    return smoothing_dot(hw, out.data(), out.data());
  };
  double rr = true_residual(r);
  int it = 0;
  if (rr > threshold) {
    p = r;
    while (it < max_iter) {
      smoothing_apply_one(h, w, k, alpha, wts, p.data(), q.data());
      const double pq = smoothing_dot(hw, p.data(), q.data());
      if (!(pq > 0)) break;  // p = 0 or non-finite input: nothing more to gain
      const double a = rr / pq;
      for (int64_t i = 0; i < hw; ++i) {
        x[i] = static_cast<T>(static_cast<double>(x[i]) + a * static_cast<double>(p[i]));
        r[i] = static_cast<T>(static_cast<double>(r[i]) - a * static_cast<double>(q[i]));
      }
      ++it;
      double rr_new = smoothing_dot(hw, r.data(), r.data());
      if (rr_new <= threshold) {
        rr_new = true_residual(r);
        if (rr_new <= threshold) break;
        p = r;  // restart from the true residual
        rr = rr_new;
        continue;
      }
      const double beta = rr_new / rr;
      rr = rr_new;
      for (int64_t i = 0; i < hw; ++i)
        p[i] = static_cast<T>(static_cast<double>(r[i]) + beta * static_cast<double>(p[i]));
    }
  }
  *iterations = it;
  *residual = static_cast<T>(std::sqrt(true_residual(q) / bb));
  if (mode == 1)
    for (int64_t i = 0; i < hw; ++i) x[i] = static_cast<T>(x[i] / s1[i]);
}

// Every system of a CgProblem-shaped batch, one after the other.
template <class T>
void smoothing_cg(int64_t systems, int64_t per_graph, int64_t h, int64_t w, int k, int mode,
                  bool warm, int max_iter, double alpha, double tol, const T* weights,
                  const T* s1, const T* b, T* x, int32_t* iterations, T* residuals) {
  const int64_t hw = h * w;
  for (int64_t s = 0; s < systems; ++s) {
    const int64_t g = s / per_graph;
    smoothing_cg_one(h, w, k, mode, warm, max_iter, alpha, tol, weights + g * k * hw,
                     s1 ? s1 + g * hw : nullptr, b + s * hw, x + s * hw, iterations + s,
                     residuals + s);
  }
}

template <class T>
void smoothing_apply(int64_t systems, int64_t per_graph, int64_t h, int64_t w, int k,
                     double alpha, const T* weights, const T* v, T* y) {
  const int64_t hw = h * w;
  for (int64_t s = 0; s < systems; ++s)
    smoothing_apply_one(h, w, k, alpha, weights + (s / per_graph) * k * hw, v + s * hw, y + s * hw);
}

}  // namespace ac::ref
