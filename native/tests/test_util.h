// Shared helpers for the native tests: seeded random data (never zeros), float/double
// conversions, shape builders and a central-difference gradient checker in float64.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <numeric>
#include <random>
#include <vector>

#include "core/backend.h"
#include "harness.h"

namespace testutil {

using dvec = std::vector<double>;
using fvec = std::vector<float>;

class Rng {
 public:
  explicit Rng(uint64_t seed) : gen_(seed) {}
  double uniform(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(gen_); }
  int64_t integer(int64_t lo, int64_t hi) {  // inclusive
    return std::uniform_int_distribution<int64_t>(lo, hi)(gen_);
  }
  // Uniform in [lo, hi), values exactly representable in float (so float and double
  // backends see the same inputs).
  dvec vec(size_t n, double lo = -1.0, double hi = 1.0) {
    dvec v(n);
    for (auto& e : v) e = static_cast<double>(static_cast<float>(uniform(lo, hi)));
    return v;
  }
  // |v| in [min_abs, max_abs] with a random sign: keeps inputs away from kinks at 0.
  dvec away_from_zero(size_t n, double min_abs, double max_abs) {
    dvec v(n);
    for (auto& e : v) {
      double mag = uniform(min_abs, max_abs);
      e = static_cast<double>(static_cast<float>(integer(0, 1) ? mag : -mag));
    }
    return v;
  }
  // n distinct values spaced `gap` apart, shuffled, plus jitter below gap/4: no ties and
  // no near-ties, so argmax-based ops (max pool, margins) are smooth under small steps.
  dvec distinct(size_t n, double gap = 0.01) {
    dvec v(n);
    for (size_t i = 0; i < n; ++i)
      v[i] = (static_cast<double>(i) - static_cast<double>(n) / 2) * gap + uniform(0, gap / 4);
    std::shuffle(v.begin(), v.end(), gen_);
    for (auto& e : v) e = static_cast<double>(static_cast<float>(e));
    return v;
  }
  std::vector<int32_t> labels(size_t n, int32_t k) {
    std::vector<int32_t> v(n);
    for (auto& e : v) e = static_cast<int32_t>(integer(0, k - 1));
    return v;
  }
  std::mt19937_64& engine() { return gen_; }

 private:
  std::mt19937_64 gen_;
};

// Labels in the layout of `kind` (ac::loss_labels_per_row): one class per sample, or for
// DlrTargeted a (y, t) pair per sample with t != y.
inline std::vector<int32_t> loss_labels(Rng& rng, ac::Loss kind, size_t n, int32_t k) {
  if (kind != ac::Loss::DlrTargeted) return rng.labels(n, k);
  std::vector<int32_t> v(2 * n);
  for (size_t i = 0; i < n; ++i) {
    v[2 * i] = static_cast<int32_t>(rng.integer(0, k - 1));
    v[2 * i + 1] = static_cast<int32_t>((v[2 * i] + rng.integer(1, k - 1)) % k);
  }
  return v;
}

inline fvec to_float(const dvec& v) {
  fvec f(v.size());
  for (size_t i = 0; i < v.size(); ++i) f[i] = static_cast<float>(v[i]);
  return f;
}
inline dvec to_double(const fvec& v) { return dvec(v.begin(), v.end()); }

inline double dot(const dvec& a, const dvec& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

inline double max_abs(const dvec& v) {
  double m = 0;
  for (double e : v) m = std::max(m, std::abs(e));
  return m;
}

// A ConvShape from explicit (possibly asymmetric) padding, like the ABI computes it.
inline ac::ConvShape conv_shape(int64_t n, int64_t c, int64_t h, int64_t w, int64_t o, int64_t kh,
                                int64_t kw, int32_t sh, int32_t sw, int32_t pt, int32_t pb,
                                int32_t pl, int32_t pr) {
  ac::ConvShape s{};
  s.n = n; s.c = c; s.h = h; s.w = w; s.o = o; s.kh = kh; s.kw = kw;
  s.sh = sh; s.sw = sw; s.pt = pt; s.pl = pl;
  s.oh = (h + pt + pb - kh) / sh + 1;
  s.ow = (w + pl + pr - kw) / sw + 1;
  return s;
}

inline ac::PoolShape pool_shape(int64_t n, int64_t c, int64_t h, int64_t w, int32_t k,
                                int32_t stride, int32_t pad) {
  ac::PoolShape s{};
  s.n = n; s.c = c; s.h = h; s.w = w;
  s.kh = k; s.kw = k; s.sh = stride; s.sw = stride; s.ph = pad; s.pw = pad;
  s.oh = (h + 2 * pad - k) / stride + 1;
  s.ow = (w + 2 * pad - k) / stride + 1;
  return s;
}

// Compares grad (analytic) with central differences of f at x along up to `samples`
// coordinates (all of them when x is small). f reads x; x is restored afterwards.
// Passes when |numeric - analytic| <= tol * max(1, |analytic|).
inline void check_gradient(const char* what, dvec& x, const dvec& grad,
                           const std::function<double()>& f, Rng& rng, size_t samples = 40,
                           double h = 1e-5, double tol = 1e-6) {
  std::vector<size_t> idx(x.size());
  std::iota(idx.begin(), idx.end(), size_t{0});
  if (idx.size() > samples) {
    std::shuffle(idx.begin(), idx.end(), rng.engine());
    idx.resize(samples);
  }
  for (size_t i : idx) {
    double keep = x[i];
    x[i] = keep + h;
    double up = f();
    x[i] = keep - h;
    double down = f();
    x[i] = keep;
    double numeric = (up - down) / (2 * h);
    double err = std::abs(numeric - grad[i]) / std::max(1.0, std::abs(grad[i]));
    CHECK_MSG(err <= tol, "%s[%zu]: analytic %.10g vs numeric %.10g", what, i, grad[i], numeric);
  }
}

}  // namespace testutil
