// Patch replacement (src/cpu/reference_patches.h is the contract; advcore.h section "Patch
// replacement"). The geometry travels as scalars: features [n, depth, h, w], slices of d
// channels, patches of side p at stride c, rows x cols positions (the last one at extent - p
// when the stride does not land there), patches [depth / d][n rows cols][p p d].
// (Kernel names differ from the ABI entry points'.)
//   ac_patch_extract: one thread per patch value (a pure copy);
//   ac_patch_rebuild: one thread per feature value, gathering the covering patch values in
//     patch-index order into a double sum, divided by their number: the reference's bits;
//   ac_patch_strategy: one thread per value (plain, Linf, linear) or per patch row (L2, whose
//     squared distance is summed in the reference's order): the reference's bits;
//   ac_e8_nearest: one thread per 8-block.
// Every kernel does the reference's double arithmetic step for step (explicit fma where the
// reference has std::fma), so the results are the reference's bits.
#include "devmath.cuh"

// Origin of position i of `positions` along an extent (core/backend.h, patch_origin).
AC_DEV int64_t ac_patch_origin(int64_t i, int64_t positions, int64_t c, int64_t extent, int64_t p) {
  return (i + 1 < positions || (extent - p) % c == 0) ? i * c : extent - p;
}

extern "C" __global__ void ac_patch_extract(int64_t n, int64_t depth, int64_t h, int64_t w,
                                              int64_t d, int64_t p, int64_t c, int64_t rows,
                                              int64_t cols, const float* features,
                                              float* patches) {
  const int64_t per = rows * cols, dim = p * p * d, total = (depth / d) * n * per * dim;
  for (int64_t t = ac_global_thread(); t < total; t += ac_grid_threads()) {
    const int64_t r = t / dim, col = t % dim;
    const int64_t k = r / (n * per), img = (r / per) % n, ij = r % per;
    const int64_t dy = col / (p * d), dx = (col / d) % p, ch = col % d;
    const int64_t y = ac_patch_origin(ij / cols, rows, c, h, p) + dy;
    const int64_t x = ac_patch_origin(ij % cols, cols, c, w, p) + dx;
    patches[t] = features[((img * depth + k * d + ch) * h + y) * w + x];
  }
}

// The positions covering coordinate y: the regular ones i c <= y < i c + p for i in [lo, hi]
// (i < `regular`), then the final extent - p one when there is one.
AC_DEV void ac_patch_cover(int64_t y, int64_t positions, int64_t c, int64_t extent, int64_t p,
                           int64_t* lo, int64_t* hi, bool* last) {
  const int64_t regular = (extent - p) / c + 1;
  *lo = y - p + 1 <= 0 ? 0 : (y - p + 1 + c - 1) / c;
  *hi = y / c < regular - 1 ? y / c : regular - 1;
  *last = positions > regular && y >= extent - p;
}

extern "C" __global__ void ac_patch_rebuild(int64_t n, int64_t depth, int64_t h, int64_t w,
                                              int64_t d, int64_t p, int64_t c, int64_t rows,
                                              int64_t cols, const float* patches,
                                              float* features) {
  const int64_t per = rows * cols, dim = p * p * d, total = n * depth * h * w;
  for (int64_t t = ac_global_thread(); t < total; t += ac_grid_threads()) {
    const int64_t x = t % w, y = (t / w) % h, channel = (t / (h * w)) % depth, img = t / (depth * h * w);
    const float* slice = patches + ((channel / d) * n + img) * per * dim;
    const int64_t ch = channel % d;
    int64_t ylo, yhi, xlo, xhi;
    bool ylast, xlast;
    ac_patch_cover(y, rows, c, h, p, &ylo, &yhi, &ylast);
    ac_patch_cover(x, cols, c, w, p, &xlo, &xhi, &xlast);
    double sum = 0.0;
    int64_t count = 0;
    // i runs over [ylo, yhi] then the last row (index rows - 1), j likewise: ascending order.
    for (int64_t a = ylo; a <= yhi + (ylast ? 1 : 0); ++a) {
      const int64_t i = a <= yhi ? a : rows - 1;
      const int64_t dy = y - ac_patch_origin(i, rows, c, h, p);
      for (int64_t b = xlo; b <= xhi + (xlast ? 1 : 0); ++b) {
        const int64_t j = b <= xhi ? b : cols - 1;
        const int64_t dx = x - ac_patch_origin(j, cols, c, w, p);
        sum += static_cast<double>(slice[(i * cols + j) * dim + (dy * p + dx) * d + ch]);
        ++count;
      }
    }
    features[t] = static_cast<float>(sum / static_cast<double>(count));
  }
}

// strategy 0 plain, 1 L2 ball, 2 Linf box, 3 linear (advcore.h ac_patch_strategy). Plain, Linf
// and linear are element-wise: one thread per value. L2 needs the row's distance: one thread
// per row, summing in the reference's order (rows are short, p p d values), so the same bits.
extern "C" __global__ void ac_patch_strategy(int64_t rows, int64_t dim, int strategy, float eps_f,
                                             float* patches, const float* quantized) {
  const double eps = static_cast<double>(eps_f);
  if (strategy == 1) {
    for (int64_t r = ac_global_thread(); r < rows; r += ac_grid_threads()) {
      float* pr = patches + r * dim;
      const float* qr = quantized + r * dim;
      double sq = 0.0;
      for (int64_t j = 0; j < dim; ++j) {
        const double diff = static_cast<double>(qr[j]) - static_cast<double>(pr[j]);
        sq = ac_fma(diff, diff, sq);
      }
      const double norm = ac_sqrt(sq);
      if (norm < eps) {
        for (int64_t j = 0; j < dim; ++j) pr[j] = qr[j];
      } else if (norm > 0.0) {
        const double f = eps / norm;
        for (int64_t j = 0; j < dim; ++j) {
          const double pv = static_cast<double>(pr[j]);
          pr[j] = static_cast<float>(ac_fma(f, static_cast<double>(qr[j]) - pv, pv));
        }
      }
    }
    return;
  }
  const int64_t total = rows * dim;
  for (int64_t t = ac_global_thread(); t < total; t += ac_grid_threads()) {
    const double pv = static_cast<double>(patches[t]), qv = static_cast<double>(quantized[t]);
    if (strategy == 0) {
      patches[t] = quantized[t];
    } else if (strategy == 2) {
      const double diff = qv - pv;
      if (diff <= eps && diff >= -eps) patches[t] = quantized[t];
      else patches[t] = static_cast<float>(diff > 0.0 ? pv + eps : pv - eps);
    } else {
      patches[t] = static_cast<float>(ac_fma(eps, qv, (1.0 - eps) * pv));
    }
  }
}

// Nearest integer, ties (x.5) to the smaller magnitude (reference: e8_round).
AC_DEV double ac_e8_round(double x) {
  const double r = ac_rint(x), e = x - r;
  if (e == 0.5 || e == -0.5) return x > 0.0 ? x - 0.5 : x + 0.5;
  return r;
}

// Nearest point of D8 to u -> f; its squared distance (reference: e8_nearest_d8).
AC_DEV double ac_e8_d8(const double* u, double* f) {
  double sum = 0.0, worst = -1.0;
  int at = 0;
  for (int i = 0; i < 8; ++i) {
    f[i] = ac_e8_round(u[i]);
    sum += f[i];
    const double err = u[i] >= f[i] ? u[i] - f[i] : f[i] - u[i];
    if (err > worst) {
      worst = err;
      at = i;
    }
  }
  if (ac_rint(sum * 0.5) != sum * 0.5) f[at] += u[at] >= f[at] ? 1.0 : -1.0;
  double dist = 0.0;
  for (int i = 0; i < 8; ++i) dist = ac_fma(u[i] - f[i], u[i] - f[i], dist);
  return dist;
}

extern "C" __global__ void ac_e8_nearest(int64_t blocks, float scale, const float* x, float* out) {
  const double s = static_cast<double>(scale);
  for (int64_t b = ac_global_thread(); b < blocks; b += ac_grid_threads()) {
    double u[8], h[8], a[8], e[8];
    for (int i = 0; i < 8; ++i) {
      u[i] = static_cast<double>(x[b * 8 + i]) / s;
      h[i] = u[i] - 0.5;
    }
    const double da = ac_e8_d8(u, a);
    const double db = ac_e8_d8(h, e);
    for (int i = 0; i < 8; ++i) out[b * 8 + i] = static_cast<float>(s * (db < da ? e[i] + 0.5 : a[i]));
  }
}
