// Reference element-wise ops: activations, residual add, product (dropout backward).
// Derivatives at kinks follow the ABI: relu'(0) = 0, leaky'(0) = slope, and the bounded
// ReLU's derivative is 1 only on the open interval (0, t).
#pragma once
#include <cstdint>

#include "core/backend.h"

namespace ac::ref {

template <class T>
T activation(Activation kind, T param, T v) {
  switch (kind) {
    case Activation::Relu: return v > 0 ? v : T(0);
    case Activation::LeakyRelu: return v > 0 ? v : param * v;
    case Activation::BoundedRelu: return v > 0 ? (v < param ? v : param) : T(0);
  }
  return v;
}

template <class T>
T activation_derivative(Activation kind, T param, T v) {
  switch (kind) {
    case Activation::Relu: return v > 0 ? T(1) : T(0);
    case Activation::LeakyRelu: return v > 0 ? T(1) : param;
    case Activation::BoundedRelu: return (v > 0 && v < param) ? T(1) : T(0);
  }
  return T(1);
}

// y may be x.
template <class T>
void activation_forward(Activation kind, T param, int64_t count, const T* x, T* y) {
  for (int64_t i = 0; i < count; ++i) y[i] = activation(kind, param, x[i]);
}

// dx may be dy.
template <class T>
void activation_backward(Activation kind, T param, int64_t count, const T* x, const T* dy,
                         T* dx) {
  for (int64_t i = 0; i < count; ++i) dx[i] = activation_derivative(kind, param, x[i]) * dy[i];
}

template <class T>
void add(int64_t count, const T* a, const T* b, T* y) {
  for (int64_t i = 0; i < count; ++i) y[i] = a[i] + b[i];
}

template <class T>
void mul(int64_t count, const T* a, const T* b, T* y) {
  for (int64_t i = 0; i < count; ++i) y[i] = a[i] * b[i];
}

}  // namespace ac::ref
