// Batch norm on the fast CPU backend: channels are independent, so ranges of channels go
// to the reference per-channel kernels on separate threads.
#include "fast_backend.h"
#include "parallel.h"
#include "reference.h"

namespace ac {

void CpuFastBackend::batchnorm_forward(const BatchNormShape& s, const float* x,
                                       const float* gamma, const float* beta,
                                       float* running_mean, float* running_var,
                                       float* save_mean, float* save_invstd, float* y,
                                       bool training, float momentum, float eps) {
  parallel_ranges(threads_, s.c, rows_per_grain(s.n * s.hw), [&](int64_t b, int64_t e) {
    for (int64_t c = b; c < e; ++c)
      ref::batchnorm_forward_channel(s, c, x, gamma, beta, running_mean, running_var, save_mean,
                                     save_invstd, y, training, momentum, eps);
  });
}

void CpuFastBackend::batchnorm_backward(const BatchNormShape& s, const float* x,
                                        const float* gamma, const float* save_mean,
                                        const float* save_invstd, const float* dy, float* dx,
                                        float* dgamma, float* dbeta, bool training) {
  parallel_ranges(threads_, s.c, rows_per_grain(s.n * s.hw), [&](int64_t b, int64_t e) {
    for (int64_t c = b; c < e; ++c)
      ref::batchnorm_backward_channel(s, c, x, gamma, save_mean, save_invstd, dy, dx, dgamma,
                                      dbeta, training);
  });
}

}  // namespace ac
