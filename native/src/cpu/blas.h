// OpenBLAS's CBLAS interface, a checked narrowing of our 64-bit sizes to its `blasint`, and
// the one GEMM entry point the fast backend uses.
//
// Why we split GEMMs ourselves: the element-wise kernels run on an OpenMP team, and
// OpenBLAS's pthread build keeps a second pool of worker threads that busy-wait long after
// each call. On a 2-core machine the two pools steal each other's cores (measured: a
// 128->128 3x3 conv ran 10x slower than with OMP_WAIT_POLICY=passive). So OpenBLAS runs
// single-threaded and parallel_sgemm hands each OpenMP thread a block of C; one pool does
// all the work. (OpenBLAS >= 0.3.7 threaded builds are safe to call concurrently.)
#pragma once
#include <cblas.h>

#include <climits>
#include <cstdint>

#include "core/error.h"

namespace ac {

inline blasint blas_dim(const char* op, int64_t v, const char* what) {
  if (v > INT_MAX)
    fail(AC_ERR_SHAPE, format("%s: %s = %lld exceeds the BLAS index range", op, what,
                              static_cast<long long>(v)));
  return static_cast<blasint>(v);
}

// Make OpenBLAS compute on the calling thread only (a process-wide setting).
void use_single_threaded_blas();

// Row-major C[m, n] = alpha op(A)[m, k] op(B)[k, n] + beta C, split across `threads`
// OpenMP threads along the larger of m and n (small products stay on one thread).
// `op` names the caller in error messages.
void parallel_sgemm(const char* op, int threads, CBLAS_TRANSPOSE trans_a, CBLAS_TRANSPOSE trans_b,
                    int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
                    const float* b, int64_t ldb, float beta, float* c, int64_t ldc);

}  // namespace ac
