// Reference per-sample losses on logits z[n, k] with labels l, the gradient of each
// sample's own loss with respect to its logits, and argmax. Sums and quotients are taken in
// double whatever T is, then rounded to T once.
//  - CrossEntropy (param s = label smoothing): targets t = 1 - s on the label and s/(k-1)
//    elsewhere; loss = -sum_k t_k log p_k with a max-shifted log-softmax; grad = p - t.
//  - LogProbMargin (thesis eq. 2.8): J = log p(l) - max_{k != l} log p(k). log p = z - lse
//    is monotone in z, so the maximiser j is the first maximiser of z over k != l and
//    J = z_l - z_j exactly (the log-sum-exp cancels); grad = e_l - e_j.
//  - CwMargin (thesis eq. 2.19, param mu): J = [z_l - z_j + mu]_+ with the same j;
//    grad = e_l - e_j where z_l - z_j + mu > 0, else 0 (the kink takes the zero side).
//  - CwMarginTargeted (param mu, labels = targets t): J = [z_j - z_t + mu]_+ with j the
//    first maximiser of z over k != t; grad = e_j - e_t where z_j - z_t + mu > 0, else 0.
//    The attack decreases it.
//  - Dlr (Croce & Hein 2020, eq. 6; AutoAttack's dlr_loss; param ignored; k >= 3):
//    J = -(z_y - z_j) / (z_p1 - z_p3 + 1e-12), j = first maximiser over k != y.
//    With N = z_y - z_j and D = z_p1 - z_p3 + 1e-12:
//    grad = (e_j - e_y) / D + (N / D^2) (e_p1 - e_p3). The attack increases it.
//  - DlrTargeted (AutoAttack's dlr_loss_targeted; param ignored; k >= 4): labels hold the
//    pair (y_i, t_i) at labels[2i], labels[2i+1] (loss_labels_per_row, core/backend.h);
//    J = -(z_y - z_t) / (z_p1 - (z_p3 + z_p4)/2 + 1e-12); with N = z_y - z_t and D the
//    denominator, grad = (e_t - e_y) / D + (N / D^2) (e_p1 - e_p3/2 - e_p4/2).
//    The attack increases it.
// Sorting (p1, p2, p3, p4 = indices of the largest logits, in order): a stable descending
// sort, so equal logits keep index order: p1 is the first maximiser, p2 the first maximiser
// of the rest, and so on (top_order). The value of D never depends on how ties are broken;
// the gradient at a tie is the one-sided derivative of that order, as for the margins.
// Coinciding indices (j = p1, y = p1, t = p1, ...) add their terms.
#pragma once
#include <cmath>
#include <cstdint>

#include "core/backend.h"

namespace ac::ref {

// First maximiser of z over k != skip (skip = -1 to consider every k).
template <class T>
int64_t first_argmax(const T* z, int64_t k, int64_t skip) {
  int64_t best = -1;
  for (int64_t j = 0; j < k; ++j) {
    if (j == skip) continue;
    if (best < 0 || z[j] > z[best]) best = j;
  }
  return best;
}

template <class T>
void cross_entropy_row(const T* z, int64_t k, int64_t label, double smoothing, T* loss, T* d) {
  double zmax = static_cast<double>(z[first_argmax(z, k, -1)]);
  double sum = 0;
  for (int64_t j = 0; j < k; ++j) sum += std::exp(static_cast<double>(z[j]) - zmax);
  double lse = zmax + std::log(sum);
  double on = 1.0 - smoothing, off = smoothing / static_cast<double>(k - 1);
  double total = 0;
  for (int64_t j = 0; j < k; ++j) {
    double t = j == label ? on : off;
    double logp = static_cast<double>(z[j]) - lse;
    total -= t * logp;
    if (d) d[j] = static_cast<T>(std::exp(logp) - t);
  }
  *loss = static_cast<T>(total);
}

template <class T>
void margin_row(Loss kind, const T* z, int64_t k, int64_t label, double mu, T* loss, T* d) {
  int64_t j = first_argmax(z, k, label);
  double margin = static_cast<double>(z[label]) - static_cast<double>(z[j]);
  bool active = true;
  if (kind == Loss::CwMargin) {
    margin += mu;
    active = margin > 0;
    if (!active) margin = 0;
  }
  *loss = static_cast<T>(margin);
  if (!d) return;
  for (int64_t q = 0; q < k; ++q) d[q] = T(0);
  if (active) {
    d[label] = T(1);
    d[j] = T(-1);
  }
}

// The first m indices of a stable descending sort of z[0..k) (m <= k): order[r] is the
// first maximiser of z over the indices not in order[0..r).
template <class T>
void top_order(const T* z, int64_t k, int m, int64_t* order) {
  for (int r = 0; r < m; ++r) {
    int64_t best = -1;
    for (int64_t j = 0; j < k; ++j) {
      bool taken = false;
      for (int q = 0; q < r; ++q) taken = taken || order[q] == j;
      if (taken) continue;
      if (best < 0 || z[j] > z[best]) best = j;
    }
    order[r] = best;
  }
}

template <class T>
void cw_targeted_row(const T* z, int64_t k, int64_t target, double mu, T* loss, T* d) {
  int64_t j = first_argmax(z, k, target);
  double margin = static_cast<double>(z[j]) - static_cast<double>(z[target]) + mu;
  bool active = margin > 0;
  if (!active) margin = 0;
  *loss = static_cast<T>(margin);
  if (!d) return;
  for (int64_t q = 0; q < k; ++q) d[q] = T(0);
  if (active) {
    d[j] = T(1);
    d[target] = T(-1);
  }
}

// The DLR gradient in one place: plus/minus get +-a, p1 gets +b, p3 (and p4 when given,
// each at b/2 then) get -b; summed per index in this order (CUDA sums in the same order).
template <class T>
void dlr_grad(int64_t k, int64_t plus, int64_t minus, int64_t p1, int64_t p3, int64_t p4,
              double a, double b, T* d) {
  const double b3 = p4 < 0 ? b : 0.5 * b, b4 = 0.5 * b;
  for (int64_t q = 0; q < k; ++q) {
    double g = 0;
    if (q == plus) g += a;
    if (q == minus) g -= a;
    if (q == p1) g += b;
    if (q == p3) g -= b3;
    if (q == p4) g -= b4;
    d[q] = static_cast<T>(g);
  }
}

template <class T>
void dlr_row(const T* z, int64_t k, int64_t y, T* loss, T* d) {
  int64_t p[3];
  top_order(z, k, 3, p);
  const int64_t j = p[0] != y ? p[0] : p[1];  // = first_argmax(z, k, y)
  const double num = static_cast<double>(z[y]) - static_cast<double>(z[j]);
  const double den = static_cast<double>(z[p[0]]) - static_cast<double>(z[p[2]]) + 1e-12;
  *loss = static_cast<T>(-num / den);
  if (d) dlr_grad(k, j, y, p[0], p[2], -1, 1.0 / den, num / (den * den), d);
}

template <class T>
void dlr_targeted_row(const T* z, int64_t k, int64_t y, int64_t t, T* loss, T* d) {
  int64_t p[4];
  top_order(z, k, 4, p);
  const double num = static_cast<double>(z[y]) - static_cast<double>(z[t]);
  const double den = static_cast<double>(z[p[0]]) -
                     0.5 * (static_cast<double>(z[p[2]]) + static_cast<double>(z[p[3]])) + 1e-12;
  *loss = static_cast<T>(-num / den);
  if (d) dlr_grad(k, t, y, p[0], p[2], p[3], 1.0 / den, num / (den * den), d);
}

// dlogits may be null. labels holds loss_labels_per_row(kind) entries per sample.
template <class T>
void loss_forward_backward(Loss kind, T param, int64_t n, int64_t k, const T* logits,
                           const int32_t* labels, T* loss, T* dlogits) {
  const int64_t per_row = loss_labels_per_row(kind);
  for (int64_t i = 0; i < n; ++i) {
    const T* z = logits + i * k;
    const int32_t* l = labels + i * per_row;
    T* d = dlogits ? dlogits + i * k : nullptr;
    switch (kind) {
      case Loss::CrossEntropy:
        cross_entropy_row(z, k, l[0], static_cast<double>(param), loss + i, d);
        break;
      case Loss::LogProbMargin:
      case Loss::CwMargin:
        margin_row(kind, z, k, l[0], static_cast<double>(param), loss + i, d);
        break;
      case Loss::CwMarginTargeted:
        cw_targeted_row(z, k, l[0], static_cast<double>(param), loss + i, d);
        break;
      case Loss::Dlr: dlr_row(z, k, l[0], loss + i, d); break;
      case Loss::DlrTargeted: dlr_targeted_row(z, k, l[0], l[1], loss + i, d); break;
    }
  }
}

template <class T>
void argmax(int64_t n, int64_t k, const T* logits, int32_t* pred) {
  for (int64_t i = 0; i < n; ++i) pred[i] = static_cast<int32_t>(first_argmax(logits + i * k, k, -1));
}

}  // namespace ac::ref
