// The interface every compute backend implements: plain pointers and shape structs, no
// validation (the C ABI layer in src/core/api_*.cpp has checked every shape already).
// Backends: CpuReference (plain loops, templated in src/cpu/reference.h), CpuFast
// (OpenBLAS + threads) and Cuda (src/cuda). A backend may throw ac::Error.
#pragma once
#include <cstddef>
#include <cstdint>

namespace ac {

struct ConvShape {
  int64_t n, c, h, w;       // input
  int64_t o, kh, kw;        // filters
  int64_t oh, ow;           // output
  int32_t sh, sw;           // strides
  int32_t pt, pl;           // padding before (top, left); padding after is implied by oh/ow
};

struct PoolShape {
  int64_t n, c, h, w, oh, ow;
  int32_t kh, kw, sh, sw, ph, pw;
};

struct BatchNormShape {
  int64_t n, c, hw;         // x viewed as [n, c, hw]
};

// Host<->device traffic of one backend (ac_context_transfer_counts). The CPU backends count
// logical calls (copy_from_host, copy_to_host, all_finite's flag read, synchronize); the CUDA
// backend counts its real cuMemcpyHtoD/DtoH and cuStreamSynchronize calls.
struct TransferCounts {
  int64_t host_to_device = 0, device_to_host = 0, synchronizations = 0;
};

// When a fused attack step counts a sample as adversarial (advcore.h, ac_criterion): kind 0 =
// untargeted, 1 = targeted (label = the target); margin >= 0, 0 = by the argmax.
struct Criterion {
  int32_t kind = 0;
  float margin = 0;
};

// The operands every fused attack step shares, as raw pointers over rows of [n, d] (logits
// [n, k], labels [n]); an operand a step does not read is null. Templated on the element type
// for the reference kernels (float on the backends, double in the semantic tests).
// rows(b, e) is the same view restricted to rows [b, e), for backends that split over rows.
template <class T>
struct AttackRowsT {
  int64_t n = 0, d = 0, k = 0;
  const T* x = nullptr;
  T* y = nullptr;
  const T* grad = nullptr;
  const T* logits = nullptr;
  const int32_t* labels = nullptr;
  T* best_y = nullptr;
  T* best_norm = nullptr;
  Criterion criterion;

  bool tracking() const { return best_y != nullptr; }
  AttackRowsT rows(int64_t b, int64_t e) const {
    AttackRowsT r = *this;
    r.n = e - b;
    auto at = [](auto* p, int64_t off) { return p ? p + off : p; };
    r.x = at(x, b * d);
    r.y = at(y, b * d);
    r.grad = at(grad, b * d);
    r.logits = at(logits, b * k);
    r.labels = at(labels, b);
    r.best_y = at(best_y, b * d);
    r.best_norm = at(best_norm, b);
    return r;
  }
};
using AttackRows = AttackRowsT<float>;

// Graph-Laplacian smoothing (advcore.h, "Graph-Laplacian smoothing"; reference kernels in
// src/cpu/reference_smoothing.h). Images [n, c, h, w]; the stencil of the normalised
// affinity W' = D^-1/2 W D^-1/2 is [n][k][h*w] (slot order in reference_smoothing.h).
struct SmoothingGraphShape {
  int64_t n = 0, c = 0, h = 0, w = 0;
  int32_t k = 4;       // neighbours: 4 or 8
  int32_t kernel = 0;  // feature kernel: 0 = Laplacian, 1 = Gaussian
  float sigma_f = 0.1f, sigma_s = 1.0f;
};

// What a batched CG solve reads and writes: L_alpha x = b' for `systems` systems of h*w
// unknowns, system s on graph s / per_graph (one graph per image, shared by its channels).
// mode 0: b' = b, x in/out plain; mode 1 (smoothing): b' = b, a warm x0 is x * s1 and the
// output is x / s1; mode 2 (adjoint): b' = b / s1. iterations/residuals get, per system, the
// CG iterations done and ||b' - L x|| / ||b'|| (0 when b' = 0).
struct CgProblem {
  int64_t systems = 0, per_graph = 1, h = 0, w = 0;
  int32_t k = 4, mode = 0, max_iter = 1;
  bool warm = false;
  float alpha = 0.95f, tol = 0.0f;
  const float* weights = nullptr;  // [systems / per_graph][k][h*w]
  const float* s1 = nullptr;       // [systems / per_graph][h*w], modes 1 and 2
  const float* b = nullptr;        // [systems][h*w]
  float* x = nullptr;              // [systems][h*w]
  float* work = nullptr;           // [systems][cg_work_per_system(h, w)]
  int32_t* iterations = nullptr;   // [systems]
  float* residuals = nullptr;      // [systems]
};
// Scratch floats one CG system needs: r, q and p, p with a zero halo of w + 1 on each side
// (so that the fast stencil needs no bounds checks).
inline int64_t cg_work_per_system(int64_t h, int64_t w) { return 3 * (h * w + 2 * (w + 1)); }

// Patch replacement (advcore.h, "Patch replacement"; reference kernels in
// src/cpu/reference_patches.h): features [n, depth, h, w] cut into depth / d slices of d
// channels and square patches of side p at stride c; rows x cols patch positions per slice,
// the i-th at patch_origin(i, rows, c, h, p). Patches are [depth / d][n * rows * cols][p p d].
struct PatchShape {
  int64_t n = 0, depth = 0, h = 0, w = 0;
  int64_t d = 1, p = 1, c = 1;
  int64_t rows = 0, cols = 0;
  int64_t slices() const { return depth / d; }
  int64_t per_image() const { return rows * cols; }
  int64_t dim() const { return p * p * d; }
};
// Positions of a patch of side p at stride c along an extent (p <= extent, 1 <= c <= p):
// 0, c, 2c, ... while the patch fits, plus extent - p when the last one misses the end.
inline int64_t patch_positions(int64_t extent, int64_t p, int64_t c) {
  return (extent - p) / c + 1 + ((extent - p) % c != 0 ? 1 : 0);
}
inline int64_t patch_origin(int64_t i, int64_t positions, int64_t c, int64_t extent, int64_t p) {
  return i + 1 < positions || (extent - p) % c == 0 ? i * c : extent - p;
}

// k-NN (Backend::knn): the largest k, and how many candidates beyond k a backend that ranks by
// an approximate distance keeps for the exact recomputation.
constexpr int32_t kKnnMaxK = 64;
constexpr int32_t kKnnSlack = 4;
inline int32_t knn_candidates(int64_t K, int32_t k) {
  return static_cast<int32_t>(K < k + kKnnSlack ? K : k + kKnnSlack);
}

enum class Loss : int32_t {
  CrossEntropy = 0,
  LogProbMargin = 1,
  CwMargin = 2,
  CwMarginTargeted = 3,
  Dlr = 4,
  DlrTargeted = 5,
};
// int32 labels per sample: DlrTargeted reads the pair (y_i, t_i) at labels[2i], labels[2i+1];
// every other loss reads labels[i].
inline int64_t loss_labels_per_row(Loss kind) { return kind == Loss::DlrTargeted ? 2 : 1; }
enum class Activation : int32_t { Relu = 0, LeakyRelu = 1, BoundedRelu = 2 };

class Backend {
 public:
  virtual ~Backend() = default;
  virtual const char* name() const = 0;
  // Counted by each backend where the transfer happens; read and reset by the ABI.
  TransferCounts transfers;
  // Bytes of scratch memory held between calls (im2col buffers, caches).
  virtual int64_t workspace_bytes() const { return 0; }

  // ---- memory (bytes); host pointers are plain host memory
  virtual void* alloc(size_t bytes) = 0;
  virtual void free(void* p) noexcept = 0;
  virtual void copy_from_host(void* dst, const void* src, size_t bytes) = 0;
  virtual void copy_to_host(void* dst, const void* src, size_t bytes) = 0;
  virtual void copy(void* dst, const void* src, size_t bytes) = 0;  // device to device
  virtual void fill(float* x, int64_t count, float value) = 0;
  virtual void synchronize() = 0;
  // 1 if all `count` floats are finite
  virtual bool all_finite(const float* x, int64_t count) = 0;
  // Philox-based fills: element i uses counter (offset + i / 4, lane i % 4) of `seed`.
  virtual void fill_normal(float* x, int64_t count, float mean, float std, uint64_t seed,
                           uint64_t offset) = 0;
  virtual void fill_uniform(float* x, int64_t count, float lo, float hi, uint64_t seed,
                            uint64_t offset) = 0;

  // ---- layers
  virtual void conv2d_forward(const ConvShape& s, const float* x, const float* w,
                              const float* b, float* y) = 0;
  // any of dx, dw, db may be null
  virtual void conv2d_backward(const ConvShape& s, const float* x, const float* w,
                               const float* dy, float* dx, float* dw, float* db) = 0;
  virtual void linear_forward(int64_t n, int64_t in, int64_t out, const float* x,
                              const float* w, const float* b, float* y) = 0;
  virtual void linear_backward(int64_t n, int64_t in, int64_t out, const float* x,
                               const float* w, const float* dy, float* dx, float* dw,
                               float* db) = 0;
  virtual void activation_forward(Activation kind, float param, int64_t count, const float* x,
                                  float* y) = 0;
  virtual void activation_backward(Activation kind, float param, int64_t count,
                                   const float* x, const float* dy, float* dx) = 0;
  virtual void maxpool_forward(const PoolShape& s, const float* x, float* y) = 0;
  virtual void maxpool_backward(const PoolShape& s, const float* x, const float* dy,
                                float* dx) = 0;
  virtual void avgpool_forward(const PoolShape& s, const float* x, float* y) = 0;
  virtual void avgpool_backward(const PoolShape& s, const float* dy, float* dx) = 0;
  virtual void global_avgpool_forward(int64_t nc, int64_t hw, const float* x, float* y) = 0;
  virtual void global_avgpool_backward(int64_t nc, int64_t hw, const float* dy, float* dx) = 0;
  virtual void batchnorm_forward(const BatchNormShape& s, const float* x, const float* gamma,
                                 const float* beta, float* running_mean, float* running_var,
                                 float* save_mean, float* save_invstd, float* y, bool training,
                                 float momentum, float eps) = 0;
  virtual void batchnorm_backward(const BatchNormShape& s, const float* x, const float* gamma,
                                  const float* save_mean, const float* save_invstd,
                                  const float* dy, float* dx, float* dgamma, float* dbeta,
                                  bool training) = 0;
  virtual void dropout_forward(int64_t count, const float* x, float* mask, float* y, float p,
                               uint64_t seed, uint64_t offset) = 0;
  virtual void mul(int64_t count, const float* a, const float* b, float* y) = 0;  // y = a*b
  virtual void add(int64_t count, const float* a, const float* b, float* y) = 0;  // y = a+b

  // ---- losses: labels already range-checked (loss_labels_per_row(kind) per sample, see
  //      src/cpu/reference_loss.h); dlogits may be null
  virtual void loss_forward_backward(Loss kind, float param, int64_t n, int64_t k,
                                     const float* logits, const int32_t* labels, float* loss,
                                     float* dlogits) = 0;
  virtual void argmax(int64_t n, int64_t k, const float* logits, int32_t* pred) = 0;

  // ---- optimisers
  virtual void adam_update(int64_t count, float* param, const float* grad, float* m, float* v,
                           float lr, float beta1, float beta2, float eps, float weight_decay,
                           int64_t step) = 0;
  virtual void sgd_update(int64_t count, float* param, const float* grad, float* vel, float lr,
                          float momentum, float weight_decay, bool nesterov) = 0;

  // ---- per-sample vector primitives over x viewed as [n, d]
  virtual void batch_l2_norm(int64_t n, int64_t d, const float* x, float* out) = 0;
  virtual void batch_linf_norm(int64_t n, int64_t d, const float* x, float* out) = 0;
  virtual void batch_dot(int64_t n, int64_t d, const float* a, const float* b, float* out) = 0;
  virtual void batch_axpy(int64_t n, int64_t d, const float* alpha, const float* x,
                          float* y) = 0;
  virtual void batch_scale(int64_t n, int64_t d, const float* alpha, float* x) = 0;
  virtual void clip01(int64_t count, float* x) = 0;
  virtual void project_l2(int64_t n, int64_t d, const float* center, const float* eps,
                          float* y) = 0;
  virtual void project_linf(int64_t n, int64_t d, const float* center, const float* eps,
                            float* y) = 0;
  virtual void quantize8(int64_t count, float* x) = 0;

  // ---- Gaussian low-pass and SmoothClip (semantics in advcore.h, section "Gaussian
  // low-pass and SmoothClip"; reference kernels in src/cpu/reference_lowpass.h)
  // y = g_sigma * x over `planes` planes of h x w (separable, zero padding 'same'); y may be x.
  virtual void gaussian_blur(int64_t planes, int64_t h, int64_t w, float sigma, const float* x,
                             float* y) = 0;
  // SmoothClip's out-of-range masks and update coefficients over x, r viewed as [n, d].
  virtual void smooth_clip_masks(int64_t n, int64_t d, const float* x, const float* r, float eps,
                                 float* m0, float* m1, float* a0, float* a1,
                                 int32_t* outside) = 0;

  // ---- patch replacement (PatchShape above; semantics in advcore.h, "Patch replacement";
  // reference kernels in src/cpu/reference_patches.h). Shapes and parameters are checked.
  // patches [s.slices()][s.n * s.per_image()][s.dim()] <- features [s.n, s.depth, s.h, s.w].
  virtual void patches_extract(const PatchShape& s, const float* features, float* patches) = 0;
  // features <- the double mean of the covering patch values (row-major patch order).
  virtual void patches_rebuild(const PatchShape& s, const float* patches, float* features) = 0;
  // patches [rows][dim] <- strategy (ac_patch_strategy 0..3) of (patches, quantized).
  virtual void patch_strategy_apply(int64_t rows, int64_t dim, int32_t strategy, float eps,
                                    float* patches, const float* quantized) = 0;
  // out[8b .. 8b+7] <- scale * nearest E8 point to x[8b .. 8b+7] / scale; out may be x.
  virtual void e8_quantize(int64_t blocks, float scale, const float* x, float* out) = 0;

  // ---- nearest neighbours (advcore.h, "Nearest neighbours"; reference kernels in
  // src/cpu/reference_knn.h). Shapes, k and (with value checks on) finiteness and index ranges
  // are checked by api_knn.cpp.
  // indices/distances [n][k] <- the k nearest of the K codebook rows [K][d] to each query [n][d],
  // by (exact float distance, index); 1 <= k <= min(K, kKnnMaxK).
  virtual void knn(int64_t n, int64_t K, int64_t d, int32_t k, const float* queries,
                   const float* codebook, const float* codebook_sq_norms, int32_t* indices,
                   float* distances) = 0;
  // out[i] <- sum_j x[i][j]^2 in double, rounded to float.
  virtual void row_sq_norms(int64_t n, int64_t d, const float* x, float* out) = 0;
  // out[i][:] <- table[indices[i]][:]; a row whose index is outside [0, K) becomes NaN.
  virtual void gather_rows(int64_t n, int64_t K, int64_t d, const float* table,
                           const int32_t* indices, float* out) = 0;

  // ---- fused attack steps (semantics in advcore.h, section "fused attack steps"; reference
  // kernels in src/cpu/attack_steps.h). `o` holds the shared operands (AttackRows: rows of
  // [n, d], logits [n, k], labels range-checked, best_y/best_norm both null or both set,
  // operands a step does not read are null); each step's own state follows. The defaults,
  // defined once in src/cpu/attack_steps.cpp, run the reference kernels over ranges of rows on
  // host_threads() threads for the backends whose memory is the host's; a device backend
  // overrides every step (the defaults refuse to run when host_threads() is 0). So a new fused
  // step touches advcore.h, api_attacks.cpp, this header, attack_steps.h/.cpp, and the CUDA
  // files (attack.cu, kernels.h, cuda_backend.cpp).
  virtual int host_threads() const { return 0; }
  virtual void attack_keep_best(const AttackRows& o, int32_t* adversarial);
  // norm: 0 = L2, 1 = Linf. o.logits/labels/best_y/best_norm null: no best tracking.
  virtual void pgd_step(const AttackRows& o, const float* eps, const float* alpha, int32_t norm,
                        float grad_sign, bool quantize);
  virtual void ddn_step(const AttackRows& o, float* radius, float alpha, float gamma,
                        float grad_sign, bool quantize);
  // rounding: 0 = at the end (iterates only clipped), 1 = Q each iteration, 2 = Q_IN/Q_OUT.
  virtual void bp_step(const AttackRows& o, int32_t* stage, float gamma, float alpha,
                       float beta_min, float grad_sign, int32_t rounding);
  // beta may be null.
  virtual void quantized_line_search(int64_t n, int64_t d, const float* x, const float* y,
                                     const float* z, float* out, float* beta);
  virtual void cw_init(int64_t n, int64_t d, const float* x, float* w, float* y);
  virtual void cw_step(const AttackRows& o, float* w, const float* lambda, float* m, float* v,
                       int32_t* found, float lr, float beta1, float beta2, float eps,
                       int64_t step);
  // jacobian is class-major [k, n, d]; o.grad/best_y/best_norm are null.
  virtual void deepfool_step(const AttackRows& o, float* r_total, const float* jacobian,
                             int32_t* active, float overshoot);
  // domain: 1 = never changed, 2 = changed and may move again, 0 = out. o.x/grad/best_* null.
  virtual void jsma_step(const AttackRows& o, const float* grad_target, const float* grad_other,
                         float* domain, int32_t* changed, int32_t* active, float theta,
                         int64_t max_changed);

  // ---- graph-Laplacian smoothing (CgProblem / SmoothingGraphShape above). Every shape and
  // parameter has been checked by api_smoothing.cpp. The defaults refuse (not_implemented).
  // weights <- the normalised stencil of each image of `images` [n, c, h, w].
  virtual void smoothing_graph_build(const SmoothingGraphShape& s, const float* images,
                                     float* weights);
  // y <- L_alpha v for every system (p.b, p.x, p.work, p.iterations, p.residuals unused).
  virtual void smoothing_apply(const CgProblem& p, const float* v, float* y);
  // The batched conjugate-gradient solve described at CgProblem.
  virtual void smoothing_cg(const CgProblem& p);

  // ---- CUDA graphs (stream capture), optional. nullptr when this backend can capture;
  // otherwise why not (the CPU backends run every call eagerly: nothing to capture).
  virtual const char* graph_unsupported_reason() const {
    return "the CPU backends run every call at once; there is nothing to capture";
  }
  // Between graph_begin and graph_end the backend records its work instead of running it;
  // anything that needs the host (copies to or from host memory, synchronize, all_finite)
  // fails with AC_ERR_INVALID_ARGUMENT. graph_end returns an opaque executable graph.
  virtual void graph_begin() { not_implemented("graph_begin"); }
  virtual void* graph_end() { not_implemented("graph_end"); }
  virtual void graph_launch(void* /*graph*/) { not_implemented("graph_launch"); }
  virtual void graph_destroy(void* /*graph*/) noexcept {}

  // Fails with AC_ERR_NOT_AVAILABLE: `op` is not implemented on this backend.
  [[noreturn]] void not_implemented(const char* op) const;

 protected:
};

}  // namespace ac
