// The fast CPU backend: convolutions and linear layers through OpenBLAS sgemm (im2col /
// col2im over chunks of samples; GEMMs split over our OpenMP team, see blas.h), everything
// else through OpenMP loops over ranges that
// call the reference kernels (which are exact per element, per row or per channel, so a
// split changes nothing). One context's ops run one at a time (a mutex guards the shared
// workspace); the workspace only grows, so steady-state loops allocate nothing.
#pragma once
#include <memory>
#include <mutex>

#include "core/backend.h"
#include "workspace.h"

namespace ac {

class CpuFastBackend final : public Backend {
 public:
  // Columns of one im2col chunk are capped at this many bytes: small enough to stay in the
  // last-level cache next to the filters, large enough that one GEMM covers several small
  // images (a 28x28 MNIST sample with a 3x3x64 input is ~1.7 MiB of columns).
  static constexpr size_t kDefaultColumnBudget = size_t{4} << 20;

  explicit CpuFastBackend(int threads, size_t column_budget_bytes = kDefaultColumnBudget);

  const char* name() const override { return "cpu-fast"; }
  int64_t workspace_bytes() const override;
  int threads() const { return threads_; }

  void* alloc(size_t bytes) override;
  void free(void* p) noexcept override;
  void copy_from_host(void* dst, const void* src, size_t bytes) override;
  void copy_to_host(void* dst, const void* src, size_t bytes) override;
  void copy(void* dst, const void* src, size_t bytes) override;
  void fill(float* x, int64_t count, float value) override;
  void synchronize() override { ++transfers.synchronizations; }
  bool all_finite(const float* x, int64_t count) override;
  void fill_normal(float* x, int64_t count, float mean, float std, uint64_t seed,
                   uint64_t offset) override;
  void fill_uniform(float* x, int64_t count, float lo, float hi, uint64_t seed,
                    uint64_t offset) override;

  // fast_conv.cpp
  void conv2d_forward(const ConvShape& s, const float* x, const float* w, const float* b,
                      float* y) override;
  void conv2d_backward(const ConvShape& s, const float* x, const float* w, const float* dy,
                       float* dx, float* dw, float* db) override;
  // fast_linear.cpp
  void linear_forward(int64_t n, int64_t in, int64_t out, const float* x, const float* w,
                      const float* b, float* y) override;
  void linear_backward(int64_t n, int64_t in, int64_t out, const float* x, const float* w,
                       const float* dy, float* dx, float* dw, float* db) override;
  // fast_elementwise.cpp
  void activation_forward(Activation kind, float param, int64_t count, const float* x,
                          float* y) override;
  void activation_backward(Activation kind, float param, int64_t count, const float* x,
                           const float* dy, float* dx) override;
  void dropout_forward(int64_t count, const float* x, float* mask, float* y, float p,
                       uint64_t seed, uint64_t offset) override;
  void mul(int64_t count, const float* a, const float* b, float* y) override;
  void add(int64_t count, const float* a, const float* b, float* y) override;
  void clip01(int64_t count, float* x) override;
  void quantize8(int64_t count, float* x) override;
  void adam_update(int64_t count, float* param, const float* grad, float* m, float* v, float lr,
                   float beta1, float beta2, float eps, float weight_decay,
                   int64_t step) override;
  void sgd_update(int64_t count, float* param, const float* grad, float* vel, float lr,
                  float momentum, float weight_decay, bool nesterov) override;
  // fast_pool.cpp
  void maxpool_forward(const PoolShape& s, const float* x, float* y) override;
  void maxpool_backward(const PoolShape& s, const float* x, const float* dy, float* dx) override;
  void avgpool_forward(const PoolShape& s, const float* x, float* y) override;
  void avgpool_backward(const PoolShape& s, const float* dy, float* dx) override;
  void global_avgpool_forward(int64_t nc, int64_t hw, const float* x, float* y) override;
  void global_avgpool_backward(int64_t nc, int64_t hw, const float* dy, float* dx) override;
  // fast_batchnorm.cpp
  void batchnorm_forward(const BatchNormShape& s, const float* x, const float* gamma,
                         const float* beta, float* running_mean, float* running_var,
                         float* save_mean, float* save_invstd, float* y, bool training,
                         float momentum, float eps) override;
  void batchnorm_backward(const BatchNormShape& s, const float* x, const float* gamma,
                          const float* save_mean, const float* save_invstd, const float* dy,
                          float* dx, float* dgamma, float* dbeta, bool training) override;
  // fast_per_sample.cpp
  void loss_forward_backward(Loss kind, float param, int64_t n, int64_t k, const float* logits,
                             const int32_t* labels, float* loss, float* dlogits) override;
  void argmax(int64_t n, int64_t k, const float* logits, int32_t* pred) override;
  void batch_l2_norm(int64_t n, int64_t d, const float* x, float* out) override;
  void batch_linf_norm(int64_t n, int64_t d, const float* x, float* out) override;
  void batch_dot(int64_t n, int64_t d, const float* a, const float* b, float* out) override;
  void batch_axpy(int64_t n, int64_t d, const float* alpha, const float* x, float* y) override;
  void batch_scale(int64_t n, int64_t d, const float* alpha, float* x) override;
  void project_l2(int64_t n, int64_t d, const float* center, const float* eps,
                  float* y) override;
  void project_linf(int64_t n, int64_t d, const float* center, const float* eps,
                    float* y) override;

  // fast_smoothing.cpp
  void smoothing_graph_build(const SmoothingGraphShape& s, const float* images,
                             float* weights) override;
  void smoothing_apply(const CgProblem& p, const float* v, float* y) override;
  void smoothing_cg(const CgProblem& p) override;
  // fast_lowpass.cpp
  void gaussian_blur(int64_t planes, int64_t h, int64_t w, float sigma, const float* x,
                     float* y) override;
  void smooth_clip_masks(int64_t n, int64_t d, const float* x, const float* r, float eps,
                         float* m0, float* m1, float* a0, float* a1, int32_t* outside) override;
  // fast_patches.cpp
  void patches_extract(const PatchShape& s, const float* features, float* patches) override;
  void patches_rebuild(const PatchShape& s, const float* patches, float* features) override;
  void patch_strategy_apply(int64_t rows, int64_t dim, int32_t strategy, float eps, float* patches,
                            const float* quantized) override;
  void e8_quantize(int64_t blocks, float scale, const float* x, float* out) override;
  // fast_knn.cpp
  void knn(int64_t n, int64_t K, int64_t d, int32_t k, const float* queries, const float* codebook,
           const float* codebook_sq_norms, int32_t* indices, float* distances) override;
  void row_sq_norms(int64_t n, int64_t d, const float* x, float* out) override;
  void gather_rows(int64_t n, int64_t K, int64_t d, const float* table, const int32_t* indices,
                   float* out) override;
  // Queries answered by each k-NN path so far (the tests check which one ran).
  struct KnnPaths {
    int64_t pruned = 0, brute_force = 0;
  } knn_paths;

 private:
  // Samples per im2col chunk for this convolution (>= 1) under a column budget in bytes.
  int64_t conv_chunk(const ConvShape& s, size_t budget) const;
  int64_t conv_chunk(const ConvShape& s) const { return conv_chunk(s, column_budget_); }
  // Threads of the sample-parallel path for this batch (1: use the GEMM-split path).
  int conv_sample_threads(const ConvShape& s) const;
  // Runs body(n0, m, columns, staging) over the batch in chunks of m samples, split over a team
  // of threads that each own a column and a staging buffer (staging is null for 1-sample chunks).
  template <class ChunkBody>
  void for_each_sample_chunk(const ConvShape& s, int team, ChunkBody body);

  int threads_;
  size_t column_budget_;
  mutable std::mutex workspace_mutex_;
  Workspace columns_;  // im2col / col2im matrix of one chunk
  Workspace staging_;  // GEMM output or gathered dy of one chunk, [O, chunk * OH * OW]
  // The sample-parallel path's columns and staging, one pair per thread.
  std::unique_ptr<Workspace[]> thread_columns_, thread_staging_;

 public:
  // Fused attack steps: the host defaults of Backend (cpu/attack_steps.cpp) on threads_.
  int host_threads() const override { return threads_; }
};

}  // namespace ac
