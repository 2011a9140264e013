// Convolution helpers around a GEMM (im2col / col2im), bias and layout shuffles, and a
// direct forward kernel for convolutions with few taps per output (C*KH*KW small, e.g.
// the first layer on 1- or 3-channel images), where building columns costs more than it
// saves. src/cpu/reference_conv.h is the contract.
//
// Column layout for a chunk of `nc` samples starting at n0: col[q][s*P + p] with
// q = (ci*KH + ki)*KW + kj (Q = C*KH*KW rows) and p = oi*OW + oj (P = OH*OW). So the
// forward pass of the whole chunk is one GEMM  tmp[O][nc*P] = W[O][Q] x col[Q][nc*P],
// and the weight gradient is one GEMM  dW[O][Q] += dyT[O][nc*P] x col^T.
#include "devmath.cuh"
#include "kernel_args.h"

extern "C" __global__ void ac_im2col(AcConvArgs s, const float* x, float* col, int64_t n0,
                                     int64_t nc) {
  const int64_t P = s.oh * s.ow, kk = s.kh * s.kw;
  const int64_t total = s.c * kk * nc * P;
  for (int64_t t = ac_global_thread(); t < total; t += ac_grid_threads()) {
    int64_t p = t % P, smp = (t / P) % nc, q = t / (P * nc);
    int64_t ci = q / kk, ki = (q / s.kw) % s.kh, kj = q % s.kw;
    int64_t oi = p / s.ow, oj = p % s.ow;
    int64_t hi = oi * s.sh - s.pt + ki, wj = oj * s.sw - s.pl + kj;
    float v = 0.0f;
    if (hi >= 0 && hi < s.h && wj >= 0 && wj < s.w)
      v = x[(((n0 + smp) * s.c + ci) * s.h + hi) * s.w + wj];
    col[t] = v;
  }
}

// dx for the chunk, gathered from dcol (same layout as col): each input pixel sums the
// taps that reach it from an output position on the stride grid. Overwrites dx.
extern "C" __global__ void ac_col2im(AcConvArgs s, const float* dcol, float* dx, int64_t n0,
                                     int64_t nc) {
  const int64_t P = s.oh * s.ow, cols = nc * P;
  const int64_t total = nc * s.c * s.h * s.w;
  for (int64_t t = ac_global_thread(); t < total; t += ac_grid_threads()) {
    int64_t wj = t % s.w, hi = (t / s.w) % s.h, ci = (t / (s.w * s.h)) % s.c,
            smp = t / (s.w * s.h * s.c);
    float sum = 0.0f;
    for (int64_t ki = 0; ki < s.kh; ++ki) {
      int64_t ti = hi + s.pt - ki;
      if (ti < 0 || ti % s.sh != 0 || ti / s.sh >= s.oh) continue;
      for (int64_t kj = 0; kj < s.kw; ++kj) {
        int64_t tj = wj + s.pl - kj;
        if (tj < 0 || tj % s.sw != 0 || tj / s.sw >= s.ow) continue;
        int64_t q = (ci * s.kh + ki) * s.kw + kj;
        sum += dcol[q * cols + smp * P + (ti / s.sh) * s.ow + tj / s.sw];
      }
    }
    dx[(n0 * s.c) * s.h * s.w + t] = sum;
  }
}

// y[n0+s][o][p] = tmp[o][s*P + p] + (b ? b[o] : 0).
extern "C" __global__ void ac_gemm_to_nchw(const float* tmp, const float* b, float* y,
                                           int64_t o_count, int64_t P, int64_t n0, int64_t nc) {
  const int64_t total = nc * o_count * P;
  for (int64_t t = ac_global_thread(); t < total; t += ac_grid_threads()) {
    int64_t p = t % P, o = (t / P) % o_count, smp = t / (P * o_count);
    float v = tmp[o * (nc * P) + smp * P + p];
    if (b) v += b[o];
    y[n0 * o_count * P + t] = v;
  }
}

// dyT[o][s*P + p] = dy[n0+s][o][p].
extern "C" __global__ void ac_nchw_to_gemm(const float* dy, float* dyt, int64_t o_count,
                                           int64_t P, int64_t n0, int64_t nc) {
  const int64_t total = nc * o_count * P;
  for (int64_t t = ac_global_thread(); t < total; t += ac_grid_threads()) {
    int64_t p = t % P, o = (t / P) % o_count, smp = t / (P * o_count);
    dyt[o * (nc * P) + smp * P + p] = dy[n0 * o_count * P + t];
  }
}

// out[ch] = sum over n and p of v[(n*c + ch)*P + p], in double. One block per channel.
// Used for the convolution bias gradient (c = O, P = OH*OW).
extern "C" __global__ void ac_channel_sum(const float* v, float* out, int64_t n, int64_t c,
                                          int64_t P) {
  __shared__ double scratch[32];
  const int64_t m = n * P;
  for (int64_t ch = blockIdx.x; ch < c; ch += gridDim.x) {
    double sum = 0.0;
    for (int64_t k = threadIdx.x; k < m; k += blockDim.x) {
      int64_t ni = k / P, p = k - ni * P;
      sum += static_cast<double>(v[(ni * c + ch) * P + p]);
    }
    sum = ac_block_sum(sum, scratch);
    if (threadIdx.x == 0) out[ch] = static_cast<float>(sum);
  }
}

// Direct forward convolution: one thread per output element. Neighbouring threads share
// (n, o) and walk neighbouring output columns, so the weight loads are warp-uniform
// broadcasts and the input loads are close together.
extern "C" __global__ void ac_conv_direct_forward(AcConvArgs s, const float* x, const float* w,
                                                  const float* b, float* y) {
  const int64_t total = s.n * s.o * s.oh * s.ow;
  for (int64_t t = ac_global_thread(); t < total; t += ac_grid_threads()) {
    int64_t j = t % s.ow, i = (t / s.ow) % s.oh, o = (t / (s.ow * s.oh)) % s.o,
            ni = t / (s.ow * s.oh * s.o);
    float sum = b ? b[o] : 0.0f;
    const int64_t h0 = i * s.sh - s.pt, w0 = j * s.sw - s.pl;
    for (int64_t ci = 0; ci < s.c; ++ci) {
      const float* xp = x + (ni * s.c + ci) * s.h * s.w;
      const float* wp = w + (o * s.c + ci) * s.kh * s.kw;
      for (int64_t ki = 0; ki < s.kh; ++ki) {
        int64_t hi = h0 + ki;
        if (hi < 0 || hi >= s.h) continue;
        for (int64_t kj = 0; kj < s.kw; ++kj) {
          int64_t wj = w0 + kj;
          if (wj < 0 || wj >= s.w) continue;
          sum = ac_fmaf(xp[hi * s.w + wj], wp[ki * s.kw + kj], sum);
        }
      }
    }
    y[t] = sum;
  }
}
