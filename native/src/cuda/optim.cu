// Optimiser steps (src/cpu/reference_optim.h is the contract; PyTorch forms). The moment
// updates are float like the reference; Adam's bias-corrected step is taken in double,
// also like the reference, with bc1 = 1 - beta1^t and bc2 = 1 - beta2^t from the host.
#include "devmath.cuh"
#include "kernel_args.h"

extern "C" __global__ void ac_adam_update(int64_t n, float* param, const float* grad, float* m,
                                          float* v, float lr, float beta1, float beta2,
                                          float eps, float weight_decay, double bc1,
                                          double bc2) {
  for (int64_t i = ac_global_thread(); i < n; i += ac_grid_threads()) {
    float p = param[i];
    float g = grad[i] + weight_decay * p;
    float mi = beta1 * m[i] + (1.0f - beta1) * g;
    float vi = beta2 * v[i] + (1.0f - beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    double mhat = static_cast<double>(mi) / bc1;
    double vhat = static_cast<double>(vi) / bc2;
    param[i] = static_cast<float>(static_cast<double>(p) - static_cast<double>(lr) * mhat /
                                                             (ac_sqrt(vhat) + static_cast<double>(eps)));
  }
}

// vel = momentum vel + g with g = grad + wd p; p -= lr (nesterov ? g + momentum vel : vel).
extern "C" __global__ void ac_sgd_update(int64_t n, float* param, const float* grad, float* vel,
                                         float lr, float momentum, float weight_decay,
                                         int nesterov) {
  for (int64_t i = ac_global_thread(); i < n; i += ac_grid_threads()) {
    float p = param[i];
    float g = grad[i] + weight_decay * p;
    float vi = momentum * vel[i] + g;
    vel[i] = vi;
    float step = nesterov ? g + momentum * vi : vi;
    param[i] = p - lr * step;
  }
}
