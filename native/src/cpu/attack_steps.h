// Reference fused attack steps (ABI: advcore.h, section "fused attack steps"), templated on
// the scalar type T like the other reference kernels: float for the CPU backends, double for
// the semantic tests. Every step works on one sample (a row of d elements) at a time, so a
// threaded or CUDA version splits over rows and must match these per row exactly.
// Norms and dot products accumulate in double; element updates are in T.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/backend.h"  // AttackRowsT, Criterion
#include "reference_loss.h"
#include "reference_vector.h"

namespace ac::ref {

// ------------------------------------------------------------------ row helpers

template <class T>
double row_norm(const T* v, int64_t d) {
  double s = 0;
  for (int64_t j = 0; j < d; ++j) s += static_cast<double>(v[j]) * static_cast<double>(v[j]);
  return std::sqrt(s);
}

template <class T>
double row_distance(const T* a, const T* b, int64_t d) {
  double s = 0;
  for (int64_t j = 0; j < d; ++j) {
    double e = static_cast<double>(a[j]) - static_cast<double>(b[j]);
    s += e * e;
  }
  return std::sqrt(s);
}

// One level of the 8-bit grid, exactly as quantize8 computes it.
template <class T>
T quantize_level(T v) {
  return std::nearbyint(clamp01(v) * T(255)) / T(255);
}

// NaN-safe sign: sign(NaN) = 0, so a broken gradient element never moves a pixel.
template <class T>
T sign_of(T v) {
  return v > T(0) ? T(1) : (v < T(0) ? T(-1) : T(0));
}

// Whether logits row z counts as adversarial for label l under criterion c (advcore.h,
// ac_criterion). margin == 0 compares the first maximiser (as ac_argmax), so ties behave
// exactly as the untargeted test always did; margin > 0 compares the gap between z_l and the
// best other class (the first maximiser among j != l), in double so that every backend
// takes the same decision on the same float logits.
template <class T>
bool is_adversarial(const T* z, int64_t k, int32_t label, Criterion c) {
  const bool targeted = c.kind == 1;
  if (!(c.margin > 0)) {
    const bool hit = first_argmax(z, k, -1) == label;
    return targeted ? hit : !hit;
  }
  const double other = static_cast<double>(z[first_argmax(z, k, label)]);
  const double own = static_cast<double>(z[label]);
  const double gap = targeted ? own - other : other - own;
  return gap > static_cast<double>(c.margin);
}

// "Keep best" on one row: y is adversarial and strictly less distorted than best so far.
// Returns whether y is adversarial. best_y/best_norm may be null (no tracking).
template <class T>
bool keep_best_row(int64_t d, int64_t k, const T* x, const T* y, const T* z, int32_t label,
                   Criterion c, T* best_y, T* best_norm) {
  bool adv = is_adversarial(z, k, label, c);
  if (adv && best_y) {
    T dist = static_cast<T>(row_distance(y, x, d));
    if (dist < *best_norm) {
      *best_norm = dist;
      std::copy(y, y + d, best_y);
    }
  }
  return adv;
}

// ------------------------------------------------------------------ keep best

// Keep best on row i of o (with tracking when o has best_y); returns whether y_i is adversarial.
template <class T>
bool keep_best_at(const AttackRowsT<T>& o, int64_t i) {
  const int64_t d = o.d;
  return keep_best_row(d, o.k, o.x + i * d, o.y + i * d, o.logits + i * o.k, o.labels[i],
                       o.criterion, o.best_y ? o.best_y + i * d : nullptr,
                       o.best_y ? o.best_norm + i : nullptr);
}

template <class T>
void attack_keep_best(const AttackRowsT<T>& o, int32_t* adversarial) {
  for (int64_t i = 0; i < o.n; ++i) {
    bool adv = keep_best_at(o, i);
    if (adversarial) adversarial[i] = adv ? 1 : 0;
  }
}

// ------------------------------------------------------------------ PGD / I-FGSM / FGSM

// norm: 0 = L2, 1 = Linf (ac_norm). o.logits or o.best_y null: no best tracking.
template <class T>
void pgd_step(const AttackRowsT<T>& o, const T* eps, const T* alpha, int32_t norm, T grad_sign,
              bool quantize) {
  const int64_t n = o.n, d = o.d;
  for (int64_t i = 0; i < n; ++i) {
    const T* xi = o.x + i * d;
    const T* gi = o.grad + i * d;
    T* yi = o.y + i * d;
    if (o.logits && o.best_y) keep_best_at(o, i);
    // Step along -grad_sign * grad (eq. 2.13 / 2.15).
    if (norm == 0) {
      T gn = static_cast<T>(row_norm(gi, d));
      if (gn > T(0) && std::isfinite(gn)) {
        T c = -grad_sign * alpha[i] / gn;
        for (int64_t j = 0; j < d; ++j) yi[j] += c * gi[j];
      }
    } else {
      T c = -grad_sign * alpha[i];
      for (int64_t j = 0; j < d; ++j) yi[j] += c * sign_of(gi[j]);
    }
    // Projection on the ball around x (eq. 2.14 / 2.16), then the image box and the grid.
    T radius = std::max(eps[i], T(0));
    if (norm == 0) {
      double rn = row_distance(yi, xi, d);
      if (rn > static_cast<double>(radius)) {
        T f = static_cast<T>(static_cast<double>(radius) / rn);
        for (int64_t j = 0; j < d; ++j) yi[j] = xi[j] + (yi[j] - xi[j]) * f;
      }
    } else {
      for (int64_t j = 0; j < d; ++j) yi[j] = xi[j] + std::min(std::max(yi[j] - xi[j], -radius), radius);
    }
    for (int64_t j = 0; j < d; ++j) yi[j] = quantize ? quantize_level(yi[j]) : clamp01(yi[j]);
  }
}

// ------------------------------------------------------------------ DDN

template <class T>
void ddn_step(const AttackRowsT<T>& o, T* radius, T alpha, T gamma, T grad_sign, bool quantize) {
  const int64_t n = o.n, d = o.d;
  std::vector<T> delta(static_cast<size_t>(d));
  for (int64_t i = 0; i < n; ++i) {
    const T* xi = o.x + i * d;
    const T* gi = o.grad + i * d;
    T* yi = o.y + i * d;
    bool adv = keep_best_at(o, i);
    for (int64_t j = 0; j < d; ++j) delta[j] = yi[j] - xi[j];
    T gn = static_cast<T>(row_norm(gi, d));
    if (gn > T(0) && std::isfinite(gn)) {
      T c = -grad_sign * alpha / gn;
      for (int64_t j = 0; j < d; ++j) delta[j] += c * gi[j];
    }
    // The norm decouples from the direction: shrink when adversarial, grow otherwise,
    // capped by the largest distortion an image can have (Rony et al., "worst norm").
    double worst = 0;
    for (int64_t j = 0; j < d; ++j) {
      double m = std::max(static_cast<double>(xi[j]), 1.0 - static_cast<double>(xi[j]));
      worst += m * m;
    }
    T r = radius[i] * (adv ? T(1) - gamma : T(1) + gamma);
    r = std::min(r, static_cast<T>(std::sqrt(worst)));
    radius[i] = r;
    double dn = row_norm(delta.data(), d);
    if (dn > 0) {
      T f = static_cast<T>(static_cast<double>(r) / dn);
      for (int64_t j = 0; j < d; ++j) delta[j] *= f;
    }
    for (int64_t j = 0; j < d; ++j) {
      T v = xi[j] + delta[j];
      yi[j] = quantize ? quantize_level(v) : clamp01(v);
    }
  }
}

// ------------------------------------------------------------------ Q_OUT line search

// Fixed search budget (see ac_quantized_line_search): doublings up to 2^10, then 12 halvings.
constexpr int kLineSearchDoublings = 10;
constexpr int kLineSearchBisections = 12;

// f(beta) = ||Q(y + beta (z - y)) - x||_2 for one row.
template <class T>
double quantized_distance(int64_t d, const T* x, const T* y, const T* z, T beta) {
  double s = 0;
  for (int64_t j = 0; j < d; ++j) {
    double e = static_cast<double>(quantize_level(y[j] + beta * (z[j] - y[j]))) - static_cast<double>(x[j]);
    s += e * e;
  }
  return std::sqrt(s);
}

// beta of Q_OUT (eq. 5.7) for one row.
template <class T>
T line_search_beta(int64_t d, const T* x, const T* y, const T* z) {
  if (row_distance(z, y, d) == 0) return T(1);
  const double target = row_distance(z, x, d);
  double f = quantized_distance(d, x, y, z, T(1));
  if (f <= target) return T(1);
  T best_beta = T(1);
  double best_f = f;
  T lo = T(1), hi = T(2);
  bool bracketed = false;
  for (int t = 0; t < kLineSearchDoublings; ++t, lo = hi, hi = hi * T(2)) {
    f = quantized_distance(d, x, y, z, hi);
    if (f <= target) {
      bracketed = true;
      break;
    }
    if (f < best_f) {
      best_f = f;
      best_beta = hi;
    }
  }
  if (!bracketed) return best_beta;
  for (int t = 0; t < kLineSearchBisections; ++t) {
    T mid = (lo + hi) / T(2);
    if (quantized_distance(d, x, y, z, mid) <= target) hi = mid;
    else lo = mid;
  }
  return hi;
}

template <class T>
void quantized_line_search(int64_t n, int64_t d, const T* x, const T* y, const T* z, T* out,
                           T* beta) {
  for (int64_t i = 0; i < n; ++i) {
    const T *xi = x + i * d, *yi = y + i * d, *zi = z + i * d;
    T b = line_search_beta(d, xi, yi, zi);
    T* oi = out + i * d;
    for (int64_t j = 0; j < d; ++j) oi[j] = quantize_level(yi[j] + b * (zi[j] - yi[j]));
    if (beta) beta[i] = b;
  }
}

// ------------------------------------------------------------------ BP (thesis ch. 5)

// rounding: 0 = at the end, 1 = each iteration, 2 = Q_IN / Q_OUT (ac_bp_rounding).
template <class T>
void bp_step(const AttackRowsT<T>& o, int32_t* stage, T gamma, T alpha, T beta_min, T grad_sign,
             int32_t rounding) {
  const int64_t n = o.n, d = o.d;
  std::vector<T> gh(static_cast<size_t>(d)), z(static_cast<size_t>(d));
  for (int64_t i = 0; i < n; ++i) {
    const T* xi = o.x + i * d;
    const T* gi = o.grad + i * d;
    T* yi = o.y + i * d;
    bool adv = keep_best_at(o, i);
    if (adv) stage[i] = 1;  // Stage 2 starts at the first adversarial iterate and stays.
    T gn = static_cast<T>(row_norm(gi, d));
    if (!(gn > T(0) && std::isfinite(gn))) continue;
    for (int64_t j = 0; j < d; ++j) gh[j] = grad_sign * gi[j] / gn;

    if (stage[i] == 0) {
      // Algorithm 1 line 4: y <- clip(y - alpha gamma_i gh).
      T c = alpha * gamma;
      for (int64_t j = 0; j < d; ++j) {
        T v = yi[j] - c * gh[j];
        yi[j] = rounding == 0 ? clamp01(v) : quantize_level(v);
      }
      continue;
    }

    double rn = row_distance(yi, xi, d), rho_d = 0;
    for (int64_t j = 0; j < d; ++j)
      rho_d += (static_cast<double>(yi[j]) - static_cast<double>(xi[j])) * static_cast<double>(gh[j]);
    T rho = static_cast<T>(rho_d);
    T beta = T(1);
    if (adv) {
      // OUT (eqs. 5.4-5.6): the point of the tangent hyperplane at distance gamma ||r||
      // from x that is closest to y.
      double eps = static_cast<double>(gamma) * rn;
      double w2 = 0;
      for (int64_t j = 0; j < d; ++j) {
        z[j] = xi[j] + rho * gh[j];  // v*
        double w = static_cast<double>(yi[j]) - static_cast<double>(z[j]);
        w2 += w * w;
      }
      double h = std::sqrt(std::max(eps * eps - rho_d * rho_d, 0.0)), wn = std::sqrt(w2);
      if (wn > 0) {
        T c = static_cast<T>(h / wn);
        for (int64_t j = 0; j < d; ++j) z[j] += (yi[j] - z[j]) * c;
      }
      if (rounding == 2) beta = line_search_beta(d, xi, yi, z.data());  // Q_OUT (eq. 5.7)
    } else {
      // IN (eq. 5.9): along -gh until the sphere of radius ||r|| / gamma_i.
      double eps = rn / static_cast<double>(gamma);
      double s = rho_d + std::sqrt(std::max(eps * eps - rn * rn + rho_d * rho_d, 0.0));
      T st = static_cast<T>(s);
      for (int64_t j = 0; j < d; ++j) z[j] = yi[j] - st * gh[j];
      // Q_IN (eq. 5.10): stretch updates shorter than beta_min so rounding keeps them.
      if (rounding == 2 && s > 0) beta = std::max(T(1), static_cast<T>(static_cast<double>(beta_min) / s));
    }
    for (int64_t j = 0; j < d; ++j) {
      if (rounding == 0) yi[j] = clamp01(z[j]);
      else if (rounding == 1) yi[j] = quantize_level(z[j]);
      else yi[j] = quantize_level(yi[j] + beta * (z[j] - yi[j]));
    }
  }
}

// ------------------------------------------------------------------ C&W L2

constexpr double kCwTanhScale = 1.0 - 1e-6;  // keeps atanh finite at 0 and 1 (Carlini's 0.999999)

template <class T>
void cw_init(int64_t n, int64_t d, const T* x, T* w, T* y) {
  for (int64_t e = 0; e < n * d; ++e) {
    w[e] = static_cast<T>(std::atanh((2.0 * static_cast<double>(x[e]) - 1.0) * kCwTanhScale));
    y[e] = (std::tanh(w[e]) + T(1)) / T(2);
  }
}

template <class T>
void cw_step(const AttackRowsT<T>& ops, T* w, const T* lambda, T* m, T* v, int32_t* found, T lr,
             T beta1, T beta2, T eps, int64_t step) {
  const int64_t n = ops.n, d = ops.d;
  const T* x = ops.x;
  const T* grad = ops.grad;
  T* y = ops.y;
  const double bc1 = 1.0 - std::pow(static_cast<double>(beta1), static_cast<double>(step));
  const double bc2 = 1.0 - std::pow(static_cast<double>(beta2), static_cast<double>(step));
  for (int64_t i = 0; i < n; ++i) {
    const int64_t o = i * d;
    if (keep_best_at(ops, i)) found[i] = 1;
    for (int64_t j = o; j < o + d; ++j) {
      // Chain rule through y = (tanh(w) + 1) / 2 of lambda J + ||y - x||^2 (eq. 2.18).
      T t = std::tanh(w[j]);
      T g = (lambda[i] * grad[j] + T(2) * (y[j] - x[j])) * (T(1) - t * t) / T(2);
      m[j] = beta1 * m[j] + (T(1) - beta1) * g;
      v[j] = beta2 * v[j] + (T(1) - beta2) * g * g;
      double mhat = static_cast<double>(m[j]) / bc1, vhat = static_cast<double>(v[j]) / bc2;
      w[j] = static_cast<T>(static_cast<double>(w[j]) -
                            static_cast<double>(lr) * mhat / (std::sqrt(vhat) + static_cast<double>(eps)));
      y[j] = (std::tanh(w[j]) + T(1)) / T(2);
    }
  }
}

// ------------------------------------------------------------------ DeepFool

// jacobian is class-major: the gradient of class c for row i starts at
// jacobian + c * class_stride + i * d (class_stride = n_total * d for a [K, N, d] tensor).
template <class T>
void deepfool_step(const AttackRowsT<T>& o, T* r_total, const T* jacobian, int64_t class_stride,
                   int32_t* active, T overshoot) {
  const int64_t n = o.n, d = o.d, k = o.k;
  const T* x = o.x;
  T* y = o.y;
  for (int64_t i = 0; i < n; ++i) {
    if (!active[i]) continue;
    const T* zi = o.logits + i * k;
    const int32_t l = o.labels[i];
    if (is_adversarial(zi, k, l, o.criterion)) {
      active[i] = 0;
      continue;
    }
    const T* ji = jacobian + i * d;
    const T* jl = ji + l * class_stride;
    // The nearest linearised boundary (eq. 2.21): smallest |f_c| / ||w_c||.
    int64_t best = -1;
    double best_dist = 0, best_f = 0, best_w2 = 0;
    for (int64_t c = 0; c < k; ++c) {
      if (c == l) continue;
      const T* jc = ji + c * class_stride;
      double w2 = 0;
      for (int64_t j = 0; j < d; ++j) {
        double w = static_cast<double>(jc[j]) - static_cast<double>(jl[j]);
        w2 += w * w;
      }
      if (!(w2 > 0)) continue;
      double f = std::abs(static_cast<double>(zi[c]) - static_cast<double>(zi[l]));
      double dist = f / std::sqrt(w2);
      if (best < 0 || dist < best_dist) {
        best = c;
        best_dist = dist;
        best_f = f;
        best_w2 = w2;
      }
    }
    if (best < 0) {
      active[i] = 0;
      continue;
    }
    const T* jc = ji + best * class_stride;
    T c = static_cast<T>((best_f + 1e-4) / best_w2);
    T* ri = r_total + i * d;
    const T* xi = x + i * d;
    T* yi = y + i * d;
    for (int64_t j = 0; j < d; ++j) {
      ri[j] += c * (jc[j] - jl[j]);
      yi[j] = clamp01(xi[j] + (T(1) + overshoot) * ri[j]);
    }
  }
}

// ------------------------------------------------------------------ JSMA

// domain: 1 = never changed, 2 = changed and may move again, 0 = saturated or excluded.
template <class T>
void jsma_step(const AttackRowsT<T>& o, const T* grad_target, const T* grad_other, T* domain,
               int32_t* changed, int32_t* active, T theta, int64_t max_changed) {
  const int64_t n = o.n, d = o.d, k = o.k;
  T* y = o.y;
  for (int64_t i = 0; i < n; ++i) {
    if (!active[i]) continue;
    if (is_adversarial(o.logits + i * k, k, o.labels[i], o.criterion)) {
      active[i] = 0;
      continue;
    }
    const T *gt = grad_target + i * d, *go = grad_other + i * d;
    T* dom = domain + i * d;
    const bool increase = theta > T(0);
    int64_t bp = -1, bq = -1;
    double best_score = 0;
    for (int64_t p = 0; p < d; ++p) {
      if (dom[p] == T(0)) continue;
      for (int64_t q = p + 1; q < d; ++q) {
        if (dom[q] == T(0)) continue;
        double a = static_cast<double>(gt[p]) + static_cast<double>(gt[q]);
        double b = static_cast<double>(go[p]) + static_cast<double>(go[q]);
        bool ok = increase ? (a > 0 && b < 0) : (a < 0 && b > 0);
        if (!ok) continue;
        double score = -a * b;
        if (bp < 0 || score > best_score) {
          bp = p;
          bq = q;
          best_score = score;
        }
      }
    }
    if (bp < 0) {
      active[i] = 0;
      continue;
    }
    T* yi = y + i * d;
    for (int64_t f : {bp, bq}) {
      if (dom[f] == T(1)) ++changed[i];
      yi[f] = clamp01(yi[f] + theta);
      // A feature leaves the domain once it saturates (ART's rule), so it may take several steps.
      dom[f] = (increase ? yi[f] >= T(1) : yi[f] <= T(0)) ? T(0) : T(2);
    }
    if (changed[i] > max_changed) active[i] = 0;
  }
}

}  // namespace ac::ref
