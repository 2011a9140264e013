// Per-sample losses on logits z[n, k] and their gradients, plus argmax
// (src/cpu/reference_loss.h is the contract). One warp per sample; the class dimension is
// strided over the lanes, so any k works (k = 10 uses a third of the warp, which is fine:
// these kernels are tiny next to the network).
//  - CrossEntropy, smoothing s: t = 1-s on the label, s/(k-1) elsewhere;
//    loss = sum_k t_k (lse - z_k), grad = softmax - t.
//  - LogProbMargin: j = first maximiser of z over k != l; loss = z_l - z_j; grad = e_l - e_j.
//  - CwMargin (mu): loss = max(z_l - z_j + mu, 0); grad = e_l - e_j where positive, else 0.
//  - CwMarginTargeted (mu, labels = targets t): j = first maximiser over k != t;
//    loss = max(z_j - z_t + mu, 0) in double; grad = e_j - e_t where positive, else 0.
//  - Dlr / DlrTargeted (Croce & Hein): p1..p4 = first indices of a stable descending sort
//    (repeated first-maximiser reductions that skip the indices already taken); numerator,
//    denominator, loss and gradient in double with the reference's operations in the
//    reference's order (dlr_grad), so they round like reference<float>. DlrTargeted reads
//    (y, t) = labels[2 row], labels[2 row + 1].
// Logits are finite (the ABI checks before calling); labels are in range.
#include "devmath.cuh"
#include "kernel_args.h"

// (value, index) of the first maximiser, reduced over the warp. idx < 0 means "none yet".
struct AcArg {
  float v;
  int64_t i;
};

// Whether b should replace a when scanning in index order: b wins if a is empty, or b is
// larger, or equal with a smaller index (the first maximiser).
AC_DEV bool ac_arg_better(AcArg a, AcArg b) {
  if (b.i < 0) return false;
  if (a.i < 0) return true;
  if (b.v > a.v) return true;
  return b.v == a.v && b.i < a.i;
}

AC_DEV AcArg ac_warp_argmax(AcArg a) {
  for (int d = 16; d > 0; d >>= 1) {
    AcArg b;
    b.v = ac_shfl_xor(a.v, d);
    int lo = ac_shfl_xor(static_cast<int>(a.i & 0xffffffff), d);
    int hi = ac_shfl_xor(static_cast<int>(a.i >> 32), d);
    b.i = static_cast<int64_t>((static_cast<uint64_t>(static_cast<uint32_t>(hi)) << 32) |
                               static_cast<uint32_t>(lo));
    if (ac_arg_better(a, b)) a = b;
  }
  return a;
}

// First maximiser of row z[0..k) skipping index `skip` (-1 for none), on every lane.
// Lane scans keep the first maximum of their strided subsequence (strict >), then the
// warp combine prefers the smaller index on ties. NaNs are skipped (see ac_argmax).
AC_DEV AcArg ac_row_argmax(const float* z, int64_t k, int64_t skip, int lane) {
  AcArg a;
  a.v = -AC_INF_F;
  a.i = -1;
  for (int64_t j = lane; j < k; j += 32) {
    if (j == skip) continue;
    float v = z[j];
    if (ac_isnan(v)) continue;
    if (a.i < 0 || v > a.v) {
      a.v = v;
      a.i = j;
    }
  }
  return ac_warp_argmax(a);
}

// First maximiser of row z[0..k) over the indices other than s0, s1, s2 (-1 = unused), on
// every lane: the next entry of the stable descending order once s0..s2 are taken.
AC_DEV AcArg ac_row_argmax_skip3(const float* z, int64_t k, int64_t s0, int64_t s1, int64_t s2,
                                 int lane) {
  AcArg a;
  a.v = -AC_INF_F;
  a.i = -1;
  for (int64_t j = lane; j < k; j += 32) {
    if (j == s0 || j == s1 || j == s2) continue;
    float v = z[j];
    if (ac_isnan(v)) continue;
    if (a.i < 0 || v > a.v) {
      a.v = v;
      a.i = j;
    }
  }
  return ac_warp_argmax(a);
}

// DLR gradient, term by term as ref::dlr_grad (src/cpu/reference_loss.h).
AC_DEV void ac_dlr_grad(float* d, int64_t k, int64_t plus, int64_t minus, int64_t p1, int64_t p3,
                        int64_t p4, double a, double b, int lane) {
  const double b3 = p4 < 0 ? b : 0.5 * b, b4 = 0.5 * b;
  for (int64_t q = lane; q < k; q += 32) {
    double g = 0.0;
    if (q == plus) g += a;
    if (q == minus) g -= a;
    if (q == p1) g += b;
    if (q == p3) g -= b3;
    if (q == p4) g -= b4;
    d[q] = static_cast<float>(g);
  }
}

// One row of Dlr (targeted = false: labels y) or DlrTargeted (y and t).
AC_DEV void ac_dlr_row(const float* z, int64_t k, int64_t y, int64_t t, bool targeted, float* loss,
                       float* d, int lane) {
  const int64_t p1 = ac_row_argmax_skip3(z, k, -1, -1, -1, lane).i;
  const int64_t p2 = ac_row_argmax_skip3(z, k, p1, -1, -1, lane).i;
  const int64_t p3 = ac_row_argmax_skip3(z, k, p1, p2, -1, lane).i;
  double num, den;
  int64_t plus, p4 = -1;
  if (targeted) {
    p4 = ac_row_argmax_skip3(z, k, p1, p2, p3, lane).i;
    num = static_cast<double>(z[y]) - static_cast<double>(z[t]);
    den = static_cast<double>(z[p1]) -
          0.5 * (static_cast<double>(z[p3]) + static_cast<double>(z[p4])) + 1e-12;
    plus = t;
  } else {
    plus = p1 != y ? p1 : p2;  // first maximiser over k != y
    num = static_cast<double>(z[y]) - static_cast<double>(z[plus]);
    den = static_cast<double>(z[p1]) - static_cast<double>(z[p3]) + 1e-12;
  }
  if (lane == 0) *loss = static_cast<float>(-num / den);
  if (d) ac_dlr_grad(d, k, plus, y, p1, p3, p4, 1.0 / den, num / (den * den), lane);
}

extern "C" __global__ void ac_loss_forward_backward(int kind, float param, int64_t n,
                                                    int64_t k, const float* logits,
                                                    const int32_t* labels, float* loss,
                                                    float* dlogits) {
  int64_t warp = ac_global_thread() >> 5, warps = ac_grid_threads() >> 5;
  int lane = static_cast<int>(threadIdx.x & 31u);
  for (int64_t row = warp; row < n; row += warps) {
    const float* z = logits + row * k;
    float* d = dlogits ? dlogits + row * k : nullptr;
    if (kind == AC_K_DLR || kind == AC_K_DLR_TARGETED) {
      const bool targeted = kind == AC_K_DLR_TARGETED;
      const int64_t y = targeted ? labels[2 * row] : labels[row];
      const int64_t t = targeted ? labels[2 * row + 1] : -1;
      ac_dlr_row(z, k, y, t, targeted, loss + row, d, lane);
      continue;
    }
    int64_t label = labels[row];
    if (kind == AC_K_CW_MARGIN_TARGETED) {
      AcArg best = ac_row_argmax(z, k, label, lane);
      double margin = static_cast<double>(best.v) - static_cast<double>(z[label]) +
                      static_cast<double>(param);
      const bool active = margin > 0.0;
      if (!active) margin = 0.0;
      if (lane == 0) loss[row] = static_cast<float>(margin);
      if (d) {
        for (int64_t j = lane; j < k; j += 32) {
          float g = 0.0f;
          if (active && j == best.i) g = 1.0f;
          if (active && j == label) g = -1.0f;
          d[j] = g;
        }
      }
      continue;
    }
    if (kind == AC_K_CROSS_ENTROPY) {
      float zmax = ac_row_argmax(z, k, -1, lane).v;
      float sum = 0.0f;
      for (int64_t j = lane; j < k; j += 32) sum += ac_expf(z[j] - zmax);
      sum = ac_warp_sum(sum);
      float lse = zmax + ac_logf(sum);
      float on = 1.0f - param, off = param / static_cast<float>(k - 1);
      float total = 0.0f;
      for (int64_t j = lane; j < k; j += 32) {
        float t = j == label ? on : off;
        float logp = z[j] - lse;
        total -= t * logp;
        if (d) d[j] = ac_expf(logp) - t;
      }
      total = ac_warp_sum(total);
      if (lane == 0) loss[row] = total;
    } else {
      AcArg best = ac_row_argmax(z, k, label, lane);
      float margin = z[label] - best.v;
      bool active = true;
      if (kind == AC_K_CW_MARGIN) {
        margin += param;
        active = margin > 0.0f;
        if (!active) margin = 0.0f;
      }
      if (lane == 0) loss[row] = margin;
      if (d) {
        for (int64_t j = lane; j < k; j += 32) {
          float g = 0.0f;
          if (active && j == label) g = 1.0f;
          if (active && j == best.i) g = -1.0f;
          d[j] = g;
        }
      }
    }
  }
}

// predictions[i] = first maximiser of row i. NaN handling follows the reference's scan
// (`best < 0 || z[j] > z[best]`): a NaN in column 0 wins, any other NaN never does.
extern "C" __global__ void ac_argmax(int64_t n, int64_t k, const float* logits,
                                     int32_t* predictions) {
  int64_t warp = ac_global_thread() >> 5, warps = ac_grid_threads() >> 5;
  int lane = static_cast<int>(threadIdx.x & 31u);
  for (int64_t row = warp; row < n; row += warps) {
    const float* z = logits + row * k;
    AcArg best = ac_row_argmax(z, k, -1, lane);
    if (lane == 0) {
      int64_t idx = best.i;
      if (ac_isnan(z[0]) || idx < 0) idx = 0;
      predictions[row] = static_cast<int32_t>(idx);
    }
  }
}
