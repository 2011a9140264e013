// Element-wise ops on the fast CPU backend: the reference kernels run on contiguous ranges
// split across threads (an element's result does not depend on the split).
#include "fast_backend.h"
#include "parallel.h"
#include "reference.h"

namespace ac {

namespace {

// The reference formulas with the switch hoisted out of the loop, so each loop vectorises
// (the reference kernel switches per element). Same expressions, same results.
template <class F>
void map_activation(Activation kind, float param, F&& loop) {
  switch (kind) {
    case Activation::Relu:
      loop([](float v) { return v > 0 ? v : 0.0f; }, [](float v) { return v > 0 ? 1.0f : 0.0f; });
      return;
    case Activation::LeakyRelu:
      // The reference's expression; this file is built with -fno-trapping-math (CMakeLists)
      // so GCC may compute the product speculatively and blend, instead of a branch that
      // mispredicts on random signs.
      loop([param](float v) { return v > 0 ? v : param * v; },
           [param](float v) { return v > 0 ? 1.0f : param; });
      return;
    case Activation::BoundedRelu:
      loop([param](float v) { return v > 0 ? (v < param ? v : param) : 0.0f; },
           [param](float v) { return (v > 0 && v < param) ? 1.0f : 0.0f; });
      return;
  }
}

}  // namespace

void CpuFastBackend::activation_forward(Activation kind, float param, int64_t count,
                                        const float* x, float* y) {
  parallel_ranges(threads_, count, kParallelGrain, [&](int64_t b, int64_t e) {
    map_activation(kind, param, [&](auto f, auto) {
#pragma omp simd
      for (int64_t i = b; i < e; ++i) y[i] = f(x[i]);
    });
  });
}

void CpuFastBackend::activation_backward(Activation kind, float param, int64_t count,
                                         const float* x, const float* dy, float* dx) {
  parallel_ranges(threads_, count, kParallelGrain, [&](int64_t b, int64_t e) {
    map_activation(kind, param, [&](auto, auto d) {
#pragma omp simd
      for (int64_t i = b; i < e; ++i) dx[i] = d(x[i]) * dy[i];
    });
  });
}

// Ranges start on multiples of 4 so each begins on its own Philox counter.
void CpuFastBackend::dropout_forward(int64_t count, const float* x, float* mask, float* y,
                                     float p, uint64_t seed, uint64_t offset) {
  parallel_ranges(threads_, count, kParallelGrain / 8, [&](int64_t b, int64_t e) {
    ref::dropout_forward(e - b, x + b, mask + b, y + b, p, seed,
                         offset + static_cast<uint64_t>(b / 4));
  }, 4);
}

void CpuFastBackend::mul(int64_t count, const float* a, const float* b, float* y) {
  parallel_ranges(threads_, count, kParallelGrain, [&](int64_t lo, int64_t hi) {
    ref::mul(hi - lo, a + lo, b + lo, y + lo);
  });
}

void CpuFastBackend::add(int64_t count, const float* a, const float* b, float* y) {
  parallel_ranges(threads_, count, kParallelGrain, [&](int64_t lo, int64_t hi) {
    ref::add(hi - lo, a + lo, b + lo, y + lo);
  });
}

void CpuFastBackend::clip01(int64_t count, float* x) {
  parallel_ranges(threads_, count, kParallelGrain, [&](int64_t b, int64_t e) {
    ref::clip01(e - b, x + b);
  });
}

void CpuFastBackend::quantize8(int64_t count, float* x) {
  parallel_ranges(threads_, count, kParallelGrain, [&](int64_t b, int64_t e) {
    ref::quantize8(e - b, x + b);
  });
}

void CpuFastBackend::adam_update(int64_t count, float* param, const float* grad, float* m,
                                 float* v, float lr, float beta1, float beta2, float eps,
                                 float weight_decay, int64_t step) {
  parallel_ranges(threads_, count, kParallelGrain / 4, [&](int64_t b, int64_t e) {
    ref::adam_update(e - b, param + b, grad + b, m + b, v + b, lr, beta1, beta2, eps,
                     weight_decay, step);
  });
}

void CpuFastBackend::sgd_update(int64_t count, float* param, const float* grad, float* vel,
                                float lr, float momentum, float weight_decay, bool nesterov) {
  parallel_ranges(threads_, count, kParallelGrain, [&](int64_t b, int64_t e) {
    ref::sgd_update(e - b, param + b, grad + b, vel + b, lr, momentum, weight_decay, nesterov);
  });
}

}  // namespace ac
