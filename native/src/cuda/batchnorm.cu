// Batch normalisation over x viewed as [n, c, hw] (src/cpu/reference_batchnorm.h is the
// contract; PyTorch conventions). Statistics are reduced in double like the reference,
// one block per channel; the per-channel mean and 1/std are kept in double (`stats`,
// 2*c doubles of scratch) for the normalisation so that x - mean loses nothing, and are
// also written rounded to float into save_mean / save_invstd for the backward pass.
#include "devmath.cuh"
#include "kernel_args.h"

// Element m of channel ch (m in [0, n*hw)).
AC_DEV int64_t ac_bn_at(const AcBnArgs& s, int64_t ch, int64_t m) {
  int64_t ni = m / s.hw, q = m - ni * s.hw;
  return (ni * s.c + ch) * s.hw + q;
}

// Training statistics: two-pass mean and biased variance; running statistics updated with
// the unbiased variance. Launch: grid = c blocks (grid-stride), blockDim multiple of 32.
extern "C" __global__ void ac_bn_stats_train(AcBnArgs s, const float* x, float* running_mean,
                                             float* running_var, float* save_mean,
                                             float* save_invstd, double* stats,
                                             float momentum, float eps) {
  __shared__ double scratch[32];
  const int64_t m = s.n * s.hw;
  for (int64_t ch = blockIdx.x; ch < s.c; ch += gridDim.x) {
    double sum = 0.0;
    for (int64_t k = threadIdx.x; k < m; k += blockDim.x)
      sum += static_cast<double>(x[ac_bn_at(s, ch, k)]);
    double mean = ac_block_sum(sum, scratch) / static_cast<double>(m);
    double sq = 0.0;
    for (int64_t k = threadIdx.x; k < m; k += blockDim.x) {
      double d = static_cast<double>(x[ac_bn_at(s, ch, k)]) - mean;
      sq += d * d;
    }
    sq = ac_block_sum(sq, scratch);
    if (threadIdx.x == 0) {
      double var = sq / static_cast<double>(m);
      double invstd = 1.0 / ac_sqrt(var + static_cast<double>(eps));
      double mom = static_cast<double>(momentum);
      double unbiased = m > 1 ? sq / static_cast<double>(m - 1) : var;
      running_mean[ch] =
          static_cast<float>((1.0 - mom) * static_cast<double>(running_mean[ch]) + mom * mean);
      running_var[ch] =
          static_cast<float>((1.0 - mom) * static_cast<double>(running_var[ch]) + mom * unbiased);
      save_mean[ch] = static_cast<float>(mean);
      save_invstd[ch] = static_cast<float>(invstd);
      stats[2 * ch] = mean;
      stats[2 * ch + 1] = invstd;
    }
  }
}

// Evaluation statistics: the running ones. One thread per channel.
extern "C" __global__ void ac_bn_stats_eval(int64_t c, const float* running_mean,
                                            const float* running_var, float* save_mean,
                                            float* save_invstd, double* stats, float eps) {
  for (int64_t ch = ac_global_thread(); ch < c; ch += ac_grid_threads()) {
    double mean = static_cast<double>(running_mean[ch]);
    double invstd = 1.0 / ac_sqrt(static_cast<double>(running_var[ch]) + static_cast<double>(eps));
    save_mean[ch] = static_cast<float>(mean);
    save_invstd[ch] = static_cast<float>(invstd);
    stats[2 * ch] = mean;
    stats[2 * ch + 1] = invstd;
  }
}

// y = gamma (x - mean) invstd + beta, element-wise.
extern "C" __global__ void ac_bn_apply(AcBnArgs s, const float* x, const float* gamma,
                                       const float* beta, const double* stats, float* y) {
  int64_t total = s.n * s.c * s.hw;
  for (int64_t t = ac_global_thread(); t < total; t += ac_grid_threads()) {
    int64_t ch = (t / s.hw) % s.c;
    double v = static_cast<double>(gamma[ch]) * (static_cast<double>(x[t]) - stats[2 * ch]) *
                   stats[2 * ch + 1] +
               static_cast<double>(beta[ch]);
    y[t] = static_cast<float>(v);
  }
}

// Per channel: sums[2ch] = sum dy, sums[2ch+1] = sum dy * xhat with xhat = (x - mean) invstd
// from the saved float statistics (as the reference). Also writes dbeta / dgamma when given.
extern "C" __global__ void ac_bn_backward_reduce(AcBnArgs s, const float* x, const float* dy,
                                                 const float* save_mean,
                                                 const float* save_invstd, double* sums,
                                                 float* dgamma, float* dbeta) {
  __shared__ double scratch[32];
  const int64_t m = s.n * s.hw;
  for (int64_t ch = blockIdx.x; ch < s.c; ch += gridDim.x) {
    double mean = static_cast<double>(save_mean[ch]);
    double invstd = static_cast<double>(save_invstd[ch]);
    double sdy = 0.0, sdyx = 0.0;
    for (int64_t k = threadIdx.x; k < m; k += blockDim.x) {
      int64_t at = ac_bn_at(s, ch, k);
      double g = static_cast<double>(dy[at]);
      sdy += g;
      sdyx += g * (static_cast<double>(x[at]) - mean) * invstd;
    }
    sdy = ac_block_sum(sdy, scratch);
    sdyx = ac_block_sum(sdyx, scratch);
    if (threadIdx.x == 0) {
      sums[2 * ch] = sdy;
      sums[2 * ch + 1] = sdyx;
      if (dbeta) dbeta[ch] = static_cast<float>(sdy);
      if (dgamma) dgamma[ch] = static_cast<float>(sdyx);
    }
  }
}

// training: dx = gamma invstd / m (m dy - sum_dy - xhat sum_dy_xhat); eval: gamma invstd dy.
extern "C" __global__ void ac_bn_backward_dx(AcBnArgs s, const float* x, const float* dy,
                                             const float* gamma, const float* save_mean,
                                             const float* save_invstd, const double* sums,
                                             float* dx, int training) {
  int64_t total = s.n * s.c * s.hw;
  const double md = static_cast<double>(s.n * s.hw);
  for (int64_t t = ac_global_thread(); t < total; t += ac_grid_threads()) {
    int64_t ch = (t / s.hw) % s.c;
    double invstd = static_cast<double>(save_invstd[ch]);
    double scale = static_cast<double>(gamma[ch]) * invstd;
    double g = static_cast<double>(dy[t]);
    if (training) {
      double xhat = (static_cast<double>(x[t]) - static_cast<double>(save_mean[ch])) * invstd;
      dx[t] = static_cast<float>(scale / md * (md * g - sums[2 * ch] - xhat * sums[2 * ch + 1]));
    } else {
      dx[t] = static_cast<float>(scale * g);
    }
  }
}
