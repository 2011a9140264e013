// Reference optimiser steps (PyTorch forms). Weight decay is L2 added to the gradient.
//  Adam at 1-based step t: g = grad + wd p; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
//    p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
//  SGD: g = grad + wd p; vel = momentum vel + g; p -= lr * (nesterov ? g + momentum vel : vel).
#pragma once
#include <cmath>
#include <cstdint>

namespace ac::ref {

template <class T>
void adam_update(int64_t count, T* param, const T* grad, T* m, T* v, T lr, T beta1, T beta2,
                 T eps, T weight_decay, int64_t step) {
  const double bc1 = 1.0 - std::pow(static_cast<double>(beta1), static_cast<double>(step));
  const double bc2 = 1.0 - std::pow(static_cast<double>(beta2), static_cast<double>(step));
  for (int64_t i = 0; i < count; ++i) {
    T g = grad[i] + weight_decay * param[i];
    m[i] = beta1 * m[i] + (T(1) - beta1) * g;
    v[i] = beta2 * v[i] + (T(1) - beta2) * g * g;
    double mhat = static_cast<double>(m[i]) / bc1;
    double vhat = static_cast<double>(v[i]) / bc2;
    param[i] = static_cast<T>(static_cast<double>(param[i]) -
                              static_cast<double>(lr) * mhat / (std::sqrt(vhat) + static_cast<double>(eps)));
  }
}

template <class T>
void sgd_update(int64_t count, T* param, const T* grad, T* vel, T lr, T momentum,
                T weight_decay, bool nesterov) {
  for (int64_t i = 0; i < count; ++i) {
    T g = grad[i] + weight_decay * param[i];
    vel[i] = momentum * vel[i] + g;
    T step = nesterov ? g + momentum * vel[i] : vel[i];
    param[i] -= lr * step;
  }
}

}  // namespace ac::ref
