// Inverted dropout with the shared Philox stream: element i draws lane i % 4 of counter
// offset + i / 4; keep = (u >= p); mask = keep ? scale : 0 with scale = 1 / (1 - p)
// computed on the host in float exactly as the reference does; y = x * mask.
#include "devmath.cuh"
#include "core/philox.h"
#include "kernel_args.h"

extern "C" __global__ void ac_dropout_forward(const float* x, float* mask, float* y, int64_t n,
                                              float p, float scale, uint64_t seed,
                                              uint64_t offset) {
  int64_t counters = (n + 3) / 4;
  for (int64_t c = ac_global_thread(); c < counters; c += ac_grid_threads()) {
    ac::Philox4 bits = ac::philox4x32_10(offset + static_cast<uint64_t>(c), seed);
    for (int lane = 0; lane < 4; ++lane) {
      int64_t i = 4 * c + lane;
      if (i >= n) break;
      float m = ac::philox_uniform(bits.v[lane]) >= p ? scale : 0.0f;
      float v = x[i];  // read before the writes: y may alias x
      mask[i] = m;
      y[i] = v * m;
    }
  }
}
