// Activations, forward and backward (src/cpu/reference_activation.h is the contract):
//   relu(v) = v > 0 ? v : 0;  leaky(v) = v > 0 ? v : a v;  brelu(v) = v > 0 ? min(v, t) : 0
//   relu' = [v > 0];  leaky' = v > 0 ? 1 : a;  brelu' = [0 < v < t]
// y may alias x, dx may alias dy: each element is read before it is written by one thread.
#include "devmath.cuh"
#include "kernel_args.h"

AC_DEV float ac_act(int kind, float a, float v) {
  if (kind == AC_K_RELU) return v > 0.0f ? v : 0.0f;
  if (kind == AC_K_LEAKY_RELU) return v > 0.0f ? v : a * v;
  return v > 0.0f ? (v < a ? v : a) : 0.0f;
}

AC_DEV float ac_act_grad(int kind, float a, float v) {
  if (kind == AC_K_RELU) return v > 0.0f ? 1.0f : 0.0f;
  if (kind == AC_K_LEAKY_RELU) return v > 0.0f ? 1.0f : a;
  return (v > 0.0f && v < a) ? 1.0f : 0.0f;
}

extern "C" __global__ void ac_activation_forward(int kind, float param, const float* x,
                                                 float* y, int64_t n) {
  for (int64_t i = ac_global_thread(); i < n; i += ac_grid_threads())
    y[i] = ac_act(kind, param, x[i]);
}

extern "C" __global__ void ac_activation_backward(int kind, float param, const float* x,
                                                  const float* dy, float* dx, int64_t n) {
  for (int64_t i = ac_global_thread(); i < n; i += ac_grid_threads())
    dx[i] = ac_act_grad(kind, param, x[i]) * dy[i];
}
