// Graph-Laplacian smoothing on the fast CPU backend (contract: reference_smoothing.h).
// - graph build and the plain matvec: ranges of images / systems go to the reference kernels
//   (exact per image, so a split changes nothing);
// - CG: systems are independent, so each OpenMP thread solves whole systems (dynamic
//   schedule: converged systems free their thread early). A 28x28 system's vectors and
//   stencil are ~25 KB, so one system stays in L1/L2 for its whole solve. Per iteration two
//   passes: (A) p = r + beta p fused with q = L p and p.q (p is updated w + 1 pixels ahead
//   of the stencil row that reads it), (B) x += a p, r -= a q and r.r. The stencil runs over a
//   p with a zero halo, so it has no bounds checks and vectorises; weights outside the image
//   are 0 in the stencil. Vectors and the matvec are float (FMA); dot products accumulate
//   in double over SIMD lanes (reassociated, unlike the reference's sequential sum).
#include <algorithm>
#include <cstring>

#include "fast_backend.h"
#include "parallel.h"
#include "reference_smoothing.h"

namespace ac {
namespace {

// The scalars and pointers of one system.
struct CgSystem {
  int64_t h, w, hw;
  int k;
  float c1, c2;     // L v = c1 v - c2 W' v, c1 = 1 / (1 - alpha), c2 = alpha / (1 - alpha)
  const float* wk[8];
  int64_t off[8];  // neighbour offsets in the flat image
};

// q[i] = c1 p[i] - c2 sum_k wk[k][i] p[i + off[k]] on [i0, i1); returns sum p[i] q[i].
template <int K>
double stencil(const CgSystem& s, const float* __restrict p, float* __restrict q, int64_t i0,
               int64_t i1) {
  const float* __restrict w0 = s.wk[0];
  const float* __restrict w1 = s.wk[1];
  const float* __restrict w2 = s.wk[2];
  const float* __restrict w3 = s.wk[3];
  const int64_t o0 = s.off[0], o1 = s.off[1], o2 = s.off[2], o3 = s.off[3];
  const float c1 = s.c1, c2 = s.c2;
  double pq = 0;
  if constexpr (K == 4) {
#pragma omp simd reduction(+ : pq)
    for (int64_t i = i0; i < i1; ++i) {
      float sum = w0[i] * p[i + o0] + w1[i] * p[i + o1] + w2[i] * p[i + o2] + w3[i] * p[i + o3];
      float v = c1 * p[i] - c2 * sum;
      q[i] = v;
      pq += static_cast<double>(p[i]) * static_cast<double>(v);
    }
  } else {
    const float* __restrict w4 = s.wk[4];
    const float* __restrict w5 = s.wk[5];
    const float* __restrict w6 = s.wk[6];
    const float* __restrict w7 = s.wk[7];
    const int64_t o4 = s.off[4], o5 = s.off[5], o6 = s.off[6], o7 = s.off[7];
#pragma omp simd reduction(+ : pq)
    for (int64_t i = i0; i < i1; ++i) {
      float sum = w0[i] * p[i + o0] + w1[i] * p[i + o1] + w2[i] * p[i + o2] + w3[i] * p[i + o3] +
                  w4[i] * p[i + o4] + w5[i] * p[i + o5] + w6[i] * p[i + o6] + w7[i] * p[i + o7];
      float v = c1 * p[i] - c2 * sum;
      q[i] = v;
      pq += static_cast<double>(p[i]) * static_cast<double>(v);
    }
  }
  return pq;
}

double stencil_any(const CgSystem& s, const float* p, float* q, int64_t i0, int64_t i1) {
  return s.k == 4 ? stencil<4>(s, p, q, i0, i1) : stencil<8>(s, p, q, i0, i1);
}

// out = b' - L x, returns ||out||^2. p (the padded buffer's interior) is overwritten with x.
double true_residual(const CgSystem& s, const float* bp_b, const float* s1, bool adjoint,
                     const float* x, float* p, float* out) {
  std::memcpy(p, x, static_cast<size_t>(s.hw) * sizeof(float));
  stencil_any(s, p, out, 0, s.hw);
  double tt = 0;
#pragma omp simd reduction(+ : tt)
  for (int64_t i = 0; i < s.hw; ++i) {
    float bi = adjoint ? bp_b[i] / s1[i] : bp_b[i];
    float t = bi - out[i];
    out[i] = t;
    tt += static_cast<double>(t) * static_cast<double>(t);
  }
  return tt;
}

void cg_system(const CgProblem& P, int64_t sys) {
  CgSystem s{};
  s.h = P.h;
  s.w = P.w;
  s.hw = P.h * P.w;
  s.k = P.k;
  const double alpha = P.alpha;
  s.c1 = static_cast<float>(1.0 / (1.0 - alpha));
  s.c2 = static_cast<float>(alpha / (1.0 - alpha));
  const int64_t hw = s.hw, g = sys / P.per_graph;
  for (int k = 0; k < s.k; ++k) {
    s.wk[k] = P.weights + (g * s.k + k) * hw;
    s.off[k] = ref::kSmoothingDy[k] * s.w + ref::kSmoothingDx[k];
  }
  const float* s1 = P.s1 ? P.s1 + g * hw : nullptr;
  const float* b = P.b + sys * hw;
  float* x = P.x + sys * hw;
  const bool adjoint = P.mode == 2;
  float* r = P.work + sys * cg_work_per_system(s.h, s.w);
  float* q = r + hw;
  float* pbuf = q + hw;
  float* p = pbuf + (s.w + 1);  // halo of w + 1 zeros on each side
  std::fill(pbuf, pbuf + hw + 2 * (s.w + 1), 0.0f);

  if (!P.warm) std::fill(x, x + hw, 0.0f);
  else if (P.mode == 1)
    for (int64_t i = 0; i < hw; ++i) x[i] *= s1[i];
  double bb = 0;
#pragma omp simd reduction(+ : bb)
  for (int64_t i = 0; i < hw; ++i) {
    float bi = adjoint ? b[i] / s1[i] : b[i];
    bb += static_cast<double>(bi) * static_cast<double>(bi);
  }
  if (bb == 0) {
    std::fill(x, x + hw, 0.0f);
    P.iterations[sys] = 0;
    P.residuals[sys] = 0.0f;
    return;
  }
  const double threshold = static_cast<double>(P.tol) * static_cast<double>(P.tol) * bb;

  double rr;
  if (P.warm) {
    rr = true_residual(s, b, s1, adjoint, x, p, r);
  } else {
    for (int64_t i = 0; i < hw; ++i) r[i] = adjoint ? b[i] / s1[i] : b[i];
    rr = bb;
  }
  int it = 0;
  double final_rr = -1;  // the true ||b' - L x||^2 once known
  if (rr <= threshold) final_rr = rr;  // r is the true residual at the start
  bool fresh = true;     // p = r (first iteration, or a restart)
  float beta = 0;
  constexpr int64_t kChunk = 256;
  const int64_t lead = s.w + 1;  // the stencil of pixel i reads p up to i + w + 1
  while (final_rr < 0 && it < P.max_iter) {
    // (A) p = r + beta p, w + 1 pixels ahead of q = L p; p.q
    double pq = 0;
    int64_t updated = 0;
    for (int64_t i0 = 0; i0 < hw; i0 += kChunk) {
      const int64_t i1 = std::min(hw, i0 + kChunk), e = std::min(hw, i1 + lead);
      if (e > updated) {
        if (fresh) {
          std::memcpy(p + updated, r + updated, static_cast<size_t>(e - updated) * sizeof(float));
        } else {
#pragma omp simd
          for (int64_t i = updated; i < e; ++i) p[i] = r[i] + beta * p[i];
        }
        updated = e;
      }
      pq += stencil_any(s, p, q, i0, i1);
    }
    fresh = false;
    if (!(pq > 0)) break;  // p = 0 or non-finite input
    // (B) x += a p, r -= a q; r.r
    const float a = static_cast<float>(rr / pq);
    double rr_new = 0;
#pragma omp simd reduction(+ : rr_new)
    for (int64_t i = 0; i < hw; ++i) {
      x[i] += a * p[i];
      float ri = r[i] - a * q[i];
      r[i] = ri;
      rr_new += static_cast<double>(ri) * static_cast<double>(ri);
    }
    ++it;
    if (rr_new <= threshold) {
      // Verify with the true residual; restart from it when the recursion drifted.
      const double tt = true_residual(s, b, s1, adjoint, x, p, q);
      if (tt <= threshold) {
        final_rr = tt;
        break;
      }
      std::memcpy(r, q, static_cast<size_t>(hw) * sizeof(float));
      rr = tt;
      fresh = true;
      continue;
    }
    beta = static_cast<float>(rr_new / rr);
    rr = rr_new;
  }
  if (final_rr < 0) final_rr = true_residual(s, b, s1, adjoint, x, p, q);
  P.iterations[sys] = it;
  P.residuals[sys] = static_cast<float>(std::sqrt(final_rr / bb));
  if (P.mode == 1)
    for (int64_t i = 0; i < hw; ++i) x[i] /= s1[i];
}

}  // namespace

void CpuFastBackend::smoothing_graph_build(const SmoothingGraphShape& s, const float* images,
                                           float* weights) {
  const int64_t hw = s.h * s.w;
  parallel_ranges(threads_, s.n, std::max<int64_t>(1, 2048 / std::max<int64_t>(hw, 1)),
                  [&](int64_t b, int64_t e) {
                    SmoothingGraphShape part = s;
                    part.n = e - b;
                    ref::smoothing_graph_build(part, images + b * s.c * hw, weights + b * s.k * hw);
                  });
}

void CpuFastBackend::smoothing_apply(const CgProblem& p, const float* v, float* y) {
  const int64_t hw = p.h * p.w;
  // Ranges of whole graphs, so every range starts at a graph boundary.
  const int64_t graphs = p.systems / p.per_graph;
  parallel_ranges(threads_, graphs, rows_per_grain(hw * p.per_graph * p.k), [&](int64_t b, int64_t e) {
    ref::smoothing_apply((e - b) * p.per_graph, p.per_graph, p.h, p.w, p.k, p.alpha,
                         p.weights + b * p.k * hw, v + b * p.per_graph * hw,
                         y + b * p.per_graph * hw);
  });
}

void CpuFastBackend::smoothing_cg(const CgProblem& p) {
  const int team = static_cast<int>(std::min<int64_t>(threads_, p.systems));
  if (team <= 1) {
    for (int64_t s = 0; s < p.systems; ++s) cg_system(p, s);
    return;
  }
#pragma omp parallel for num_threads(team) schedule(dynamic, 1)
  for (int64_t s = 0; s < p.systems; ++s) cg_system(p, s);
}

}  // namespace ac
