// A stand-in libcublas.so.13 for the emulator: the four entry points AdvCore uses, with
// cuBLAS's column-major conventions and its argument checks (a wrong leading dimension is
// CUBLAS_STATUS_INVALID_VALUE, as the real library answers), so the backend's row-major to
// column-major operand swap is exercised for real. Products accumulate in double.
#include <cstdio>
#include <cstdlib>

extern "C" {

struct cublasContext {
  void* stream;
};

int cublasCreate_v2(cublasContext** h) {
  if (!h) return 7;
  *h = new cublasContext{nullptr};
  return 0;
}
int cublasDestroy_v2(cublasContext* h) {
  delete h;
  return 0;
}
int cublasSetStream_v2(cublasContext* h, void* stream) {
  if (!h) return 1;
  h->stream = stream;
  return 0;
}

// C[m x n] = alpha op(A) op(B) + beta C, column-major; op 0 = N, 1 = T.
int cublasSgemm_v2(cublasContext* h, int ta, int tb, int m, int n, int k, const float* alpha,
                   const float* a, int lda, const float* b, int ldb, const float* beta, float* c,
                   int ldc) {
  if (!h) return 1;
  if ((ta != 0 && ta != 1) || (tb != 0 && tb != 1) || m < 0 || n < 0 || k < 0) return 7;
  int a_rows = ta == 0 ? m : k, b_rows = tb == 0 ? k : n;
  if (lda < (a_rows > 1 ? a_rows : 1) || ldb < (b_rows > 1 ? b_rows : 1) || ldc < (m > 1 ? m : 1)) {
    std::fprintf(stderr, "fake cublasSgemm: bad leading dimension (m=%d n=%d k=%d lda=%d ldb=%d ldc=%d ta=%d tb=%d)\n",
                 m, n, k, lda, ldb, ldc, ta, tb);
    return 7;
  }
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < m; ++i) {
      double sum = 0;
      for (int l = 0; l < k; ++l) {
        double av = ta == 0 ? a[i + static_cast<long>(l) * lda] : a[l + static_cast<long>(i) * lda];
        double bv = tb == 0 ? b[l + static_cast<long>(j) * ldb] : b[j + static_cast<long>(l) * ldb];
        sum += av * bv;
      }
      float* cij = c + i + static_cast<long>(j) * ldc;
      double out = static_cast<double>(*alpha) * sum;
      if (*beta != 0.0f) out += static_cast<double>(*beta) * static_cast<double>(*cij);
      *cij = static_cast<float>(out);
    }
  return 0;
}

}  // extern "C"
