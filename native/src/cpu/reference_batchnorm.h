// Reference batch normalisation over x viewed as [n, c, hw], PyTorch conventions:
// training normalises with the batch mean and the biased variance, and updates the running
// statistics as r = (1 - m) r + m * batch with the unbiased variance; evaluation uses the
// running statistics, and its backward pass treats them as constants.
#pragma once
#include <cmath>
#include <cstdint>

#include "core/backend.h"

namespace ac::ref {

// One channel c of the forward pass (channels are independent).
template <class T>
void batchnorm_forward_channel(const BatchNormShape& s, int64_t c, const T* x, const T* gamma,
                               const T* beta, T* running_mean, T* running_var, T* save_mean,
                               T* save_invstd, T* y, bool training, T momentum, T eps) {
  const int64_t m = s.n * s.hw;  // values per channel
  double mean, invstd;
  if (training) {
    double sum = 0;
    for (int64_t n = 0; n < s.n; ++n)
      for (int64_t q = 0; q < s.hw; ++q) sum += static_cast<double>(x[(n * s.c + c) * s.hw + q]);
    mean = sum / static_cast<double>(m);
    double sq = 0;  // two-pass variance: no cancellation
    for (int64_t n = 0; n < s.n; ++n)
      for (int64_t q = 0; q < s.hw; ++q) {
        double d = static_cast<double>(x[(n * s.c + c) * s.hw + q]) - mean;
        sq += d * d;
      }
    double var = sq / static_cast<double>(m);
    invstd = 1.0 / std::sqrt(var + static_cast<double>(eps));
    double mom = static_cast<double>(momentum);
    double unbiased = m > 1 ? sq / static_cast<double>(m - 1) : var;
    running_mean[c] = static_cast<T>((1 - mom) * static_cast<double>(running_mean[c]) + mom * mean);
    running_var[c] = static_cast<T>((1 - mom) * static_cast<double>(running_var[c]) + mom * unbiased);
  } else {
    mean = static_cast<double>(running_mean[c]);
    invstd = 1.0 / std::sqrt(static_cast<double>(running_var[c]) + static_cast<double>(eps));
  }
  save_mean[c] = static_cast<T>(mean);
  save_invstd[c] = static_cast<T>(invstd);
  double g = static_cast<double>(gamma[c]), b = static_cast<double>(beta[c]);
  for (int64_t n = 0; n < s.n; ++n)
    for (int64_t q = 0; q < s.hw; ++q) {
      int64_t at = (n * s.c + c) * s.hw + q;
      y[at] = static_cast<T>(g * (static_cast<double>(x[at]) - mean) * invstd + b);
    }
}

template <class T>
void batchnorm_forward(const BatchNormShape& s, const T* x, const T* gamma, const T* beta,
                       T* running_mean, T* running_var, T* save_mean, T* save_invstd, T* y,
                       bool training, T momentum, T eps) {
  for (int64_t c = 0; c < s.c; ++c)
    batchnorm_forward_channel(s, c, x, gamma, beta, running_mean, running_var, save_mean,
                              save_invstd, y, training, momentum, eps);
}

// With xhat = (x - mean) * invstd: dbeta = sum dy, dgamma = sum dy * xhat;
// training: dx = gamma * invstd / m * (m dy - dbeta - xhat dgamma); eval: dx = gamma invstd dy.
// dx, dgamma, dbeta may be null; outputs are overwritten.
template <class T>
void batchnorm_backward_channel(const BatchNormShape& s, int64_t c, const T* x, const T* gamma,
                                const T* save_mean, const T* save_invstd, const T* dy, T* dx,
                                T* dgamma, T* dbeta, bool training) {
  const int64_t m = s.n * s.hw;
  double mean = static_cast<double>(save_mean[c]), invstd = static_cast<double>(save_invstd[c]);
  double sum_dy = 0, sum_dy_xhat = 0;
  for (int64_t n = 0; n < s.n; ++n)
    for (int64_t q = 0; q < s.hw; ++q) {
      int64_t at = (n * s.c + c) * s.hw + q;
      double g = static_cast<double>(dy[at]);
      sum_dy += g;
      sum_dy_xhat += g * (static_cast<double>(x[at]) - mean) * invstd;
    }
  if (dbeta) dbeta[c] = static_cast<T>(sum_dy);
  if (dgamma) dgamma[c] = static_cast<T>(sum_dy_xhat);
  if (!dx) return;
  double scale = static_cast<double>(gamma[c]) * invstd;
  for (int64_t n = 0; n < s.n; ++n)
    for (int64_t q = 0; q < s.hw; ++q) {
      int64_t at = (n * s.c + c) * s.hw + q;
      double g = static_cast<double>(dy[at]);
      if (training) {
        double xhat = (static_cast<double>(x[at]) - mean) * invstd;
        double md = static_cast<double>(m);
        dx[at] = static_cast<T>(scale / md * (md * g - sum_dy - xhat * sum_dy_xhat));
      } else {
        dx[at] = static_cast<T>(scale * g);
      }
    }
}

template <class T>
void batchnorm_backward(const BatchNormShape& s, const T* x, const T* gamma, const T* save_mean,
                        const T* save_invstd, const T* dy, T* dx, T* dgamma, T* dbeta,
                        bool training) {
  for (int64_t c = 0; c < s.c; ++c)
    batchnorm_backward_channel(s, c, x, gamma, save_mean, save_invstd, dy, dx, dgamma, dbeta,
                               training);
}

}  // namespace ac::ref
