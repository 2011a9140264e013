// Helpers of the graph-Laplacian smoothing tests (test_smoothing.cpp, cuda_smoothing_parity.cpp):
// owned ABI handles, test images (random, and a generated 28x28 digit-like stroke image), and
// an independent dense float64 model of the operator: W built literally from thesis eq. 4.1
// over all pixel pairs (with the plain spatial kernel exp(-||t_i - t_j||^2 / (2 sigma_s^2))),
// W' = D^-1/2 W D^-1/2, L_alpha = (I - alpha W') / (1 - alpha), solved by Cholesky.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "advcore.h"
#include "test_util.h"

namespace smoothing_test {

using testutil::dvec;
using testutil::fvec;

struct Ctx {
  ac_context* ctx = nullptr;
  Ctx(ac_device device, uint32_t flags, int32_t threads = 2) {
    CHECK_STATUS(ac_context_create(device, threads, 7, flags, &ctx), AC_OK);
  }
  Ctx(const Ctx&) = delete;
  Ctx& operator=(const Ctx&) = delete;
  ~Ctx() { ac_context_destroy(ctx); }
};

struct Tensor {
  ac_tensor* t = nullptr;
  Tensor(ac_context* ctx, std::vector<int64_t> shape) {
    CHECK_STATUS(ac_tensor_create(ctx, AC_F32, static_cast<int32_t>(shape.size()), shape.data(), &t), AC_OK);
  }
  Tensor(ac_context* ctx, std::vector<int64_t> shape, const fvec& values) : Tensor(ctx, shape) {
    write(values);
  }
  Tensor(const Tensor&) = delete;
  Tensor& operator=(const Tensor&) = delete;
  ~Tensor() { ac_tensor_destroy(t); }
  void write(const fvec& values) {
    CHECK_STATUS(ac_tensor_copy_from_host(t, values.data(), static_cast<int64_t>(values.size() * 4)), AC_OK);
  }
  fvec read() const {
    int64_t count = 0;
    ac_tensor_count(t, &count);
    fvec out(static_cast<size_t>(count));
    CHECK_STATUS(ac_tensor_copy_to_host(t, out.data(), count * 4), AC_OK);
    return out;
  }
};

struct Graph {
  ac_smoothing_graph* g = nullptr;
  ac_status status = AC_OK;
  Graph(ac_context* ctx, const ac_tensor* images, const ac_smoothing_params& p) {
    status = ac_smoothing_graph_create(ctx, images, &p, &g);
  }
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;
  ~Graph() { ac_smoothing_graph_destroy(g); }
};

inline ac_smoothing_params params(int k = 4, int kernel = AC_FEATURE_KERNEL_LAPLACIAN,
                                  float tol = 1e-5f, int max_iter = 50) {
  ac_smoothing_params p{};
  ac_smoothing_params_default(&p);
  p.neighbours = k;
  p.kernel = kernel;
  p.tolerance = tol;
  p.max_iterations = max_iter;
  return p;
}

// Random images in [0,1] made of a few flat patches plus a little noise: a mix of strong
// and weak edges, never all zero.
inline fvec random_images(testutil::Rng& rng, int64_t n, int64_t c, int64_t h, int64_t w) {
  fvec x(static_cast<size_t>(n * c * h * w));
  for (int64_t img = 0; img < n; ++img) {
    const int64_t cy = rng.integer(0, h - 1), cx = rng.integer(0, w - 1);
    for (int64_t ch = 0; ch < c; ++ch) {
      const double a = rng.uniform(0.1, 0.9), b = rng.uniform(0.1, 0.9);
      for (int64_t y = 0; y < h; ++y)
        for (int64_t xx = 0; xx < w; ++xx) {
          double v = ((y <= cy) != (xx <= cx) ? a : b) + rng.uniform(-0.08, 0.08);
          x[static_cast<size_t>(((img * c + ch) * h + y) * w + xx)] =
              static_cast<float>(std::min(1.0, std::max(0.0, v)));
        }
    }
  }
  return x;
}

// A generated 28x28 stand-in for an MNIST digit (the real ones are tested from the C# suite
// through ADVCORE_DATA): a black background, a "0"-shaped ring and a diagonal bar with
// anti-aliased edges, on the 8-bit grid.
inline fvec digit_image() {
  fvec x(28 * 28);
  for (int y = 0; y < 28; ++y)
    for (int xx = 0; xx < 28; ++xx) {
      double ring = std::abs(std::hypot(y - 13.5, (xx - 14.0) * 1.3) - 8.5);
      double bar = std::abs((y - 4) - (xx - 6) * 1.2) / 1.56;
      double v = std::max(std::min(1.0, std::max(0.0, 2.2 - ring)),
                          (y > 6 && y < 24) ? std::min(1.0, std::max(0.0, 1.6 - bar)) : 0.0);
      x[static_cast<size_t>(y * 28 + xx)] = static_cast<float>(std::nearbyint(v * 255) / 255);
    }
  return x;
}

// W' (n x n, n = h*w) of image `img` of images [*, c, h, w], straight from eq. 4.1.
inline dvec dense_normalized(const fvec& images, int64_t img, int64_t c, int64_t h, int64_t w,
                             int k, int kernel, double sf, double ss) {
  const int64_t n = h * w;
  dvec W(static_cast<size_t>(n * n), 0.0), d(static_cast<size_t>(n), 0.0);
  const float* x = images.data() + img * c * n;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      const int64_t dy = j / w - i / w, dx = j % w - i % w;
      const bool nb = k == 4 ? std::abs(dy) + std::abs(dx) == 1
                             : std::max(std::abs(dy), std::abs(dx)) == 1;
      if (!nb) continue;
      double d2 = 0;
      for (int64_t ch = 0; ch < c; ++ch) {
        double diff = static_cast<double>(x[ch * n + i]) - static_cast<double>(x[ch * n + j]);
        d2 += diff * diff;
      }
      double kf = kernel == 0 ? std::exp(-std::sqrt(d2) / sf) : std::exp(-d2 / (2 * sf * sf));
      double ks = std::exp(-static_cast<double>(dy * dy + dx * dx) / (2 * ss * ss));
      W[static_cast<size_t>(i * n + j)] = kf * ks;
      d[static_cast<size_t>(i)] += kf * ks;
    }
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      if (W[static_cast<size_t>(i * n + j)] != 0)
        W[static_cast<size_t>(i * n + j)] /= std::sqrt(d[static_cast<size_t>(i)] * d[static_cast<size_t>(j)]);
  return W;
}

// Solves (I - alpha W') / (1 - alpha) x = b for each right-hand side (columns of `rhs`, each n
// long, concatenated) by Cholesky in float64.
inline dvec dense_solve(const dvec& Wn, int64_t n, double alpha, const dvec& rhs) {
  dvec L(static_cast<size_t>(n * n));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      L[static_cast<size_t>(i * n + j)] =
          ((i == j ? 1.0 : 0.0) - alpha * Wn[static_cast<size_t>(i * n + j)]) / (1 - alpha);
  // In place: lower factor G with L = G G^T.
  for (int64_t j = 0; j < n; ++j) {
    double s = L[static_cast<size_t>(j * n + j)];
    for (int64_t k = 0; k < j; ++k) s -= L[static_cast<size_t>(j * n + k)] * L[static_cast<size_t>(j * n + k)];
    const double gjj = std::sqrt(s);
    L[static_cast<size_t>(j * n + j)] = gjj;
    for (int64_t i = j + 1; i < n; ++i) {
      double t = L[static_cast<size_t>(i * n + j)];
      for (int64_t k = 0; k < j; ++k) t -= L[static_cast<size_t>(i * n + k)] * L[static_cast<size_t>(j * n + k)];
      L[static_cast<size_t>(i * n + j)] = t / gjj;
    }
  }
  dvec out(rhs.size());
  for (size_t off = 0; off < rhs.size(); off += static_cast<size_t>(n)) {
    dvec y(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      double t = rhs[off + static_cast<size_t>(i)];
      for (int64_t k = 0; k < i; ++k) t -= L[static_cast<size_t>(i * n + k)] * y[static_cast<size_t>(k)];
      y[static_cast<size_t>(i)] = t / L[static_cast<size_t>(i * n + i)];
    }
    for (int64_t i = n - 1; i >= 0; --i) {
      double t = y[static_cast<size_t>(i)];
      for (int64_t k = i + 1; k < n; ++k) t -= L[static_cast<size_t>(k * n + i)] * out[off + static_cast<size_t>(k)];
      out[off + static_cast<size_t>(i)] = t / L[static_cast<size_t>(i * n + i)];
    }
  }
  return out;
}

inline double dot(const fvec& a, const fvec& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += static_cast<double>(a[i]) * static_cast<double>(b[i]);
  return s;
}

struct Report {
  std::vector<int32_t> iterations;
  fvec residuals;
};

inline Report last_report(ac_smoothing_graph* g, int64_t count) {
  Report r{std::vector<int32_t>(static_cast<size_t>(count)), fvec(static_cast<size_t>(count))};
  CHECK_STATUS(ac_smoothing_last_report(g, r.iterations.data(), r.residuals.data(), count), AC_OK);
  return r;
}

struct Results {
  fvec weights, s1, solve, smooth, adjoint, apply, warm_smooth, warm_adjoint;
  Report rep, ones;
};

// Everything the smoothing ABI computes for one batch on `ctx` (cold solves, then smooth and
// adjoint warm-started from `warm`): what the backend-parity tests compare.
inline Results run_all(ac_context* ctx, const fvec& x, const fvec& zv, const fvec& warm, int64_t n,
                       int64_t c, int64_t h, int64_t w, const ac_smoothing_params& p) {
  Results o;
  const int k = p.neighbours;
  Tensor images(ctx, {n, c, h, w}, x);
  Graph g(ctx, images.t, p);
  CHECK_STATUS(g.status, AC_OK);
  if (!g.g) return o;
  Tensor wt(ctx, {n, k, h, w}), s1(ctx, {n, 1, h, w}), z(ctx, {n, c, h, w}, zv), out(ctx, {n, c, h, w});
  CHECK_STATUS(ac_smoothing_graph_weights(ctx, g.g, wt.t), AC_OK);
  CHECK_STATUS(ac_smoothing_graph_ones_response(ctx, g.g, s1.t), AC_OK);
  o.weights = wt.read();
  o.s1 = s1.read();
  o.ones = Report{std::vector<int32_t>(static_cast<size_t>(n)), fvec(static_cast<size_t>(n))};
  CHECK_STATUS(ac_smoothing_ones_report(g.g, o.ones.iterations.data(), o.ones.residuals.data(), n), AC_OK);
  CHECK_STATUS(ac_smoothing_solve(ctx, g.g, z.t, out.t, 0), AC_OK);
  o.solve = out.read();
  o.rep = last_report(g.g, n * c);
  CHECK_STATUS(ac_smoothing_smooth(ctx, g.g, z.t, out.t, 0), AC_OK);
  o.smooth = out.read();
  CHECK_STATUS(ac_smoothing_smooth_adjoint(ctx, g.g, z.t, out.t, 0), AC_OK);
  o.adjoint = out.read();
  CHECK_STATUS(ac_smoothing_apply(ctx, g.g, z.t, out.t), AC_OK);
  o.apply = out.read();
  out.write(warm);
  CHECK_STATUS(ac_smoothing_smooth(ctx, g.g, z.t, out.t, 1), AC_OK);
  o.warm_smooth = out.read();
  out.write(warm);
  CHECK_STATUS(ac_smoothing_smooth_adjoint(ctx, g.g, z.t, out.t, 1), AC_OK);
  o.warm_adjoint = out.read();
  return o;
}

}  // namespace smoothing_test
