// Fully connected layer helpers; the products themselves are GEMMs (cuBLAS, or ac_sgemm).
#include "devmath.cuh"
#include "kernel_args.h"

// y[r][c] += b[c].
extern "C" __global__ void ac_bias_rows(float* y, const float* b, int64_t rows, int64_t cols) {
  const int64_t total = rows * cols;
  for (int64_t t = ac_global_thread(); t < total; t += ac_grid_threads()) y[t] += b[t % cols];
}

// out[c] = sum_r v[r][c] in double. One thread per column; neighbouring threads read
// neighbouring columns, so each row's loads are coalesced.
extern "C" __global__ void ac_column_sum(const float* v, float* out, int64_t rows, int64_t cols) {
  for (int64_t c = ac_global_thread(); c < cols; c += ac_grid_threads()) {
    double sum = 0.0;
    for (int64_t r = 0; r < rows; ++r) sum += static_cast<double>(v[r * cols + c]);
    out[c] = static_cast<float>(sum);
  }
}
