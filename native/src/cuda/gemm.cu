// ac_sgemm: a plain shared-memory tiled SGEMM, used when cuBLAS cannot be loaded (and by
// the parity tests to check the cuBLAS path against an independent one). Row-major:
//   C[M][N] = alpha op(A)[M][K] op(B)[K][N] + beta C,
// op(A)(i, k) = ta ? A[k*lda + i] : A[i*lda + k], op(B)(k, j) = tb ? B[j*ldb + k] : B[k*ldb + j].
// beta == 0 never reads C (it may hold garbage or NaN), as in BLAS.
// Launch: block 256 threads, grid (ceil(N/64), ceil(M/64)). Each thread owns a 4x4 patch.
#include "devmath.cuh"
#include "kernel_args.h"

#define AC_TM 64
#define AC_TN 64
#define AC_TK 16

extern "C" __global__ void __launch_bounds__(256) ac_sgemm(int ta, int tb, int64_t M, int64_t N,
                                                           int64_t K, float alpha,
                                                           const float* A, int64_t lda,
                                                           const float* B, int64_t ldb,
                                                           float beta, float* C, int64_t ldc) {
  __shared__ float As[AC_TK][AC_TM + 4];
  __shared__ float Bs[AC_TK][AC_TN + 4];
  const int tid = static_cast<int>(threadIdx.x);
  const int tx = tid % 16, ty = tid / 16;
  const int64_t row0 = static_cast<int64_t>(blockIdx.y) * AC_TM;
  const int64_t col0 = static_cast<int64_t>(blockIdx.x) * AC_TN;
  float acc[4][4];
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) acc[i][j] = 0.0f;

  for (int64_t k0 = 0; k0 < K; k0 += AC_TK) {
    // Each tile holds 64 x 16 = 1024 values: 4 per thread. The fastest-varying index
    // follows memory order of the operand, so the global loads coalesce.
    for (int r = 0; r < 4; ++r) {
      int e = tid + r * 256;
      int mm, kk;
      if (ta) { mm = e % AC_TM; kk = e / AC_TM; }
      else { kk = e % AC_TK; mm = e / AC_TK; }
      int64_t gi = row0 + mm, gk = k0 + kk;
      float v = 0.0f;
      if (gi < M && gk < K) v = ta ? A[gk * lda + gi] : A[gi * lda + gk];
      As[kk][mm] = v;
    }
    for (int r = 0; r < 4; ++r) {
      int e = tid + r * 256;
      int nn, kk;
      if (tb) { kk = e % AC_TK; nn = e / AC_TK; }
      else { nn = e % AC_TN; kk = e / AC_TN; }
      int64_t gj = col0 + nn, gk = k0 + kk;
      float v = 0.0f;
      if (gj < N && gk < K) v = tb ? B[gj * ldb + gk] : B[gk * ldb + gj];
      Bs[kk][nn] = v;
    }
    __syncthreads();
    for (int kk = 0; kk < AC_TK; ++kk) {
      float a[4], b[4];
      for (int i = 0; i < 4; ++i) a[i] = As[kk][ty * 4 + i];
      for (int j = 0; j < 4; ++j) b[j] = Bs[kk][tx * 4 + j];
      for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j) acc[i][j] = ac_fmaf(a[i], b[j], acc[i][j]);
    }
    __syncthreads();
  }

  for (int i = 0; i < 4; ++i) {
    int64_t gi = row0 + ty * 4 + i;
    if (gi >= M) continue;
    for (int j = 0; j < 4; ++j) {
      int64_t gj = col0 + tx * 4 + j;
      if (gj >= N) continue;
      float v = alpha * acc[i][j];
      if (beta != 0.0f) v += beta * C[gi * ldc + gj];
      C[gi * ldc + gj] = v;
    }
  }
}
