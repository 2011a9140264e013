// Fused attack steps (advcore.h, "fused attack steps"; src/cpu/attack_steps.h is the
// contract, row by row). One block per sample (grid-stride over samples, blockDim a multiple
// of 32): every thread owns the elements j = threadIdx.x + t*blockDim.x of its row in every
// pass, so element-wise passes need no barrier between them; row norms and dot products are
// block reductions in double (like the reference), whose results every thread receives, so
// all branching on them is uniform over the block.
#include "devmath.cuh"
#include "kernel_args.h"

// ------------------------------------------------------------------ row helpers

// Block-wide double sum, broadcast to every thread.
AC_DEV double ac_row_sum(double v) {
  __shared__ double scratch[32];
  return ac_block_sum(v, scratch);
}

// sqrt(sum_j (a_j - b_j)^2) over the row, in double.
AC_DEV double ac_row_distance(const float* a, const float* b, int64_t d) {
  double s = 0.0;
  for (int64_t j = threadIdx.x; j < d; j += blockDim.x) {
    double e = static_cast<double>(a[j]) - static_cast<double>(b[j]);
    s += e * e;
  }
  return ac_sqrt(ac_row_sum(s));
}

AC_DEV double ac_row_norm(const float* a, int64_t d) {
  double s = 0.0;
  for (int64_t j = threadIdx.x; j < d; j += blockDim.x)
    s += static_cast<double>(a[j]) * static_cast<double>(a[j]);
  return ac_sqrt(ac_row_sum(s));
}

// std::min(std::max(v, 0), 1): NaN passes through, as the reference's clamp01.
AC_DEV float ac_clip01f(float v) {
  float lo = v < 0.0f ? 0.0f : v;
  return 1.0f < lo ? 1.0f : lo;
}

// One level of the 8-bit grid, exactly as quantize8.
AC_DEV float ac_qlevel(float v) { return ac_rintf(ac_clip01f(v) * 255.0f) / 255.0f; }

AC_DEV float ac_signf(float v) { return v > 0.0f ? 1.0f : (v < 0.0f ? -1.0f : 0.0f); }

// The reference's first-maximiser scan (`best < 0 || z > z[best]`), skipping `skip`.
AC_DEV int64_t ac_first_argmax(const float* z, int64_t k, int64_t skip) {
  int64_t best = -1;
  for (int64_t j = 0; j < k; ++j) {
    if (j == skip) continue;
    if (best < 0 || z[j] > z[best]) best = j;
  }
  return best;
}

// ref::is_adversarial: the criterion (0 = untargeted, 1 = targeted; margin 0 = by the
// argmax, > 0 = the gap to the best other class, in double). Every thread scans the (short)
// row itself: no synchronisation needed, and every thread reaches the same verdict.
AC_DEV bool ac_is_adversarial(const float* z, int64_t k, int32_t label, int32_t criterion,
                              float margin) {
  const bool targeted = criterion == 1;
  if (!(margin > 0.0f)) {
    const bool hit = ac_first_argmax(z, k, -1) == label;
    return targeted ? hit : !hit;
  }
  const double other = static_cast<double>(z[ac_first_argmax(z, k, label)]);
  const double own = static_cast<double>(z[label]);
  const double gap = targeted ? own - other : other - own;
  return gap > static_cast<double>(margin);
}

// Whether row i of the operands is adversarial.
AC_DEV bool ac_row_adversarial(const AcAttackArgs& o, int64_t i) {
  return ac_is_adversarial(o.logits + i * o.k, o.k, o.labels[i], o.criterion, o.margin);
}

// Keep best on the incoming y of row i (before any update); returns whether y is adversarial.
// o.best_y null: no tracking. Ends with every thread past the read of best_norm[i].
AC_DEV bool ac_keep_best(const AcAttackArgs& o, int64_t i) {
  const int64_t d = o.d;
  const float* x = o.x + i * d;
  const float* y = o.y + i * d;
  float* best_y = o.best_y ? o.best_y + i * d : nullptr;
  float* best_norm = o.best_y ? o.best_norm + i : nullptr;
  bool adv = ac_row_adversarial(o, i);
  if (best_y) {
    float dist = static_cast<float>(ac_row_distance(y, x, d));  // all threads take part
    bool better = adv && dist < *best_norm;
    __syncthreads();  // everyone has read *best_norm before it changes
    if (better) {
      for (int64_t j = threadIdx.x; j < d; j += blockDim.x) best_y[j] = y[j];
      if (threadIdx.x == 0) *best_norm = dist;
    }
  }
  return adv;
}

// ------------------------------------------------------------------ keep best

extern "C" __global__ void ac_attack_keep_best(AcAttackArgs o, int32_t* adversarial) {
  for (int64_t i = blockIdx.x; i < o.n; i += gridDim.x) {
    bool adv = ac_keep_best(o, i);
    if (adversarial && threadIdx.x == 0) adversarial[i] = adv ? 1 : 0;
  }
}

// ------------------------------------------------------------------ PGD / I-FGSM / FGSM

extern "C" __global__ void ac_pgd_step(AcAttackArgs o, const float* eps, const float* alpha,
                                       int norm, float grad_sign, int quantize) {
  const bool track = o.logits && o.best_y;
  const int64_t d = o.d;
  for (int64_t i = blockIdx.x; i < o.n; i += gridDim.x) {
    const float* xi = o.x + i * d;
    const float* gi = o.grad + i * d;
    float* yi = o.y + i * d;
    if (track) ac_keep_best(o, i);
    if (norm == 0) {
      float gn = static_cast<float>(ac_row_norm(gi, d));
      if (gn > 0.0f && ac_isfinite(gn)) {
        float c = -grad_sign * alpha[i] / gn;
        for (int64_t j = threadIdx.x; j < d; j += blockDim.x) yi[j] += c * gi[j];
      }
    } else {
      float c = -grad_sign * alpha[i];
      for (int64_t j = threadIdx.x; j < d; j += blockDim.x) yi[j] += c * ac_signf(gi[j]);
    }
    float radius = eps[i] < 0.0f ? 0.0f : eps[i];
    if (norm == 0) {
      double rn = ac_row_distance(yi, xi, d);
      if (rn > static_cast<double>(radius)) {
        float f = static_cast<float>(static_cast<double>(radius) / rn);
        for (int64_t j = threadIdx.x; j < d; j += blockDim.x) yi[j] = xi[j] + (yi[j] - xi[j]) * f;
      }
    } else {
      for (int64_t j = threadIdx.x; j < d; j += blockDim.x) {
        float r = yi[j] - xi[j];
        r = r < -radius ? -radius : r;  // std::max(r, -radius)
        r = radius < r ? radius : r;    // std::min(r, radius)
        yi[j] = xi[j] + r;
      }
    }
    for (int64_t j = threadIdx.x; j < d; j += blockDim.x)
      yi[j] = quantize ? ac_qlevel(yi[j]) : ac_clip01f(yi[j]);
  }
}

// ------------------------------------------------------------------ DDN

extern "C" __global__ void ac_ddn_step(AcAttackArgs o, float* radius, float alpha, float gamma,
                                       float grad_sign, int quantize) {
  const int64_t d = o.d;
  for (int64_t i = blockIdx.x; i < o.n; i += gridDim.x) {
    const float* xi = o.x + i * d;
    const float* gi = o.grad + i * d;
    float* yi = o.y + i * d;
    bool adv = ac_keep_best(o, i);
    // delta lives in y from here on (each thread rewrites only its own elements).
    for (int64_t j = threadIdx.x; j < d; j += blockDim.x) yi[j] = yi[j] - xi[j];
    float gn = static_cast<float>(ac_row_norm(gi, d));
    if (gn > 0.0f && ac_isfinite(gn)) {
      float c = -grad_sign * alpha / gn;
      for (int64_t j = threadIdx.x; j < d; j += blockDim.x) yi[j] += c * gi[j];
    }
    double worst = 0.0;
    for (int64_t j = threadIdx.x; j < d; j += blockDim.x) {
      double xv = static_cast<double>(xi[j]);
      double m = xv > 1.0 - xv ? xv : 1.0 - xv;
      worst += m * m;
    }
    worst = ac_row_sum(worst);
    float r = radius[i] * (adv ? 1.0f - gamma : 1.0f + gamma);
    float cap = static_cast<float>(ac_sqrt(worst));
    r = cap < r ? cap : r;  // std::min(r, cap)
    double dn = ac_row_norm(yi, d);  // its barriers also order the reads of radius[i] above
    if (threadIdx.x == 0) radius[i] = r;
    if (dn > 0.0) {
      float f = static_cast<float>(static_cast<double>(r) / dn);
      for (int64_t j = threadIdx.x; j < d; j += blockDim.x) yi[j] *= f;
    }
    for (int64_t j = threadIdx.x; j < d; j += blockDim.x) {
      float v = xi[j] + yi[j];
      yi[j] = quantize ? ac_qlevel(v) : ac_clip01f(v);
    }
  }
}

// ------------------------------------------------------------------ Q_OUT line search

#define AC_LS_DOUBLINGS 10
#define AC_LS_BISECTIONS 12

// f(beta) = ||Q(y + beta (z - y)) - x||_2 for one row; z_of(j) gives z_j.
// Not inlined: the search calls it from 3 places and bp_step/line_search instantiate it twice;
// inlining (and unrolling) everything made this module 4x larger to JIT.
template <class Z>
AC_DEV_NOINLINE double ac_quantized_distance(int64_t d, const float* x, const float* y, const Z& z_of,
                                    float beta) {
  double s = 0.0;
  for (int64_t j = threadIdx.x; j < d; j += blockDim.x) {
    float zj = z_of(j);
    double e = static_cast<double>(ac_qlevel(y[j] + beta * (zj - y[j]))) - static_cast<double>(x[j]);
    s += e * e;
  }
  return ac_sqrt(ac_row_sum(s));
}

// beta of Q_OUT (eq. 5.7) for one row, exactly the reference's search (every quantity is a
// block reduction, so every thread takes the same branches).
template <class Z>
AC_DEV float ac_line_search_beta(int64_t d, const float* x, const float* y, const Z& z_of) {
  double zy = 0.0, zx = 0.0;
  for (int64_t j = threadIdx.x; j < d; j += blockDim.x) {
    double zj = static_cast<double>(z_of(j));
    double a = zj - static_cast<double>(y[j]), b = zj - static_cast<double>(x[j]);
    zy += a * a;
    zx += b * b;
  }
  if (ac_sqrt(ac_row_sum(zy)) == 0.0) return 1.0f;
  const double target = ac_sqrt(ac_row_sum(zx));
  double f = ac_quantized_distance(d, x, y, z_of, 1.0f);
  if (f <= target) return 1.0f;
  float best_beta = 1.0f;
  double best_f = f;
  float lo = 1.0f, hi = 2.0f;
  bool bracketed = false;
#pragma unroll 1
  for (int t = 0; t < AC_LS_DOUBLINGS; ++t, lo = hi, hi = hi * 2.0f) {
    f = ac_quantized_distance(d, x, y, z_of, hi);
    if (f <= target) {
      bracketed = true;
      break;
    }
    if (f < best_f) {
      best_f = f;
      best_beta = hi;
    }
  }
  if (!bracketed) return best_beta;
#pragma unroll 1
  for (int t = 0; t < AC_LS_BISECTIONS; ++t) {
    float mid = (lo + hi) / 2.0f;
    if (ac_quantized_distance(d, x, y, z_of, mid) <= target) hi = mid;
    else lo = mid;
  }
  return hi;
}

struct AcRowZ {
  const float* z;
  AC_DEV float operator()(int64_t j) const { return z[j]; }
};

// out may be z (each element is read for the last time by the thread that writes it).
extern "C" __global__ void ac_quantized_line_search(int64_t n, int64_t d, const float* x,
                                                    const float* y, const float* z, float* out,
                                                    float* beta) {
  for (int64_t i = blockIdx.x; i < n; i += gridDim.x) {
    const float *xi = x + i * d, *yi = y + i * d, *zi = z + i * d;
    AcRowZ z_of{zi};
    float b = ac_line_search_beta(d, xi, yi, z_of);
    __syncthreads();  // every thread is done reading z before out (possibly z) changes
    float* oi = out + i * d;
    for (int64_t j = threadIdx.x; j < d; j += blockDim.x) oi[j] = ac_qlevel(yi[j] + b * (zi[j] - yi[j]));
    if (beta && threadIdx.x == 0) beta[i] = b;
  }
}

// ------------------------------------------------------------------ BP (thesis ch. 5)

// z_j of the OUT branch, recomputed on demand instead of stored: v = x + rho gh, then
// z = v + (y - v) c (c = 0 leaves z = v), with gh = (grad_sign g) / gn in float as the
// reference computes it.
struct AcBpOutZ {
  const float *x, *y, *g;
  float grad_sign, gn, rho, c;
  bool stretch;
  AC_DEV float gh(int64_t j) const { return grad_sign * g[j] / gn; }
  AC_DEV float operator()(int64_t j) const {
    float v = x[j] + rho * gh(j);
    return stretch ? v + (y[j] - v) * c : v;
  }
};

extern "C" __global__ void ac_bp_step(AcAttackArgs o, int32_t* stage, float gamma, float alpha,
                                      float beta_min, float grad_sign, int rounding) {
  const int64_t d = o.d;
  for (int64_t i = blockIdx.x; i < o.n; i += gridDim.x) {
    const float* xi = o.x + i * d;
    const float* gi = o.grad + i * d;
    float* yi = o.y + i * d;
    bool adv = ac_keep_best(o, i);
    int32_t st = stage[i];
    if (adv) st = 1;  // stage 2 starts at the first adversarial iterate and stays
    float gn = static_cast<float>(ac_row_norm(gi, d));  // its barriers order the read of stage[i]
    if (threadIdx.x == 0) stage[i] = st;
    if (!(gn > 0.0f && ac_isfinite(gn))) continue;
    AcBpOutZ zf{xi, yi, gi, grad_sign, gn, 0.0f, 0.0f, false};

    if (st == 0) {
      float c = alpha * gamma;
      for (int64_t j = threadIdx.x; j < d; j += blockDim.x) {
        float v = yi[j] - c * zf.gh(j);
        yi[j] = rounding == 0 ? ac_clip01f(v) : ac_qlevel(v);
      }
      continue;
    }

    double rn2 = 0.0, rho_part = 0.0;
    for (int64_t j = threadIdx.x; j < d; j += blockDim.x) {
      double r = static_cast<double>(yi[j]) - static_cast<double>(xi[j]);
      rn2 += r * r;
      rho_part += r * static_cast<double>(zf.gh(j));
    }
    const double rn = ac_sqrt(ac_row_sum(rn2));
    const double rho_d = ac_row_sum(rho_part);
    const float rho = static_cast<float>(rho_d);
    float beta = 1.0f;
    if (adv) {
      // OUT (eqs. 5.4-5.6).
      double eps = static_cast<double>(gamma) * rn;
      zf.rho = rho;
      double w2 = 0.0;
      for (int64_t j = threadIdx.x; j < d; j += blockDim.x) {
        double w = static_cast<double>(yi[j]) - static_cast<double>(zf(j));
        w2 += w * w;
      }
      double h2 = eps * eps - rho_d * rho_d;
      double h = ac_sqrt(h2 > 0.0 ? h2 : 0.0), wn = ac_sqrt(ac_row_sum(w2));
      if (wn > 0.0) {
        zf.c = static_cast<float>(h / wn);
        zf.stretch = true;
      }
      if (rounding == 2) beta = ac_line_search_beta(d, xi, yi, zf);
      __syncthreads();  // the search read y; y changes below
      for (int64_t j = threadIdx.x; j < d; j += blockDim.x) {
        float zj = zf(j);
        if (rounding == 0) yi[j] = ac_clip01f(zj);
        else if (rounding == 1) yi[j] = ac_qlevel(zj);
        else yi[j] = ac_qlevel(yi[j] + beta * (zj - yi[j]));
      }
    } else {
      // IN (eq. 5.9), with Q_IN's stretch (eq. 5.10).
      double eps = rn / static_cast<double>(gamma);
      double q = eps * eps - rn * rn + rho_d * rho_d;
      double s = rho_d + ac_sqrt(q > 0.0 ? q : 0.0);
      float stf = static_cast<float>(s);
      if (rounding == 2 && s > 0.0) {
        float b = static_cast<float>(static_cast<double>(beta_min) / s);
        beta = 1.0f < b ? b : 1.0f;  // std::max(1, b)
      }
      for (int64_t j = threadIdx.x; j < d; j += blockDim.x) {
        float zj = yi[j] - stf * zf.gh(j);
        if (rounding == 0) yi[j] = ac_clip01f(zj);
        else if (rounding == 1) yi[j] = ac_qlevel(zj);
        else yi[j] = ac_qlevel(yi[j] + beta * (zj - yi[j]));
      }
    }
  }
}

// ------------------------------------------------------------------ C&W L2

// w = atanh((2x - 1)(1 - 1e-6)) in double; y = (tanh(w) + 1) / 2 in float.
extern "C" __global__ void ac_cw_init(int64_t count, const float* x, float* w, float* y) {
  for (int64_t e = ac_global_thread(); e < count; e += ac_grid_threads()) {
    float we = static_cast<float>(ac_atanh((2.0 * static_cast<double>(x[e]) - 1.0) * (1.0 - 1e-6)));
    w[e] = we;
    y[e] = (ac_tanhf(we) + 1.0f) / 2.0f;
  }
}

extern "C" __global__ void ac_cw_step(AcAttackArgs ops, float* w, const float* lambda, float* m,
                                      float* v, int32_t* found, float lr, float beta1,
                                      float beta2, float eps, double bc1, double bc2) {
  const int64_t d = ops.d;
  const float* x = ops.x;
  const float* grad = ops.grad;
  float* y = ops.y;
  for (int64_t i = blockIdx.x; i < ops.n; i += gridDim.x) {
    const int64_t o = i * d;
    bool adv = ac_keep_best(ops, i);
    if (adv && threadIdx.x == 0) found[i] = 1;
    const float lam = lambda[i];
    for (int64_t j = o + threadIdx.x; j < o + d; j += blockDim.x) {
      float t = ac_tanhf(w[j]);
      float g = (lam * grad[j] + 2.0f * (y[j] - x[j])) * (1.0f - t * t) / 2.0f;
      float mj = beta1 * m[j] + (1.0f - beta1) * g;
      float vj = beta2 * v[j] + (1.0f - beta2) * g * g;
      m[j] = mj;
      v[j] = vj;
      double mhat = static_cast<double>(mj) / bc1, vhat = static_cast<double>(vj) / bc2;
      float wj = static_cast<float>(static_cast<double>(w[j]) -
                                    static_cast<double>(lr) * mhat / (ac_sqrt(vhat) + static_cast<double>(eps)));
      w[j] = wj;
      y[j] = (ac_tanhf(wj) + 1.0f) / 2.0f;
    }
  }
}

// ------------------------------------------------------------------ DeepFool

// jacobian is class-major: class c of row i starts at jacobian + c * class_stride + i * d
// (class_stride = n * d for a [K, N, d] tensor).
extern "C" __global__ void ac_deepfool_step(AcAttackArgs o, float* r_total, const float* jacobian,
                                            int64_t class_stride, int32_t* active,
                                            float overshoot) {
  const int64_t d = o.d, k = o.k;
  const float* x = o.x;
  float* y = o.y;
  for (int64_t i = blockIdx.x; i < o.n; i += gridDim.x) {
    if (!active[i]) continue;  // uniform: every thread reads the same flag
    const float* zi = o.logits + i * k;
    const int32_t l = o.labels[i];
    if (ac_row_adversarial(o, i)) {
      __syncthreads();  // all have read active[i]
      if (threadIdx.x == 0) active[i] = 0;
      continue;
    }
    const float* ji = jacobian + i * d;
    const float* jl = ji + static_cast<int64_t>(l) * class_stride;
    int64_t best = -1;
    double best_dist = 0.0, best_f = 0.0, best_w2 = 0.0;
    for (int64_t c = 0; c < k; ++c) {
      if (c == l) continue;
      const float* jc = ji + c * class_stride;
      double part = 0.0;
      for (int64_t j = threadIdx.x; j < d; j += blockDim.x) {
        double wv = static_cast<double>(jc[j]) - static_cast<double>(jl[j]);
        part += wv * wv;
      }
      double w2 = ac_row_sum(part);
      if (!(w2 > 0.0)) continue;
      double f = static_cast<double>(zi[c]) - static_cast<double>(zi[l]);
      f = f < 0.0 ? -f : f;
      double dist = f / ac_sqrt(w2);
      if (best < 0 || dist < best_dist) {
        best = c;
        best_dist = dist;
        best_f = f;
        best_w2 = w2;
      }
    }
    __syncthreads();  // all have read active[i]
    if (best < 0) {
      if (threadIdx.x == 0) active[i] = 0;
      continue;
    }
    const float* jc = ji + best * class_stride;
    const float c = static_cast<float>((best_f + 1e-4) / best_w2);
    float* ri = r_total + i * d;
    const float* xi = x + i * d;
    float* yi = y + i * d;
    for (int64_t j = threadIdx.x; j < d; j += blockDim.x) {
      ri[j] += c * (jc[j] - jl[j]);
      yi[j] = ac_clip01f(xi[j] + (1.0f + overshoot) * ri[j]);
    }
  }
}

// ------------------------------------------------------------------ JSMA

// A candidate pair; p < 0 means none.
struct AcPair {
  double score;
  int64_t p, q;
};

// Whether b beats a: larger score, or the same score earlier in row-major (p, q) order.
AC_DEV bool ac_pair_better(const AcPair& a, const AcPair& b) {
  if (b.p < 0) return false;
  if (a.p < 0) return true;
  if (b.score > a.score) return true;
  if (b.score < a.score) return false;
  return b.p < a.p || (b.p == a.p && b.q < a.q);
}

AC_DEV int64_t ac_shfl_xor_i64(int64_t v, int mask) {
  int lo = ac_shfl_xor(static_cast<int>(v & 0xffffffff), mask);
  int hi = ac_shfl_xor(static_cast<int>(v >> 32), mask);
  return static_cast<int64_t>((static_cast<uint64_t>(static_cast<uint32_t>(hi)) << 32) |
                              static_cast<uint32_t>(lo));
}

// domain: 1 = never changed, 2 = changed and may move again, 0 = saturated or excluded;
// changed[i] counts the distinct features changed; past max_changed the sample stops.
extern "C" __global__ void ac_jsma_step(AcAttackArgs o, const float* grad_target,
                                        const float* grad_other, float* domain,
                                        int32_t* changed, int32_t* active, float theta,
                                        int64_t max_changed) {
  __shared__ double s_score[32];
  __shared__ int64_t s_p[32], s_q[32];
  const int64_t d = o.d;
  float* y = o.y;
  for (int64_t i = blockIdx.x; i < o.n; i += gridDim.x) {
    if (!active[i]) continue;
    if (ac_row_adversarial(o, i)) {
      __syncthreads();
      if (threadIdx.x == 0) active[i] = 0;
      continue;
    }
    const float *gt = grad_target + i * d, *go = grad_other + i * d;
    float* dom = domain + i * d;
    const bool increase = theta > 0.0f;
    // Each thread scans the pairs (p, q > p) for its p's in increasing order and keeps the
    // first best (strictly greater), as the reference's scan does within that subset.
    AcPair best{0.0, -1, -1};
    for (int64_t p = threadIdx.x; p < d; p += blockDim.x) {
      if (dom[p] == 0.0f) continue;
      const double gtp = static_cast<double>(gt[p]), gop = static_cast<double>(go[p]);
      for (int64_t q = p + 1; q < d; ++q) {
        if (dom[q] == 0.0f) continue;
        double a = gtp + static_cast<double>(gt[q]);
        double b = gop + static_cast<double>(go[q]);
        bool ok = increase ? (a > 0.0 && b < 0.0) : (a < 0.0 && b > 0.0);
        if (!ok) continue;
        double score = -a * b;
        if (best.p < 0 || score > best.score) best = AcPair{score, p, q};
      }
    }
    // Warp, then block reduction with the same total order.
    for (int off = 16; off > 0; off >>= 1) {
      AcPair other{ac_shfl_xor(best.score, off), ac_shfl_xor_i64(best.p, off),
                   ac_shfl_xor_i64(best.q, off)};
      if (ac_pair_better(best, other)) best = other;
    }
    const int lane = static_cast<int>(threadIdx.x & 31u), warp = static_cast<int>(threadIdx.x >> 5);
    __syncthreads();  // previous sample's use of the shared slots is over; active[i] read
    if (lane == 0) {
      s_score[warp] = best.score;
      s_p[warp] = best.p;
      s_q[warp] = best.q;
    }
    __syncthreads();
    if (threadIdx.x == 0) {
      AcPair all{0.0, -1, -1};
      for (int w = 0; w < static_cast<int>(blockDim.x >> 5); ++w) {
        AcPair cand{s_score[w], s_p[w], s_q[w]};
        if (ac_pair_better(all, cand)) all = cand;
      }
      if (all.p < 0) {
        active[i] = 0;
      } else {
        float* yi = y + i * d;
        const int64_t pair[2] = {all.p, all.q};
        for (int64_t f : pair) {
          if (dom[f] == 1.0f) ++changed[i];
          yi[f] = ac_clip01f(yi[f] + theta);
          // A feature leaves the domain once it saturates, so it may take several steps.
          dom[f] = (increase ? yi[f] >= 1.0f : yi[f] <= 0.0f) ? 0.0f : 2.0f;
        }
        if (changed[i] > max_changed) active[i] = 0;
      }
    }
  }
}
