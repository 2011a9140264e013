// Reference per-sample losses on logits z[n, k] with labels l[n], the gradient of each
// sample's own loss with respect to its logits, and argmax.
//  - CrossEntropy (param s = label smoothing): targets t = 1 - s on the label and s/(k-1)
//    elsewhere; loss = -sum_k t_k log p_k with a max-shifted log-softmax; grad = p - t.
//  - LogProbMargin (thesis eq. 2.8): J = log p(l) - max_{k != l} log p(k). log p = z - lse
//    is monotone in z, so the maximiser j is the first maximiser of z over k != l and
//    J = z_l - z_j exactly (the log-sum-exp cancels); grad = e_l - e_j.
//  - CwMargin (thesis eq. 2.19, param mu): J = [z_l - z_j + mu]_+ with the same j;
//    grad = e_l - e_j where z_l - z_j + mu > 0, else 0 (the kink takes the zero side).
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

// dlogits may be null.
template <class T>
void loss_forward_backward(Loss kind, T param, int64_t n, int64_t k, const T* logits,
                           const int32_t* labels, T* loss, T* dlogits) {
  for (int64_t i = 0; i < n; ++i) {
    const T* z = logits + i * k;
    T* d = dlogits ? dlogits + i * k : nullptr;
    if (kind == Loss::CrossEntropy)
      cross_entropy_row(z, k, labels[i], static_cast<double>(param), loss + i, d);
    else
      margin_row(kind, z, k, labels[i], static_cast<double>(param), loss + i, d);
  }
}

template <class T>
void argmax(int64_t n, int64_t k, const T* logits, int32_t* pred) {
  for (int64_t i = 0; i < n; ++i) pred[i] = static_cast<int32_t>(first_argmax(logits + i * k, k, -1));
}

}  // namespace ac::ref
