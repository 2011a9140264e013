// Graph-Laplacian smoothing (thesis ch. 4, eqs. 4.1-4.5; contract: src/cpu/reference_smoothing.h).
// - ac_graph_degrees / ac_graph_weights: the pixel graph, one thread per pixel, affinities and
//   degrees in double like the reference, the normalised stencil rounded to float once;
// - ac_laplacian_apply: y = L_alpha v, one thread per pixel;
// - ac_cg_solve: the batched conjugate gradient, one thread block per system running the whole
//   CG loop (grid-stride over systems). The block's threads stride over the pixels; the two
//   dot products of an iteration are block reductions in double through shared memory, so
//   every thread sees the same scalars and the whole block leaves a converged system
//   together: a converged system's block simply goes on to its next system or exits. The
//   vectors r, p, q live in the system's slice of the work buffer (global memory; a 28x28
//   system is 9 KB, so it stays in L1/L2); x is the caller's buffer. The matvec is float
//   (fma), like the fast CPU backend.
#include "devmath.cuh"
#include "kernel_args.h"

// Stencil slot s: up, left, right, down, then up-left, up-right, down-left, down-right
// (ac::ref::kSmoothingDy / kSmoothingDx).
AC_DEV int ac_slot_dy(int s) { return s == 0 || s == 4 || s == 5 ? -1 : s == 3 || s >= 6 ? 1 : 0; }
AC_DEV int ac_slot_dx(int s) {
  return s == 1 || s == 4 || s == 6 ? -1 : s == 2 || s == 5 || s == 7 ? 1 : 0;
}

// w_ij = k_f k_s in double (see ac::ref::smoothing_affinity: the spatial kernel is taken
// relative to the nearest neighbours, which the normalisation cancels).
AC_DEV double ac_affinity(const AcGraphArgs& a, const float* image, int64_t i, int64_t j, int dy,
                          int dx) {
  const int64_t hw = a.h * a.w;
  double d2 = 0.0;
  for (int64_t ch = 0; ch < a.c; ++ch) {
    double diff = static_cast<double>(image[ch * hw + i]) - static_cast<double>(image[ch * hw + j]);
    d2 += diff * diff;
  }
  const double sf = a.sigma_f, ss = a.sigma_s;
  double kf = a.kernel == 0 ? ac_exp(-ac_sqrt(d2) / sf) : ac_exp(-d2 / (2.0 * sf * sf));
  double ks = ac_exp(-static_cast<double>(dy * dy + dx * dx - 1) / (2.0 * ss * ss));
  return kf * ks;
}

// degree[p] = sum of the affinities of pixel p (images [n][c][hw], degree [n][hw]).
extern "C" __global__ void ac_graph_degrees(AcGraphArgs a, const float* images, double* degree) {
  const int64_t hw = a.h * a.w, total = a.n * hw;
  for (int64_t t = ac_global_thread(); t < total; t += ac_grid_threads()) {
    const int64_t img = t / hw, i = t - img * hw, y = i / a.w, x = i - y * a.w;
    const float* image = images + img * a.c * hw;
    double d = 0.0;
    for (int s = 0; s < a.k; ++s) {
      const int dy = ac_slot_dy(s), dx = ac_slot_dx(s);
      const int64_t ny = y + dy, nx = x + dx;
      if (ny < 0 || ny >= a.h || nx < 0 || nx >= a.w) continue;
      d += ac_affinity(a, image, i, ny * a.w + nx, dy, dx);
    }
    degree[t] = d;
  }
}

// weights[img][s][i] = w_ij / sqrt(d_i d_j); 0 outside the image or at an isolated pixel.
extern "C" __global__ void ac_graph_weights(AcGraphArgs a, const float* images,
                                            const double* degree, float* weights) {
  const int64_t hw = a.h * a.w, total = a.n * hw;
  for (int64_t t = ac_global_thread(); t < total; t += ac_grid_threads()) {
    const int64_t img = t / hw, i = t - img * hw, y = i / a.w, x = i - y * a.w;
    const float* image = images + img * a.c * hw;
    const double* deg = degree + img * hw;
    float* out = weights + img * a.k * hw;
    for (int s = 0; s < a.k; ++s) {
      const int dy = ac_slot_dy(s), dx = ac_slot_dx(s);
      const int64_t ny = y + dy, nx = x + dx;
      double v = 0.0;
      if (ny >= 0 && ny < a.h && nx >= 0 && nx < a.w) {
        const int64_t j = ny * a.w + nx;
        const double di = deg[i], dj = deg[j];
        if (di > 0.0 && dj > 0.0) v = ac_affinity(a, image, i, j, dy, dx) / ac_sqrt(di * dj);
      }
      out[s * hw + i] = static_cast<float>(v);
    }
  }
}

// (L v)_i = c1 v_i - c2 sum_s W'[s][i] v_j for one system's stencil W and vector v.
AC_DEV float ac_laplacian_at(const float* W, int64_t h, int64_t w, int k, int64_t i,
                             const float* v, float c1, float c2) {
  const int64_t hw = h * w, y = i / w, x = i - y * w;
  float sum = 0.0f;
  for (int s = 0; s < k; ++s) {
    const int64_t ny = y + ac_slot_dy(s), nx = x + ac_slot_dx(s);
    if (ny < 0 || ny >= h || nx < 0 || nx >= w) continue;
    sum = ac_fmaf(W[s * hw + i], v[ny * w + nx], sum);
  }
  return c1 * v[i] - c2 * sum;
}

AC_DEV void ac_laplacian_scalars(float alpha, float* c1, float* c2) {
  const double al = static_cast<double>(alpha);
  *c1 = static_cast<float>(1.0 / (1.0 - al));
  *c2 = static_cast<float>(al / (1.0 - al));
}

// y = L_alpha v for every system (a.b, a.x, a.work and the reports are not used).
extern "C" __global__ void ac_laplacian_apply(AcCgArgs a, const float* v, float* y) {
  const int64_t hw = a.h * a.w, total = a.systems * hw;
  float c1, c2;
  ac_laplacian_scalars(a.alpha, &c1, &c2);
  for (int64_t t = ac_global_thread(); t < total; t += ac_grid_threads()) {
    const int64_t sys = t / hw, i = t - sys * hw;
    const float* W = a.weights + (sys / a.per_graph) * a.k * hw;
    y[t] = ac_laplacian_at(W, a.h, a.w, a.k, i, v + sys * hw, c1, c2);
  }
}

// The batched CG (ac::CgProblem, ac::ref::smoothing_cg_one): one block per system.
// blockDim.x must be a multiple of 32.
extern "C" __global__ void ac_cg_solve(AcCgArgs a) {
  __shared__ double scratch[32];
  const int64_t hw = a.h * a.w, stride = 3 * (hw + 2 * (a.w + 1));
  const int64_t t0 = static_cast<int64_t>(threadIdx.x), step = static_cast<int64_t>(blockDim.x);
  float c1, c2;
  ac_laplacian_scalars(a.alpha, &c1, &c2);
  const bool adjoint = a.mode == 2;
  const double tol2 = static_cast<double>(a.tol) * static_cast<double>(a.tol);
  for (int64_t sys = blockIdx.x; sys < a.systems; sys += gridDim.x) {
    const int64_t g = sys / a.per_graph;
    const float* W = a.weights + g * a.k * hw;
    const float* s1 = a.s1 ? a.s1 + g * hw : nullptr;
    const float* b = a.b + sys * hw;
    float* x = a.x + sys * hw;
    float* r = a.work + sys * stride;
    float* p = r + hw;
    float* q = p + hw;

    // x0 and ||b'||^2
    double part = 0.0;
    for (int64_t i = t0; i < hw; i += step) {
      x[i] = !a.warm ? 0.0f : a.mode == 1 ? x[i] * s1[i] : x[i];
      const float bi = adjoint ? b[i] / s1[i] : b[i];
      part += static_cast<double>(bi) * static_cast<double>(bi);
    }
    const double bb = ac_block_sum(part, scratch);
    if (bb == 0.0) {  // b' = 0: x = 0 after 0 iterations
      for (int64_t i = t0; i < hw; i += step) x[i] = 0.0f;
      if (threadIdx.x == 0) {
        a.iterations[sys] = 0;
        a.residuals[sys] = 0.0f;
      }
      continue;
    }
    const double threshold = tol2 * bb;
    __syncthreads();  // x0 complete before the stencil reads neighbours

    // r = p = b' - L x0
    part = 0.0;
    for (int64_t i = t0; i < hw; i += step) {
      const float bi = adjoint ? b[i] / s1[i] : b[i];
      const float ri = a.warm ? bi - ac_laplacian_at(W, a.h, a.w, a.k, i, x, c1, c2) : bi;
      r[i] = ri;
      p[i] = ri;
      part += static_cast<double>(ri) * static_cast<double>(ri);
    }
    double rr = ac_block_sum(part, scratch);
    double final_rr = rr <= threshold ? rr : -1.0;  // the true ||b' - L x||^2 once known
    int it = 0;
    __syncthreads();  // p complete

    while (final_rr < 0.0 && it < a.max_iter) {
      // q = L p, p.q
      part = 0.0;
      for (int64_t i = t0; i < hw; i += step) {
        const float qi = ac_laplacian_at(W, a.h, a.w, a.k, i, p, c1, c2);
        q[i] = qi;
        part += static_cast<double>(p[i]) * static_cast<double>(qi);
      }
      const double pq = ac_block_sum(part, scratch);
      if (!(pq > 0.0)) break;  // p = 0 or non-finite input
      // x += a p, r -= a q, r.r
      const float al = static_cast<float>(rr / pq);
      part = 0.0;
      for (int64_t i = t0; i < hw; i += step) {
        x[i] = ac_fmaf(al, p[i], x[i]);
        const float ri = ac_fmaf(-al, q[i], r[i]);
        r[i] = ri;
        part += static_cast<double>(ri) * static_cast<double>(ri);
      }
      const double rr_new = ac_block_sum(part, scratch);
      ++it;
      if (rr_new <= threshold) {
        // Verify with the true residual (into q); restart from it when the recursion drifted.
        __syncthreads();  // x complete
        part = 0.0;
        for (int64_t i = t0; i < hw; i += step) {
          const float bi = adjoint ? b[i] / s1[i] : b[i];
          const float ti = bi - ac_laplacian_at(W, a.h, a.w, a.k, i, x, c1, c2);
          q[i] = ti;
          part += static_cast<double>(ti) * static_cast<double>(ti);
        }
        const double tt = ac_block_sum(part, scratch);
        if (tt <= threshold) {
          final_rr = tt;
          break;
        }
        for (int64_t i = t0; i < hw; i += step) {
          r[i] = q[i];
          p[i] = q[i];
        }
        rr = tt;
        __syncthreads();
        continue;
      }
      const float beta = static_cast<float>(rr_new / rr);
      rr = rr_new;
      for (int64_t i = t0; i < hw; i += step) p[i] = ac_fmaf(beta, p[i], r[i]);
      __syncthreads();  // p complete before the next stencil
    }
    if (final_rr < 0.0) {
      __syncthreads();  // x complete
      part = 0.0;
      for (int64_t i = t0; i < hw; i += step) {
        const float bi = adjoint ? b[i] / s1[i] : b[i];
        const float ti = bi - ac_laplacian_at(W, a.h, a.w, a.k, i, x, c1, c2);
        part += static_cast<double>(ti) * static_cast<double>(ti);
      }
      final_rr = ac_block_sum(part, scratch);
    }
    if (threadIdx.x == 0) {
      a.iterations[sys] = it;
      a.residuals[sys] = static_cast<float>(ac_sqrt(final_rr / bb));
    }
    // Every stencil read of x ended before the last block sum.
    if (a.mode == 1)
      for (int64_t i = t0; i < hw; i += step) x[i] = x[i] / s1[i];
  }
}
