// The CPU reference backend: every op is the plain reference<float> kernel, single-threaded.
// Selected with AC_CONTEXT_REFERENCE_KERNELS; it is the yardstick, not the workhorse.
#include <cmath>
#include <cstring>

#include "core/context.h"
#include "host_memory.h"
#include "reference.h"
#include "reference_smoothing.h"
#include "reference_knn.h"

namespace ac {
namespace {

class CpuReferenceBackend final : public Backend {
 public:
  const char* name() const override { return "cpu-reference"; }

  void* alloc(size_t bytes) override { return host_alloc(bytes); }
  void free(void* p) noexcept override { host_free(p); }
  // Host memory is device memory here; the counters still count the logical transfers so
  // that "no device read in this loop" can be tested on every backend.
  void copy_from_host(void* dst, const void* src, size_t bytes) override {
    ++transfers.host_to_device;
    std::memcpy(dst, src, bytes);
  }
  void copy_to_host(void* dst, const void* src, size_t bytes) override {
    ++transfers.device_to_host;
    std::memcpy(dst, src, bytes);
  }
  void copy(void* dst, const void* src, size_t bytes) override { std::memmove(dst, src, bytes); }
  void fill(float* x, int64_t count, float value) override {
    for (int64_t i = 0; i < count; ++i) x[i] = value;
  }
  void synchronize() override { ++transfers.synchronizations; }
  bool all_finite(const float* x, int64_t count) override {
    ++transfers.device_to_host;  // the verdict is a device read on a GPU
    for (int64_t i = 0; i < count; ++i)
      if (!std::isfinite(x[i])) return false;
    return true;
  }
  void fill_normal(float* x, int64_t count, float mean, float std, uint64_t seed,
                   uint64_t offset) override {
    ref::fill_normal(x, count, mean, std, seed, offset);
  }
  void fill_uniform(float* x, int64_t count, float lo, float hi, uint64_t seed,
                    uint64_t offset) override {
    ref::fill_uniform(x, count, lo, hi, seed, offset);
  }

  void conv2d_forward(const ConvShape& s, const float* x, const float* w, const float* b,
                      float* y) override {
    ref::conv2d_forward(s, x, w, b, y);
  }
  void conv2d_backward(const ConvShape& s, const float* x, const float* w, const float* dy,
                       float* dx, float* dw, float* db) override {
    ref::conv2d_backward(s, x, w, dy, dx, dw, db);
  }
  void linear_forward(int64_t n, int64_t in, int64_t out, const float* x, const float* w,
                      const float* b, float* y) override {
    ref::linear_forward(n, in, out, x, w, b, y);
  }
  void linear_backward(int64_t n, int64_t in, int64_t out, const float* x, const float* w,
                       const float* dy, float* dx, float* dw, float* db) override {
    ref::linear_backward(n, in, out, x, w, dy, dx, dw, db);
  }
  void activation_forward(Activation kind, float param, int64_t count, const float* x,
                          float* y) override {
    ref::activation_forward(kind, param, count, x, y);
  }
  void activation_backward(Activation kind, float param, int64_t count, const float* x,
                           const float* dy, float* dx) override {
    ref::activation_backward(kind, param, count, x, dy, dx);
  }
  void maxpool_forward(const PoolShape& s, const float* x, float* y) override {
    ref::maxpool_forward(s, x, y);
  }
  void maxpool_backward(const PoolShape& s, const float* x, const float* dy, float* dx) override {
    ref::maxpool_backward(s, x, dy, dx);
  }
  void avgpool_forward(const PoolShape& s, const float* x, float* y) override {
    ref::avgpool_forward(s, x, y);
  }
  void avgpool_backward(const PoolShape& s, const float* dy, float* dx) override {
    ref::avgpool_backward(s, dy, dx);
  }
  void global_avgpool_forward(int64_t nc, int64_t hw, const float* x, float* y) override {
    ref::global_avgpool_forward(nc, hw, x, y);
  }
  void global_avgpool_backward(int64_t nc, int64_t hw, const float* dy, float* dx) override {
    ref::global_avgpool_backward(nc, hw, dy, dx);
  }
  void batchnorm_forward(const BatchNormShape& s, const float* x, const float* gamma,
                         const float* beta, float* running_mean, float* running_var,
                         float* save_mean, float* save_invstd, float* y, bool training,
                         float momentum, float eps) override {
    ref::batchnorm_forward(s, x, gamma, beta, running_mean, running_var, save_mean, save_invstd,
                           y, training, momentum, eps);
  }
  void batchnorm_backward(const BatchNormShape& s, const float* x, const float* gamma,
                          const float* save_mean, const float* save_invstd, const float* dy,
                          float* dx, float* dgamma, float* dbeta, bool training) override {
    ref::batchnorm_backward(s, x, gamma, save_mean, save_invstd, dy, dx, dgamma, dbeta, training);
  }
  void dropout_forward(int64_t count, const float* x, float* mask, float* y, float p,
                       uint64_t seed, uint64_t offset) override {
    ref::dropout_forward(count, x, mask, y, p, seed, offset);
  }
  void mul(int64_t count, const float* a, const float* b, float* y) override {
    ref::mul(count, a, b, y);
  }
  void add(int64_t count, const float* a, const float* b, float* y) override {
    ref::add(count, a, b, y);
  }

  void loss_forward_backward(Loss kind, float param, int64_t n, int64_t k, const float* logits,
                             const int32_t* labels, float* loss, float* dlogits) override {
    ref::loss_forward_backward(kind, param, n, k, logits, labels, loss, dlogits);
  }
  void argmax(int64_t n, int64_t k, const float* logits, int32_t* pred) override {
    ref::argmax(n, k, logits, pred);
  }

  void adam_update(int64_t count, float* param, const float* grad, float* m, float* v, float lr,
                   float beta1, float beta2, float eps, float weight_decay,
                   int64_t step) override {
    ref::adam_update(count, param, grad, m, v, lr, beta1, beta2, eps, weight_decay, step);
  }
  void sgd_update(int64_t count, float* param, const float* grad, float* vel, float lr,
                  float momentum, float weight_decay, bool nesterov) override {
    ref::sgd_update(count, param, grad, vel, lr, momentum, weight_decay, nesterov);
  }

  void batch_l2_norm(int64_t n, int64_t d, const float* x, float* out) override {
    ref::batch_l2_norm(n, d, x, out);
  }
  void batch_linf_norm(int64_t n, int64_t d, const float* x, float* out) override {
    ref::batch_linf_norm(n, d, x, out);
  }
  void batch_dot(int64_t n, int64_t d, const float* a, const float* b, float* out) override {
    ref::batch_dot(n, d, a, b, out);
  }
  void batch_axpy(int64_t n, int64_t d, const float* alpha, const float* x, float* y) override {
    ref::batch_axpy(n, d, alpha, x, y);
  }
  void batch_scale(int64_t n, int64_t d, const float* alpha, float* x) override {
    ref::batch_scale(n, d, alpha, x);
  }
  void clip01(int64_t count, float* x) override { ref::clip01(count, x); }
  void project_l2(int64_t n, int64_t d, const float* center, const float* eps,
                  float* y) override {
    ref::project_l2(n, d, center, eps, y);
  }
  void project_linf(int64_t n, int64_t d, const float* center, const float* eps,
                    float* y) override {
    ref::project_linf(n, d, center, eps, y);
  }
  void quantize8(int64_t count, float* x) override { ref::quantize8(count, x); }

  // Graph-Laplacian smoothing: the plain kernels of reference_smoothing.h.
  void smoothing_graph_build(const SmoothingGraphShape& s, const float* images,
                             float* weights) override {
    ref::smoothing_graph_build(s, images, weights);
  }
  void smoothing_apply(const CgProblem& p, const float* v, float* y) override {
    ref::smoothing_apply(p.systems, p.per_graph, p.h, p.w, p.k, p.alpha, p.weights, v, y);
  }
  void smoothing_cg(const CgProblem& p) override {
    ref::smoothing_cg(p.systems, p.per_graph, p.h, p.w, p.k, p.mode, p.warm, p.max_iter, p.alpha,
                      p.tol, p.weights, p.s1, p.b, p.x, p.iterations, p.residuals);
  }

  void gaussian_blur(int64_t planes, int64_t h, int64_t w, float sigma, const float* x,
                     float* y) override {
    ref::gaussian_blur(planes, h, w, sigma, x, y);
  }
  void smooth_clip_masks(int64_t n, int64_t d, const float* x, const float* r, float eps,
                         float* m0, float* m1, float* a0, float* a1, int32_t* outside) override {
    ref::smooth_clip_masks(n, d, x, r, eps, m0, m1, a0, a1, outside);
  }

  void patches_extract(const PatchShape& s, const float* features, float* patches) override {
    ref::patches_extract(s, features, patches);
  }
  void patches_rebuild(const PatchShape& s, const float* patches, float* features) override {
    ref::patches_rebuild(s, patches, features);
  }
  void patch_strategy_apply(int64_t rows, int64_t dim, int32_t strategy, float eps,
                            float* patches, const float* quantized) override {
    ref::patch_strategy_apply(rows, dim, strategy, eps, patches, quantized);
  }
  void e8_quantize(int64_t blocks, float scale, const float* x, float* out) override {
    ref::e8_quantize(blocks, scale, x, out);
  }

  // Nearest neighbours: the plain kernels of reference_knn.h (every distance, then selection).
  void knn(int64_t n, int64_t K, int64_t d, int32_t k, const float* queries, const float* codebook,
           const float* /*codebook_sq_norms*/, int32_t* indices, float* distances) override {
    ref::knn(n, K, d, k, queries, codebook, indices, distances);
  }
  void row_sq_norms(int64_t n, int64_t d, const float* x, float* out) override {
    ref::row_sq_norms(n, d, x, out);
  }
  void gather_rows(int64_t n, int64_t K, int64_t d, const float* table, const int32_t* indices,
                   float* out) override {
    ref::gather_rows(n, K, d, table, indices, out);
  }

  // Fused attack steps: the host defaults of Backend (cpu/attack_steps.cpp), one thread.
  int host_threads() const override { return 1; }
};

}  // namespace

std::unique_ptr<Backend> make_cpu_reference_backend() {
  return std::make_unique<CpuReferenceBackend>();
}

}  // namespace ac
