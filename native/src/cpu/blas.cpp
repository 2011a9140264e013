#include "blas.h"

#include <algorithm>

namespace ac {

void use_single_threaded_blas() { openblas_set_num_threads(1); }

void parallel_sgemm(const char* op, int threads, CBLAS_TRANSPOSE trans_a, CBLAS_TRANSPOSE trans_b,
                    int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
                    const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  const blasint bk = blas_dim(op, k, "GEMM depth"), blda = blas_dim(op, lda, "lda"),
                bldb = blas_dim(op, ldb, "ldb"), bldc = blas_dim(op, ldc, "ldc");
  blas_dim(op, m, "GEMM rows");
  blas_dim(op, n, "GEMM columns");
  // Below ~1 MFLOP per thread the fork costs more than it saves.
  const double flops = 2.0 * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
  const bool split_columns = n >= m;
  const int64_t extent = split_columns ? n : m;
  constexpr int64_t kBlock = 16;  // keep blocks a multiple of the micro-kernel width
  int64_t parts = std::min<int64_t>({threads, static_cast<int64_t>(flops / 1e6) + 1,
                                     (extent + kBlock - 1) / kBlock});
  parts = std::max<int64_t>(parts, 1);
#pragma omp parallel for num_threads(static_cast<int>(parts)) schedule(static, 1) if (parts > 1)
  for (int64_t t = 0; t < parts; ++t) {
    const int64_t lo = t == 0 ? 0 : extent * t / parts / kBlock * kBlock;
    const int64_t hi = t + 1 == parts ? extent : extent * (t + 1) / parts / kBlock * kBlock;
    if (lo >= hi) continue;
    const auto len = static_cast<blasint>(hi - lo);
    if (split_columns) {
      // Columns [lo, hi) of C need columns [lo, hi) of op(B): B is k x n (NoTrans) or n x k.
      const float* b_part = trans_b == CblasNoTrans ? b + lo : b + lo * ldb;
      cblas_sgemm(CblasRowMajor, trans_a, trans_b, static_cast<blasint>(m), len, bk, alpha, a,
                  blda, b_part, bldb, beta, c + lo, bldc);
    } else {
      // Rows [lo, hi) of C need rows [lo, hi) of op(A): A is m x k (NoTrans) or k x m.
      const float* a_part = trans_a == CblasNoTrans ? a + lo * lda : a + lo;
      cblas_sgemm(CblasRowMajor, trans_a, trans_b, len, static_cast<blasint>(n), bk, alpha,
                  a_part, blda, b, bldb, beta, c + lo * ldc, bldc);
    }
  }
}

}  // namespace ac
