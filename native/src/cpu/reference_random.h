// Reference Philox-based fills and dropout. The formulas are the contract shared with the
// CUDA backend, so that a seed and an offset give the same numbers on every device:
//
//  - element i draws from counter (offset + i / 4), lane i % 4 of Philox4x32-10 keyed by
//    the context seed; a lane becomes u = (bits >> 8) / 2^24 in [0, 1) (philox_uniform);
//  - uniform:  x_i = lo + (hi - lo) * u_i, evaluated in T. For lo = 0, hi = 1 this is
//              exactly u_i in [0, 1); for other bounds float rounding can land on hi itself
//              (e.g. lo = -2, hi = 3 and the largest u), so the range is [lo, hi];
//  - normal:   Box-Muller on lane pairs: for element i, pair j = (i % 4) / 2 gives
//              u1 = lane 2j, u2 = lane 2j + 1 of the same counter,
//              r = sqrt(-2 ln(1 - u1))  (1 - u1 is in (0, 1], so the log is finite),
//              x_i = mean + std * (i even ? r cos(2 pi u2) : r sin(2 pi u2));
//  - dropout:  keep_i = (u_i >= p); mask_i = keep_i ? 1 / (1 - p) : 0; y_i = x_i mask_i.
//
// Transcendentals are evaluated in double and rounded to T; a float implementation
// agrees to a few ulps. Ranges may be split at multiples of 4 elements by calling these
// with (x + start, offset + start / 4).
#pragma once
#include <cmath>
#include <cstdint>

#include "core/philox.h"

namespace ac::ref {

template <class T>
void fill_uniform(T* x, int64_t count, T lo, T hi, uint64_t seed, uint64_t offset) {
  for (int64_t i = 0; i < count; ++i) {
    float u = philox_uniform_at(seed, offset + static_cast<uint64_t>(i / 4), static_cast<int>(i % 4));
    x[i] = lo + (hi - lo) * static_cast<T>(u);
  }
}

template <class T>
void fill_normal(T* x, int64_t count, T mean, T std, uint64_t seed, uint64_t offset) {
  const double two_pi = 6.283185307179586476925286766559;
  for (int64_t i = 0; i < count; ++i) {
    Philox4 bits = philox4x32_10(offset + static_cast<uint64_t>(i / 4), seed);
    int pair = static_cast<int>(i % 4) / 2;
    double u1 = philox_uniform(bits.v[2 * pair]);
    double u2 = philox_uniform(bits.v[2 * pair + 1]);
    double r = std::sqrt(-2.0 * std::log(1.0 - u1));
    double z = (i % 2 == 0) ? r * std::cos(two_pi * u2) : r * std::sin(two_pi * u2);
    x[i] = static_cast<T>(static_cast<double>(mean) + static_cast<double>(std) * z);
  }
}

// mask and y must not alias x (y may equal x).
template <class T>
void dropout_forward(int64_t count, const T* x, T* mask, T* y, T p, uint64_t seed,
                     uint64_t offset) {
  const T keep_scale = T(1) / (T(1) - p);
  for (int64_t i = 0; i < count; ++i) {
    float u = philox_uniform_at(seed, offset + static_cast<uint64_t>(i / 4), static_cast<int>(i % 4));
    T m = static_cast<T>(u) >= p ? keep_scale : T(0);
    mask[i] = m;
    y[i] = x[i] * m;
  }
}

}  // namespace ac::ref
