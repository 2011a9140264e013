/*
 * advcore.h — the whole C ABI of the AdvCore native engine.
 *
 * Conventions (every entry point follows them):
 *  - Every function returns an ac_status. AC_OK (0) is success; anything else is an error
 *    whose human-readable message is available from ac_last_error() on the same thread
 *    until the next failing call. No C++ exception crosses this boundary and the library
 *    never aborts the process.
 *  - Objects are opaque handles created by *_create and released by *_destroy. Destroying
 *    NULL is a no-op. A tensor keeps its context alive (reference counted), so the
 *    release order of handles does not matter.
 *  - Tensors are dense, row-major, owned by the engine and live on their context's device
 *    (host memory for AC_DEVICE_CPU). Images are NCHW float32 in [0,1].
 *  - Every shape is checked on entry; a mismatch returns AC_ERR_SHAPE naming the operand.
 *  - Output tensors are overwritten (never accumulated into) unless a function says so.
 *  - "Per-sample" primitives treat the first dimension N as the batch and act on each
 *    sample's remaining elements as one vector; per-sample scalars are [N] tensors.
 */
#ifndef ADVCORE_H
#define ADVCORE_H

#include <stdint.h>
#include <stddef.h>

#if defined(_WIN32)
#  define AC_API __declspec(dllexport)
#else
#  define AC_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- status and errors */

typedef int32_t ac_status;
enum {
  AC_OK = 0,
  AC_ERR_INVALID_ARGUMENT = 1, /* a null pointer, a negative size, an unknown enum value   */
  AC_ERR_SHAPE = 2,            /* tensor shapes or dtypes do not fit the operation          */
  AC_ERR_OUT_OF_MEMORY = 3,    /* host or device allocation failed                          */
  AC_ERR_NOT_AVAILABLE = 4,    /* the requested backend is not present on this machine      */
  AC_ERR_NON_FINITE = 5,       /* an input held NaN or infinity where that is refused       */
  AC_ERR_LABEL_RANGE = 6,      /* a class label outside [0, classes)                        */
  AC_ERR_DEVICE = 7,           /* a device (CUDA) call failed; the message names the error  */
  AC_ERR_INTERNAL = 8          /* a bug in AdvCore; please report the message              */
};

/* The message of the last failing call on this thread ("" if none). Never NULL. The
 * pointer stays valid until the next AdvCore call on this thread. */
AC_API const char* ac_last_error(void);

/* Library version as "major.minor.patch". */
AC_API const char* ac_version(void);

/* ---------------------------------------------------------------- backends and context */

typedef enum { AC_DEVICE_CPU = 0, AC_DEVICE_CUDA = 1 } ac_device;

/* 1 if the backend can be used here, else 0 and a reason ("CUDA is not available: ...")
 * copied into reason (at most reason_size bytes, NUL-terminated; reason may be NULL). */
AC_API ac_status ac_device_available(ac_device device, int32_t* available, char* reason,
                                     int32_t reason_size);

typedef struct ac_context ac_context;

/* Context flags. */
enum {
  AC_CONTEXT_REFERENCE_KERNELS = 1 /* run every op with its plain reference kernel */
};

/* Create a context on a device. threads <= 0 picks the number of cores. seed feeds the
 * Philox generator used by dropout and noise ops (identical streams on CPU and CUDA). */
AC_API ac_status ac_context_create(ac_device device, int32_t threads, uint64_t seed,
                                   uint32_t flags, ac_context** out);
/* Destroy a context handle (NULL is a no-op; a second destroy is AC_ERR_INVALID_ARGUMENT).
 * Tensors created on it keep its resources alive until they are destroyed. */
AC_API ac_status ac_context_destroy(ac_context* ctx);
/* The context's device and its CPU thread count (the number actually used). */
AC_API ac_status ac_context_device(const ac_context* ctx, ac_device* device);
AC_API ac_status ac_context_threads(const ac_context* ctx, int32_t* threads);
/* Wait until all queued work of the context has finished (a no-op on the CPU). */
AC_API ac_status ac_context_synchronize(ac_context* ctx);
/* Bytes of scratch workspace currently held by the context (im2col buffers etc.). */
AC_API ac_status ac_context_workspace_bytes(const ac_context* ctx, int64_t* bytes);

/* Value checks that read the device back: the label-range check (labels copied to the host)
 * of ac_loss_forward_backward and of the fused attack steps, and the logits finiteness check
 * (a device->host flag read) of ac_loss_forward_backward. On by default. A caller that
 * validated its labels and pixels once (e.g. at the start of an attack run) switches them off
 * (enabled = 0) so that an attack loop makes no device->host transfer and no
 * synchronisation per iteration; they are then skipped exactly as while a graph is captured.
 * Shape, dtype and parameter checks always run. */
AC_API ac_status ac_context_set_value_checks(ac_context* ctx, int32_t enabled);
AC_API ac_status ac_context_get_value_checks(const ac_context* ctx, int32_t* enabled);

/* Transfers and synchronisations made by the context's backend since its creation or the
 * last reset. The CPU backends count logical calls (a tensor copy from or to host memory, a
 * label read-back, a finiteness flag read, a synchronize); the CUDA backend counts its real
 * cuMemcpyHtoD/DtoH and cuStreamSynchronize calls (a host copy is a memcpy plus a
 * synchronisation there). Device-to-device copies are not counted. */
typedef struct {
  int64_t host_to_device, device_to_host, synchronizations;
} ac_transfer_counts;
AC_API ac_status ac_context_transfer_counts(ac_context* ctx, ac_transfer_counts* out);
AC_API ac_status ac_context_reset_transfer_counts(ac_context* ctx);

/* ---------------------------------------------------------------- CUDA graphs
 * Optional CUDA-graph capture, for a network's forward+backward on small batches where
 * kernel-launch overhead dominates: capture the calls once, then replay them with one
 * launch per step. Pattern (the same code works on every backend):
 *
 *   int32_t capturing;  ac_graph* g = NULL;
 *   ac_graph_begin(ctx, &capturing);
 *   ... forward, loss, backward: ac_* calls on tensors that stay allocated ...
 *   ac_graph_end(ctx, &g);            g == NULL: nothing was captured, the calls ran
 *   if (g) ac_graph_launch(ctx, g);   a captured graph has not run yet: run it
 *   ... later steps: write new inputs into the same tensors, ac_graph_launch(ctx, g) ...
 *   ac_graph_destroy(g);
 *
 * Capture happens only when it was switched on (ac_context_set_graph_capture) and the
 * backend can do it (CUDA with a driver that has stream capture); otherwise ac_graph_begin
 * sets *capturing = 0 and the calls run at once (the CPU backends: always). While
 * capturing, nothing runs: calls that need the host (tensor copies to or from host memory,
 * ac_context_synchronize, ac_tensor_check_finite) fail with AC_ERR_INVALID_ARGUMENT, and
 * ac_loss_forward_backward and the fused attack steps skip their label-range and non-finite
 * checks (run an uncaptured step first), as with ac_context_set_value_checks(ctx, 0). A
 * graph replays fixed device addresses and shapes: the tensors it uses must outlive it and keep their shapes; a
 * graph keeps its context alive. Stochastic ops replay the same Philox offsets. */
typedef struct ac_graph ac_graph;
/* Switch capture on (enabled != 0) or off for this context; default off. Accepted, and
 * without effect, on backends that cannot capture. */
AC_API ac_status ac_context_set_graph_capture(ac_context* ctx, int32_t enabled);
/* *active = 1 if ac_graph_begin would capture now; else 0 and the reason (capture switched
 * off, or why the backend cannot) copied into reason (at most reason_size bytes,
 * NUL-terminated; reason may be NULL). */
AC_API ac_status ac_context_graph_capture(const ac_context* ctx, int32_t* active, char* reason,
                                          int32_t reason_size);
AC_API ac_status ac_graph_begin(ac_context* ctx, int32_t* capturing);
/* *out = the instantiated graph, or NULL when ac_graph_begin did not capture. */
AC_API ac_status ac_graph_end(ac_context* ctx, ac_graph** out);
/* Queue one replay on the context's stream (asynchronous, like every device op). */
AC_API ac_status ac_graph_launch(ac_context* ctx, const ac_graph* graph);
/* NULL is fine. */
AC_API ac_status ac_graph_destroy(ac_graph* graph);

/* ---------------------------------------------------------------- tensors */

typedef enum { AC_F32 = 0, AC_I32 = 1 } ac_dtype;
#define AC_MAX_DIMS 8

typedef struct ac_tensor ac_tensor;

/* A new zero-filled tensor. 1 <= ndim <= AC_MAX_DIMS, every dimension >= 1, the element
 * count at most 2^40; larger requests fail with AC_ERR_INVALID_ARGUMENT. */
AC_API ac_status ac_tensor_create(ac_context* ctx, ac_dtype dtype, int32_t ndim,
                                  const int64_t* shape, ac_tensor** out);
/* A tensor sharing src's storage under another shape with the same element count. */
AC_API ac_status ac_tensor_view(ac_tensor* src, int32_t ndim, const int64_t* shape,
                                ac_tensor** out);
/* Release a tensor (a view keeps its storage alive until the view is destroyed too). */
AC_API ac_status ac_tensor_destroy(ac_tensor* t);
/* Element type and rank. */
AC_API ac_status ac_tensor_dtype(const ac_tensor* t, ac_dtype* dtype);
AC_API ac_status ac_tensor_ndim(const ac_tensor* t, int32_t* ndim);
/* Copies ndim entries into shape (shape must hold AC_MAX_DIMS entries). */
AC_API ac_status ac_tensor_shape(const ac_tensor* t, int64_t* shape);
/* Number of elements (the product of the shape). */
AC_API ac_status ac_tensor_count(const ac_tensor* t, int64_t* count);
/* Host <-> tensor copies of `bytes` bytes; bytes must equal count * sizeof(element). */
AC_API ac_status ac_tensor_copy_from_host(ac_tensor* t, const void* src, int64_t bytes);
AC_API ac_status ac_tensor_copy_to_host(const ac_tensor* t, void* dst, int64_t bytes);
/* dst <- src (same dtype and element count; shapes may differ). */
AC_API ac_status ac_tensor_copy(ac_tensor* dst, const ac_tensor* src);
/* Set every element of an f32 tensor to value. */
AC_API ac_status ac_tensor_fill(ac_tensor* t, float value);
/* Copy `count` samples (first dimension) from src starting at src_start into dst starting
 * at dst_start. Both must have the same per-sample shape. */
AC_API ac_status ac_tensor_copy_samples(ac_tensor* dst, int64_t dst_start, const ac_tensor* src,
                                        int64_t src_start, int64_t count);
/* AC_ERR_NON_FINITE if any element of an f32 tensor is NaN or infinite. */
AC_API ac_status ac_tensor_check_finite(const ac_tensor* t);
/* Fill with N(mean, std^2) / U[lo, hi) from the context's Philox stream at `offset`
 * (the same seed and offset give the same numbers on every backend). */
AC_API ac_status ac_tensor_fill_normal(ac_tensor* t, float mean, float std, uint64_t offset);
AC_API ac_status ac_tensor_fill_uniform(ac_tensor* t, float lo, float hi, uint64_t offset);

/* ---------------------------------------------------------------- layers */

/* Explicit padding: rows added above/below and columns left/right of the input. 'same'
 * and 'valid' are resolved by the caller (see ac_conv2d_same_padding). */
typedef struct {
  int32_t stride_h, stride_w;
  int32_t pad_top, pad_bottom, pad_left, pad_right;
} ac_conv2d_params;

/* TensorFlow-style 'same' padding for one spatial dimension: output = ceil(in/stride),
 * the extra padding going to the bottom/right. */
AC_API ac_status ac_conv2d_same_padding(int32_t in, int32_t kernel, int32_t stride,
                                        int32_t* pad_before, int32_t* pad_after);

/* y[N,O,OH,OW] = conv(x[N,C,H,W], w[O,C,KH,KW]) + b[O] (b may be NULL).
 * OH = (H + pad_top + pad_bottom - KH) / stride_h + 1, likewise OW. */
AC_API ac_status ac_conv2d_forward(ac_context* ctx, const ac_tensor* x, const ac_tensor* w,
                                   const ac_tensor* b, ac_tensor* y, const ac_conv2d_params* p);
/* Gradients given dy: dx (to the input), dw, db; each may be NULL when not wanted. */
AC_API ac_status ac_conv2d_backward(ac_context* ctx, const ac_tensor* x, const ac_tensor* w,
                                    const ac_tensor* dy, ac_tensor* dx, ac_tensor* dw,
                                    ac_tensor* db, const ac_conv2d_params* p);

/* y[N,O] = x[N,I] w[O,I]^T + b[O]; x may have any shape [N, ...] with I elements per sample. */
AC_API ac_status ac_linear_forward(ac_context* ctx, const ac_tensor* x, const ac_tensor* w,
                                   const ac_tensor* b, ac_tensor* y);
/* Gradients given dy[N,O]: dx (shaped like x), dw, db; each may be NULL when not wanted. */
AC_API ac_status ac_linear_backward(ac_context* ctx, const ac_tensor* x, const ac_tensor* w,
                                    const ac_tensor* dy, ac_tensor* dx, ac_tensor* dw,
                                    ac_tensor* db);

typedef enum {
  AC_ACT_RELU = 0,
  AC_ACT_LEAKY_RELU = 1,  /* param = negative slope                      */
  AC_ACT_BOUNDED_RELU = 2 /* param = t: f(x) = min(max(x, 0), t), t > 0  */
} ac_activation;

/* Element-wise; y may be x (in place). */
AC_API ac_status ac_activation_forward(ac_context* ctx, ac_activation kind, float param,
                                       const ac_tensor* x, ac_tensor* y);
/* dx = f'(x) * dy; dx may be dy. The derivative at kinks is taken from the right side's
 * closed interval convention: relu'(0) = 0, brelu'(t) = 0. */
AC_API ac_status ac_activation_backward(ac_context* ctx, ac_activation kind, float param,
                                        const ac_tensor* x, const ac_tensor* dy, ac_tensor* dx);

typedef struct {
  int32_t kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w;
} ac_pool_params;

/* Max pool; padded positions never win. Ties go to the first element in row-major order. */
AC_API ac_status ac_maxpool_forward(ac_context* ctx, const ac_tensor* x, ac_tensor* y,
                                    const ac_pool_params* p);
/* dx = dy routed to each window's maximum (dx is overwritten, not accumulated). */
AC_API ac_status ac_maxpool_backward(ac_context* ctx, const ac_tensor* x, const ac_tensor* dy,
                                     ac_tensor* dx, const ac_pool_params* p);
/* Average pool; padded positions count as zeros (count_include_pad). */
AC_API ac_status ac_avgpool_forward(ac_context* ctx, const ac_tensor* x, ac_tensor* y,
                                    const ac_pool_params* p);
/* dx = dy spread evenly over each window. */
AC_API ac_status ac_avgpool_backward(ac_context* ctx, const ac_tensor* dy, ac_tensor* dx,
                                     const ac_pool_params* p);
/* y[N,C] (or [N,C,1,1]) = mean over H,W of x[N,C,H,W]. */
AC_API ac_status ac_global_avgpool_forward(ac_context* ctx, const ac_tensor* x, ac_tensor* y);
/* dx[N,C,H,W] = dy[N,C] / (H*W). */
AC_API ac_status ac_global_avgpool_backward(ac_context* ctx, const ac_tensor* dy, ac_tensor* dx);

/* Batch norm over N,H,W per channel of x[N,C,H,W] (or x[N,C]).
 * training != 0: normalise with the batch statistics (biased variance), update the
 * running statistics with `momentum` (PyTorch convention: r = (1-m) r + m batch, the
 * running variance unbiased), and store mean and 1/sqrt(var+eps) into save_mean and
 * save_invstd [C] for the backward pass. training == 0: use the running statistics;
 * save_mean/save_invstd receive them too. */
AC_API ac_status ac_batchnorm_forward(ac_context* ctx, const ac_tensor* x,
                                      const ac_tensor* gamma, const ac_tensor* beta,
                                      ac_tensor* running_mean, ac_tensor* running_var,
                                      ac_tensor* save_mean, ac_tensor* save_invstd,
                                      ac_tensor* y, int32_t training, float momentum,
                                      float eps);
/* Backward of the forward pass above with the same `training` flag (eval mode treats the
 * statistics as constants). dx, dgamma, dbeta may be NULL. */
AC_API ac_status ac_batchnorm_backward(ac_context* ctx, const ac_tensor* x,
                                       const ac_tensor* gamma, const ac_tensor* save_mean,
                                       const ac_tensor* save_invstd, const ac_tensor* dy,
                                       ac_tensor* dx, ac_tensor* dgamma, ac_tensor* dbeta,
                                       int32_t training);

/* Inverted dropout: mask = (u >= p) / (1 - p) with u from the Philox stream at `offset`;
 * y = x * mask. 0 <= p < 1. */
AC_API ac_status ac_dropout_forward(ac_context* ctx, const ac_tensor* x, ac_tensor* mask,
                                    ac_tensor* y, float p, uint64_t offset);
/* dx = dy * mask. */
AC_API ac_status ac_dropout_backward(ac_context* ctx, const ac_tensor* mask,
                                     const ac_tensor* dy, ac_tensor* dx);

/* y = a + b (residual add; the backward pass routes dy to both inputs unchanged). */
AC_API ac_status ac_add(ac_context* ctx, const ac_tensor* a, const ac_tensor* b, ac_tensor* y);

/* ---------------------------------------------------------------- losses */

typedef enum {
  AC_LOSS_CROSS_ENTROPY = 0, /* param = label smoothing in [0,1): target 1-s on the label,
                                s/(K-1) elsewhere                                          */
  AC_LOSS_LOGPROB_MARGIN = 1,/* thesis eq. 2.8: log p(l) - max_{k!=l} log p(k); param unused */
  AC_LOSS_CW_MARGIN = 2,     /* thesis eq. 2.19: [u(l) - max_{k!=l} u(k) + mu]_+, param = mu */
  AC_LOSS_CW_MARGIN_TARGETED = 3, /* labels = targets t: [max_{k!=t} u(k) - u(t) + mu]_+,
                                param = mu >= 0; gradient e_j - e_t where positive (j = first
                                maximiser over k != t), 0 at and below the kink; the attack
                                decreases it                                                  */
  AC_LOSS_DLR = 4,           /* Croce & Hein 2020 eq. 6 (AutoAttack dlr_loss), labels = true y,
                                K >= 3: -(u(y) - max_{k!=y} u(k)) / (u(p1) - u(p3) + 1e-12);
                                param ignored; the attack increases it                        */
  AC_LOSS_DLR_TARGETED = 5   /* AutoAttack dlr_loss_targeted, K >= 4: labels is AC_I32 [N, 2]
                                with (y_i, t_i) per row, t_i != y_i:
                                -(u(y) - u(t)) / (u(p1) - (u(p3) + u(p4))/2 + 1e-12);
                                param ignored; the attack increases it                        */
} ac_loss;

/* Per-sample loss[N] and, when dlogits is not NULL, dloss[i]/dlogits[i,:] (the gradient of
 * each sample's own loss, not of the mean; exact, including the DLR denominator's). labels is
 * an AC_I32 tensor of N elements ([N, 2] for AC_LOSS_DLR_TARGETED); a label outside [0, K)
 * fails with AC_ERR_LABEL_RANGE, a DLR_TARGETED row with t == y with
 * AC_ERR_INVALID_ARGUMENT, too few classes with AC_ERR_SHAPE; non-finite logits fail with
 * AC_ERR_NON_FINITE. For the margins, the max over k != l takes the first maximiser.
 * p1, p2, p3, p4 index the largest logits in a stable descending sort (equal logits stay in
 * index order), so the max over k != y is u(p1) or u(p2); sums and quotients are in double.
 * At ties and kinks the gradient is one-sided (that order's branch; the hinge's zero side). */
AC_API ac_status ac_loss_forward_backward(ac_context* ctx, ac_loss kind, float param,
                                          const ac_tensor* logits, const ac_tensor* labels,
                                          ac_tensor* loss, ac_tensor* dlogits);
/* predictions[N] (AC_I32) = argmax of logits[N,K] (first maximiser). */
AC_API ac_status ac_argmax(ac_context* ctx, const ac_tensor* logits, ac_tensor* predictions);

/* ---------------------------------------------------------------- optimisers */

/* Adam (Kingma & Ba) with bias correction at 1-based `step`; weight_decay is L2 added to
 * the gradient. param, grad, m, v share one shape. */
AC_API ac_status ac_adam_update(ac_context* ctx, ac_tensor* param, const ac_tensor* grad,
                                ac_tensor* m, ac_tensor* v, float lr, float beta1, float beta2,
                                float eps, float weight_decay, int64_t step);
/* SGD with momentum (PyTorch form): vel = momentum*vel + (grad + wd*param);
 * param -= lr * (nesterov ? grad' + momentum*vel : vel). */
AC_API ac_status ac_sgd_update(ac_context* ctx, ac_tensor* param, const ac_tensor* grad,
                               ac_tensor* velocity, float lr, float momentum,
                               float weight_decay, int32_t nesterov);

/* ---------------------------------------------------------------- attack primitives
 * x, y, r below are [N, ...]; per-sample scalars (norms, dots, alphas, eps) are f32 [N]. */

/* out[i] = ||x_i||_2 . */
AC_API ac_status ac_batch_l2_norm(ac_context* ctx, const ac_tensor* x, ac_tensor* out);
/* out[i] = ||x_i||_inf . */
AC_API ac_status ac_batch_linf_norm(ac_context* ctx, const ac_tensor* x, ac_tensor* out);
/* out[i] = <a_i, b_i> . */
AC_API ac_status ac_batch_dot(ac_context* ctx, const ac_tensor* a, const ac_tensor* b,
                              ac_tensor* out);
/* y_i += alpha[i] * x_i . */
AC_API ac_status ac_batch_axpy(ac_context* ctx, const ac_tensor* alpha, const ac_tensor* x,
                               ac_tensor* y);
/* x_i *= alpha[i] . */
AC_API ac_status ac_batch_scale(ac_context* ctx, const ac_tensor* alpha, ac_tensor* x);
/* x <- min(max(x, 0), 1) element-wise. */
AC_API ac_status ac_clip01(ac_context* ctx, ac_tensor* x);
/* y_i <- center_i + P(y_i - center_i) onto the L2 ball of radius eps[i]. */
AC_API ac_status ac_project_l2(ac_context* ctx, const ac_tensor* center, const ac_tensor* eps,
                               ac_tensor* y);
/* y_i <- center_i + clamp(y_i - center_i, -eps[i], eps[i]) element-wise. */
AC_API ac_status ac_project_linf(ac_context* ctx, const ac_tensor* center,
                                 const ac_tensor* eps, ac_tensor* y);
/* x <- round(255 x) / 255 (round half to even), clipped to [0,1] first. */
AC_API ac_status ac_quantize8(ac_context* ctx, ac_tensor* x);

/* ---------------------------------------------------------------- fused attack steps
 * One call per attack iteration besides the gradient evaluation: the whole per-sample vector
 * update of PGD/I-FGSM/FGSM, DDN, BP (thesis ch. 5), C&W (Adam in tanh space), DeepFool and
 * JSMA runs in one kernel, with every piece of per-sample state in engine tensors.
 * The operands every step shares travel in one ac_attack_operands (all on one context, x's
 * first dimension N is the batch, d = elements per sample, samples are treated as flat
 * vectors of d floats); each step's own state and parameters follow it:
 *   x          [N, ...] f32  the original images
 *   y          [N, ...] f32  the current iterate (read, and overwritten with the next one)
 *   grad       [N, ...] f32  dJ/dy at y of each sample's own attack loss J
 *   logits     [N, K]   f32  the classifier's logits at y (same forward pass as grad), K >= 2
 *   labels     [N]      i32  in [0, K) (else AC_ERR_LABEL_RANGE, checked unless value checks
 *                            are off): the true labels of an untargeted criterion, the TARGET
 *                            labels of a targeted one
 *   best_y     [N, ...] f32  } the least-distorted adversarial iterate seen so far and its
 *   best_norm  [N]      f32  } L2 distortion ||best_y_i - x_i||_2 (initialise to +inf).
 *              "keep best": when y_i is adversarial and ||y_i - x_i||_2 < best_norm[i]
 *              (strictly), best_y_i <- y_i and best_norm[i] <- ||y_i - x_i||_2. It always
 *              looks at the INCOMING y (the iterate the logits belong to), before the step.
 *              Both null, or both given.
 *   criterion  when y_i counts as adversarial, from its logits z and label l (the first
 *              maximiser breaks ties, as ac_argmax):
 *                UNTARGETED, margin = 0:  argmax(z) != l
 *                UNTARGETED, margin > 0:  max_{j != l} z_j - z_l > margin
 *                TARGETED,   margin = 0:  argmax(z) == l
 *                TARGETED,   margin > 0:  z_l - max_{j != l} z_j > margin
 *              margin must be finite and >= 0; a zeroed struct is the untargeted default.
 * Which operands a step reads is said at the step; the others must be NULL.
 *   grad_sign  +1 when the attack decreases J (margin losses, eq. 2.8 / 2.19), -1 when it
 *              increases J (cross-entropy); the descent direction is -grad_sign * grad.
 * Q(v) = round_half_even(255 * clip01(v)) / 255 element-wise (as ac_quantize8); n(v) =
 * v / ||v||_2. Norms and dot products accumulate in double. A sample whose gradient has zero
 * (or non-finite) norm does not move in normalised steps. y, best_y and the other outputs
 * must be distinct tensors. */

typedef enum { AC_NORM_L2 = 0, AC_NORM_LINF = 1 } ac_norm;

typedef enum { AC_CRITERION_UNTARGETED = 0, AC_CRITERION_TARGETED = 1 } ac_criterion_kind;
/* kind is an ac_criterion_kind, stored as int32_t so the struct layout is fixed. */
typedef struct {
  int32_t kind;
  float margin;
} ac_criterion;

typedef struct {
  const ac_tensor* x;
  ac_tensor* y;
  const ac_tensor* grad;
  const ac_tensor* logits;
  const ac_tensor* labels;
  ac_tensor* best_y;
  ac_tensor* best_norm;
  ac_criterion criterion;
} ac_attack_operands;

/* Keep best on y (see above) and, when adversarial is not NULL, adversarial[i] (i32 [N]) <-
 * 1 if y_i is adversarial else 0. Reads x, y, logits, labels, criterion; best_y/best_norm
 * may both be NULL; grad must be NULL. The final check of an attack: quantise the
 * candidate, forward it, call this. */
AC_API ac_status ac_attack_keep_best(ac_context* ctx, const ac_attack_operands* ops,
                                     ac_tensor* adversarial);

/* One step of PGD2 (eq. 2.15-2.16), PGDinf / I-FGSM (eq. 2.13-2.14) and FGSM (eq. 2.12, one
 * step from y = x with alpha = eps). Per sample i, with eps[i], alpha[i] (f32 [N]):
 * Reads x, y, grad; logits, labels, best_y, best_norm are all given or all NULL (e.g. for a
 * random start where grad is noise):
 *   1. keep best on y_i (only when the four tracking operands are given);
 *   2. u = -grad_sign * grad_i;  L2: y_i += alpha[i] * u / ||u||  (no move if ||u|| = 0);
 *                                LINF: y_i += alpha[i] * sign(u)  (sign(0) = 0);
 *   3. r = y_i - x_i projected on the ball of radius max(eps[i], 0) of that norm
 *      (L2: r *= eps/||r|| when ||r|| > eps; LINF: clamp(r, -eps, eps));
 *   4. y_i = clip01(x_i + r); then y_i = Q(y_i) when quantize != 0. */
AC_API ac_status ac_pgd_step(ac_context* ctx, const ac_attack_operands* ops,
                             const ac_tensor* eps, const ac_tensor* alpha, ac_norm norm,
                             float grad_sign, int32_t quantize);

/* One step of DDN (eq. 2.20; Rony et al. 2019). radius (f32 [N], in/out) is the current
 * norm rho_i (initialise to eps0 = 1). Every operand of ops is required. Per sample i:
 *   1. a = y_i adversarial; keep best on y_i;
 *   2. delta = y_i - x_i; u = -grad_sign * grad_i; delta += alpha * u / ||u|| (no move if
 *      ||u|| = 0);
 *   3. radius[i] *= a ? (1 - gamma) : (1 + gamma); radius[i] = min(radius[i],
 *      ||max(x_i, 1 - x_i)||) (the largest distortion any image can have);
 *   4. delta *= radius[i] / ||delta|| when ||delta|| > 0 (projection on the sphere);
 *   5. y_i = clip01(x_i + delta); y_i = Q(y_i) when quantize != 0.
 * alpha >= 0 (cosine-annealed by the caller), 0 <= gamma < 1. */
AC_API ac_status ac_ddn_step(ac_context* ctx, const ac_attack_operands* ops,
                             ac_tensor* radius, float alpha, float gamma, float grad_sign,
                             int32_t quantize);

/* Where BP rounds its iterates to the 8-bit grid (thesis Table 5.1). */
typedef enum {
  AC_BP_ROUND_END = 0,    /* iterates are only clipped; the caller rounds the output once  */
  AC_BP_ROUND_EACH = 1,   /* y_{i+1} = Q(z) after every step                               */
  AC_BP_ROUND_QINOUT = 2  /* stage 2 uses Q_OUT (eq. 5.7) and Q_IN (eq. 5.10); stage 1 Q   */
} ac_bp_rounding;

/* One iteration of BP, Boundary Projection (thesis Algorithms 1-2, eqs. 5.1-5.10). stage
 * (i32 [N], in/out; 0 = stage 1, 1 = stage 2) starts at 0. gamma is gamma_i of eq. 5.1
 * (0 < gamma <= 1), alpha the stage-1 step (2 in the thesis), beta_min of eq. 5.10 (0.1).
 * Every operand of ops is required. Per sample i, with g = grad_sign * grad_i (so that J
 * decreases along -g):
 *   1. a = y_i adversarial; keep best on y_i;
 *      stage[i] = 1 if a (stage 2 is absorbing);
 *   2. if ||g|| = 0 (or not finite): y_i unchanged; else gh = g / ||g||;
 *   3. stage 1 (Alg. 1 line 4): z = y_i - alpha * gamma * gh; y_i = clip01(z), then Q(y_i)
 *      unless rounding is AC_BP_ROUND_END;
 *   4. stage 2 (Alg. 2): r = y_i - x_i, rho = <r, gh>;
 *      OUT (a): eps = gamma ||r||; v = x_i + rho gh; w = y_i - v;
 *               z = v + w / ||w|| * sqrt(max(eps^2 - rho^2, 0))   (z = v when ||w|| = 0);
 *               y_i = Q_OUT(z, y_i), i.e. ac_quantized_line_search(x_i, y_i, z), under
 *               AC_BP_ROUND_QINOUT;
 *      IN (!a): eps = ||r|| / gamma; s = rho + sqrt(max(eps^2 - ||r||^2 + rho^2, 0));
 *               z = y_i - s gh (eq. 5.9); under AC_BP_ROUND_QINOUT
 *               y_i = Q(y_i + beta (z - y_i)) with beta = max(1, beta_min / s) (eq. 5.10;
 *               beta = 1 when s <= 0);
 *      then y_i = clip01(z) (AC_BP_ROUND_END) or Q(z) (AC_BP_ROUND_EACH). */
AC_API ac_status ac_bp_step(ac_context* ctx, const ac_attack_operands* ops,
                            ac_tensor* stage, float gamma, float alpha, float beta_min,
                            float grad_sign, ac_bp_rounding rounding);

/* Q_OUT of thesis eq. 5.7: out_i = Q(y_i + beta_i (z_i - y_i)), with beta_i chosen so that
 * f(beta) = ||Q(y_i + beta (z_i - y_i)) - x_i|| comes down to t = ||z_i - x_i||:
 *   - ||z_i - y_i|| = 0: beta = 1;
 *   - f(1) <= t: beta = 1;
 *   - else double beta = 2, 4, ... up to 2^10 until f(beta) <= t; if none qualifies, beta
 *     is the evaluated value (1, 2, ..., 2^10) with the smallest f (the smaller on ties);
 *   - else 12 bisection steps on [beta/2, beta] keeping f(lo) > t >= f(hi); beta = hi.
 * beta (f32 [N]) receives beta_i when not NULL. y, z, out share x's shape; out may be z but
 * not x or y. */
AC_API ac_status ac_quantized_line_search(ac_context* ctx, const ac_tensor* x,
                                          const ac_tensor* y, const ac_tensor* z,
                                          ac_tensor* out, ac_tensor* beta);

/* C&W (eq. 2.18) change of variable: w = atanh((2x - 1) * (1 - 1e-6)), y = (tanh(w) + 1) / 2
 * (y equals x within 1e-6). w and y share x's shape. */
AC_API ac_status ac_cw_init(ac_context* ctx, const ac_tensor* x, ac_tensor* w, ac_tensor* y);

/* One Adam iteration of C&W L2 for one value of the constant lambda (f32 [N]) per sample;
 * ops->grad is dJ_mu/dy at y = (tanh(w) + 1) / 2 (AC_LOSS_CW_MARGIN); every operand of ops
 * is required; w (shape of x) is the tanh-space iterate. Per sample i:
 *   1. a = y_i adversarial; found[i] |= a (i32 [N], in/out, reset by the caller for each
 *      lambda); keep best on y_i;
 *   2. per element: t = tanh(w); gw = (lambda[i] grad + 2 (y - x)) (1 - t^2) / 2;
 *      m = beta1 m + (1 - beta1) gw; v = beta2 v + (1 - beta2) gw^2;
 *      w -= lr (m / (1 - beta1^step)) / (sqrt(v / (1 - beta2^step)) + eps);
 *      y = (tanh(w) + 1) / 2.
 * m, v (shape of x) start at zero for each lambda; step is 1-based. */
AC_API ac_status ac_cw_step(ac_context* ctx, const ac_attack_operands* ops, ac_tensor* w,
                            const ac_tensor* lambda, ac_tensor* m, ac_tensor* v,
                            ac_tensor* found, float lr, float beta1, float beta2, float eps,
                            int64_t step);

/* One DeepFool iteration (eq. 2.21) over all K classes. jacobian is f32 [K, N, ...]
 * (class-major, so each class's batch of gradients is one contiguous block) with
 * jacobian[c, i] = grad_y u_c(y_i) up to a term common to every c (only differences are
 * used, so -grad of cross-entropy towards c works too); r_total (shape of x, in/out) starts
 * at 0; active (i32 [N], in/out) starts at 1. Reads x, y, logits, labels of ops (grad,
 * best_y, best_norm NULL); labels are the true labels and the criterion must be untargeted
 * (DeepFool moves away from l; a margin makes it keep going past the boundary). Per active
 * sample i with label l:
 *   - y_i adversarial: active[i] = 0, nothing else changes;
 *   - else for c != l: w_c = J_c - J_l, f_c = u_c - u_l; pick the c with the smallest
 *     |f_c| / ||w_c|| (the first on ties, skipping ||w_c|| = 0; none left: active[i] = 0);
 *     r_total_i += (|f_c| + 1e-4) / ||w_c||^2 * w_c;
 *     y_i = clip01(x_i + (1 + overshoot) r_total_i). */
AC_API ac_status ac_deepfool_step(ac_context* ctx, const ac_attack_operands* ops,
                                  ac_tensor* r_total, const ac_tensor* jacobian,
                                  ac_tensor* active, float overshoot);

/* One JSMA iteration (Papernot et al. 2016: the pixel-pair saliency rule of cleverhans;
 * features move by theta until they saturate, as in ART's implementation used by
 * "Efficient Defenses"). grad_target = grad_y u_t, grad_other = grad_y sum_{j != t} u_j for the
 * target class t of each sample (any common positive scale of either is harmless); domain
 * (shape of y, f32) is 1 for a feature never changed, 2 for one changed that may move again, 0
 * for one out of the search (initialise 1 where the feature can move in theta's direction, 0
 * elsewhere); changed (i32 [N], in/out) counts distinct changed features; active (i32 [N])
 * starts at 1. Reads y, logits, labels of ops (x, grad, best_y, best_norm NULL): a targeted
 * criterion with the target labels stops a sample once it reaches its target. Per active
 * sample i:
 *   - y_i adversarial (by the criterion): active[i] = 0;
 *   - else over pairs p < q with domain > 0: A = gt_p + gt_q, B = go_p + go_q; a pair
 *     qualifies when theta > 0 ? (A > 0 and B < 0) : (A < 0 and B > 0); pick the largest
 *     -A * B (the first pair in row-major (p, q) order on ties); none: active[i] = 0;
 *   - for f in {p, q}: changed[i] += (domain_f == 1); y_f = clip01(y_f + theta);
 *     domain_f = 0 if y_f reached 1 (theta > 0) or 0 (theta < 0), else 2;
 *   - changed[i] > max_changed: active[i] = 0.
 * theta in [-1, 1], non-zero; max_changed >= 0. */
AC_API ac_status ac_jsma_step(ac_context* ctx, const ac_attack_operands* ops,
                              const ac_tensor* grad_target, const ac_tensor* grad_other,
                              ac_tensor* domain, ac_tensor* changed, ac_tensor* active,
                              float theta, int64_t max_changed);

/* ---------------------------------------------------------------- Graph-Laplacian smoothing
 * The smoothing operator of the smooth attacks qPGD2 and sC&W (thesis ch. 4, eqs. 4.1-4.5,
 * 4.13-4.15). For each image x of a batch [N, C, H, W] in [0,1] a graph over its pixels:
 *   w_ij = k_f(x_i, x_j) k_s(t_i, t_j) for the 4 or 8 neighbours j of pixel i (0 elsewhere,
 *          0 on the diagonal); k_f over all C channels: Laplacian exp(-||x_i - x_j||_2 / sigma_f)
 *          or Gaussian exp(-||x_i - x_j||^2 / (2 sigma_f^2)); k_s = exp(-||t_i - t_j||^2 /
 *          (2 sigma_s^2)) of the pixel coordinates. With 4 neighbours k_s is one constant,
 *          which the normalisation below cancels: sigma_s matters only with 8 neighbours
 *          (it weighs the diagonals against the axis neighbours by exp(-1 / (2 sigma_s^2))).
 *   d_i = sum_j w_ij, W' = D^-1/2 W D^-1/2, L_alpha = (I - alpha W') / (1 - alpha).
 *   Underflow guard: a pixel whose d_i is 0 (all its affinities underflowed, e.g. a tiny
 *   sigma_f) is isolated: its row and column of W' are 0, so the smoothing leaves it as is.
 *   (Affinities and degrees are computed in double and the spatial kernel relative to the
 *   nearest neighbours, so this takes sigma_f ~ 1e-3 or smaller.)
 * The graph is stored as a stencil: K = 4 or 8 weights of W' per pixel, [N, K, H, W], slot k
 * the neighbour (dy, dx) = up (-1,0), left (0,-1), right (0,1), down (1,0), then for K = 8
 * up-left (-1,-1), up-right (-1,1), down-left (1,-1), down-right (1,1); 0 outside the image.
 * A graph handle also holds s(1) = L_alpha^-1 1 per image (one CG solve per image at
 * creation, all channels share the graph) and the solver's buffers, sized once for the
 * batch, so the solves allocate nothing.
 * Solves: one system per (image, channel), all N*C of them in one call, system index
 * image * C + channel. Conjugate gradient from x0 = 0 (or the warm start) until
 * ||b - L x||_2 <= tolerance * ||b||_2 (checked with the true residual) or max_iterations;
 * a converged system costs nothing more; b = 0 gives x = 0 after 0 iterations. Vectors are
 * float; dot products accumulate in double (reference: sequentially; fast CPU: over SIMD
 * lanes; CUDA: block tree reductions); the matvec is double-summed in the reference, float
 * (fma) in the fast CPU and CUDA kernels. A solve makes no host transfer and no
 * synchronisation: the per-system iterations and final relative residuals stay in device
 * memory until ac_smoothing_last_report reads them. Non-finite values in b, z or g are not
 * checked (that would need a device read) and give non-finite outputs.
 * Backends: the context's (reference, fast CPU, CUDA), as for every op. One call at a time
 * per graph (a graph's calls are serialised by a lock). */

typedef enum { AC_FEATURE_KERNEL_LAPLACIAN = 0, AC_FEATURE_KERNEL_GAUSSIAN = 1 } ac_feature_kernel;

typedef struct {
  int32_t neighbours;     /* 4 or 8                                                      */
  int32_t kernel;         /* ac_feature_kernel                                           */
  float sigma_feature;    /* sigma_f > 0 (pixel values in [0,1])                         */
  float sigma_spatial;    /* sigma_s > 0                                                 */
  float alpha;            /* in (0, 1)                                                   */
  float tolerance;        /* relative residual, >= 0 (0: always max_iterations)          */
  int32_t max_iterations; /* >= 1                                                        */
} ac_smoothing_params;

/* The defaults: 4 neighbours, Laplacian kernel, sigma_f = 0.1 (the thesis gives none),
 * sigma_s = 1, alpha = 0.95 (thesis, MNIST), tolerance 1e-5, 50 iterations. */
AC_API ac_status ac_smoothing_params_default(ac_smoothing_params* out);

typedef struct ac_smoothing_graph ac_smoothing_graph;

/* Builds the graphs of images (f32 [N, C, H, W] on ctx, finite; values are meant to be in
 * [0,1], which sigma_f is scaled for, but are not required to be) and s(1). Refused: a
 * parameter out of range (AC_ERR_INVALID_ARGUMENT naming it), another rank
 * (AC_ERR_SHAPE), NaN/inf pixels (AC_ERR_NON_FINITE). Makes host transfers (the finiteness
 * check, and a check that s(1) came out positive). The graph keeps ctx alive. */
AC_API ac_status ac_smoothing_graph_create(ac_context* ctx, const ac_tensor* images,
                                           const ac_smoothing_params* params,
                                           ac_smoothing_graph** out);
/* NULL is a no-op; a second destroy is AC_ERR_INVALID_ARGUMENT. */
AC_API ac_status ac_smoothing_graph_destroy(ac_smoothing_graph* graph);
/* shape[0..3] <- N, C, H, W of the images the graph was built from. */
AC_API ac_status ac_smoothing_graph_shape(const ac_smoothing_graph* graph, int64_t* shape);
/* weights (f32 [N, K, H, W]) <- the stencil of W'. */
AC_API ac_status ac_smoothing_graph_weights(ac_context* ctx, const ac_smoothing_graph* graph,
                                            ac_tensor* weights);
/* s1 (f32 [N, 1, H, W]) <- s(1) = L_alpha^-1 1 of each image. */
AC_API ac_status ac_smoothing_graph_ones_response(ac_context* ctx, const ac_smoothing_graph* graph,
                                                  ac_tensor* s1);

/* The calls below take tensors of the images' shape [N, C, H, W] on the graph's context
 * (AC_ERR_SHAPE otherwise); input and output must not share storage (AC_ERR_INVALID_ARGUMENT);
 * outputs are overwritten. warm_start != 0: CG starts from the output's current content
 * (ac_smoothing_smooth: from r (.) s(1), i.e. the x that r came from), else from 0. */
/* y = L_alpha v per (image, channel). */
AC_API ac_status ac_smoothing_apply(ac_context* ctx, const ac_smoothing_graph* graph,
                                    const ac_tensor* v, ac_tensor* y);
/* x = L_alpha^-1 b per (image, channel): s_alpha(b), eq. 4.4. */
AC_API ac_status ac_smoothing_solve(ac_context* ctx, ac_smoothing_graph* graph, const ac_tensor* b,
                                    ac_tensor* x, int32_t warm_start);
/* r = s_hat_alpha(z) = s_alpha(z) / s(1) element-wise per pixel, the same s(1) for every
 * channel (eq. 4.5). */
AC_API ac_status ac_smoothing_smooth(ac_context* ctx, ac_smoothing_graph* graph, const ac_tensor* z,
                                     ac_tensor* r, int32_t warm_start);
/* gz = s_hat_alpha^T(g) = L_alpha^-1 (g / s(1)) (eq. 4.15; L_alpha is symmetric). */
AC_API ac_status ac_smoothing_smooth_adjoint(ac_context* ctx, ac_smoothing_graph* graph,
                                             const ac_tensor* g, ac_tensor* gz,
                                             int32_t warm_start);
/* Copies the last solve's (ac_smoothing_solve/_smooth/_smooth_adjoint) per-system CG
 * iterations and final relative residuals ||b' - L x|| / ||b'|| (0 when b' = 0) to host
 * memory: count must be N*C; either pointer may be NULL. A device->host transfer.
 * AC_ERR_INVALID_ARGUMENT before the first solve. */
AC_API ac_status ac_smoothing_last_report(ac_smoothing_graph* graph, int32_t* iterations,
                                          float* residuals, int64_t count);
/* The same for the solve of s(1) at creation: count must be N (one system per image). */
AC_API ac_status ac_smoothing_ones_report(ac_smoothing_graph* graph, int32_t* iterations,
                                          float* residuals, int64_t count);

/* ---------------------------------------------------------------- Gaussian low-pass and SmoothClip
 * SmoothFool (Dabouei et al., seed 001 §3-4): the low-pass filters g (sigma_g) and h (sigma_h)
 * and Algorithm 1's out-of-range test. Reference kernels: src/cpu/reference_lowpass.h. */

/* y = g_sigma * x per plane: x, y f32 [N, C, H, W] (same shape; y may be x). The filter is an
 * isotropic, separable Gaussian, "kernel width 5 sigma": radius R = max(1, ceil(2.5 sigma)),
 * taps g_j = exp(-j^2 / (2 sigma^2)) / Z for j in [-R, R], Z their sum (the 2-D kernel g_i g_j
 * sums to 1). Zero padding 'same', as torch conv2d(padding = R) would: samples outside the
 * plane count as 0, so near the borders (and everywhere when 2R+1 exceeds the image) the
 * output is dimmer than the input. Taps further than the plane is long touch nothing and are
 * skipped, so any sigma works on any size (sigma = 100 on 32x32 costs what sigma = 13 does).
 * A pass along W, then one along H; accumulation is double in the reference, float in the
 * fast CPU and CUDA kernels. sigma must be finite, > 0 and <= 1e6. */
AC_API ac_status ac_gaussian_blur(ac_context* ctx, const ac_tensor* x, float sigma, ac_tensor* y);

/* SmoothClip's test and update coefficients (Algorithm 1, lines 4-8) over x, r f32 [N, ...]
 * (same shape), z = x + r, per sample i:
 *   m1 = 1[z > 1], m0 = 1[z < 0] element-wise (0 or 1; m0, m1 shaped like x);
 *   a1[i] = -eps * max(max_j z_ij - 1, 0), a0[i] = -eps * min(min_j z_ij, 0) (f32 [N]);
 *   outside[i] = 1 when some z_ij lies outside [0, 1], else 0 (i32 [N]).
 * One SmoothClip iteration is then r += a1 (g * m1) + a0 (g * m0) (ac_gaussian_blur on the
 * masks, ac_batch_axpy): samples already inside have a0 = a1 = 0 and masks of 0, so a batch
 * iterates as a whole. eps (the step) must be finite and > 0; m0 and m1 must not share memory
 * with x, r or each other. */
AC_API ac_status ac_smooth_clip_masks(ac_context* ctx, const ac_tensor* x, const ac_tensor* r,
                                      float eps, ac_tensor* m0, ac_tensor* m1, ac_tensor* a0,
                                      ac_tensor* a1, ac_tensor* outside);

/* ---------------------------------------------------------------- Patch replacement
 * The patch operations of the patch-replacement defense (thesis ch. 6.3, eqs. 6.3-6.5).
 * Reference kernels: src/cpu/reference_patches.h.
 *
 * Geometry: a feature map f32 [N, D, H, W] (the image is layer 0) is cut into m = D / d slices
 * of d consecutive channels and, per slice, square patches of side p (the thesis's 2a+1; even
 * sides are accepted too) placed with stride c, 1 <= c <= p, p <= H, p <= W. Patch top-left
 * rows are 0, c, 2c, ... while r + p <= H, plus a final row H - p when the last one does not
 * reach the bottom (so every pixel is covered); the same for columns. So rows =
 * (H - p) / c + 1 + ((H - p) % c != 0), likewise cols, and P = rows * cols patches per slice per
 * image. A patch is a vector of dim = p * p * d values ordered (dy, dx, channel within the
 * slice), channel fastest: each pixel's d channels are contiguous (so with d = 8 every 8-block
 * of a patch is one pixel, the unit of the E8 quantizer). */
typedef struct ac_patch_geometry {
  int32_t slice_depth; /* d >= 1, divides D */
  int32_t size;        /* p >= 1 */
  int32_t stride;      /* c in [1, p] */
} ac_patch_geometry;

/* Patches per slice per image (P = rows * cols) of a map of height x width; the geometry must
 * fit (AC_ERR_INVALID_ARGUMENT naming the field otherwise: slice_depth < 1, size < 1,
 * stride outside [1, size], size > height or width, height or width < 1). */
AC_API ac_status ac_patch_count(const ac_patch_geometry* g, int64_t height, int64_t width,
                                int64_t* count);

/* features f32 [N, D, H, W] -> patches f32 [m, N * P, p * p * d]: slice-major, so each slice is
 * one matrix whose rows are ordered image-major, then patch row-major (patch (i, j) of image n
 * is row n P + i cols + j). D not a multiple of d, or a patch larger than the map, is
 * AC_ERR_INVALID_ARGUMENT; a patches tensor of another shape is AC_ERR_SHAPE. Exact copies. */
AC_API ac_status ac_patches_extract(ac_context* ctx, const ac_tensor* features,
                                    const ac_patch_geometry* g, ac_tensor* patches);

/* The inverse ("reconstruction", thesis §6.3.4): features f32 [N, D, H, W] (its shape gives N,
 * D, H, W) where each value is the mean of every patch value covering that pixel and channel,
 * accumulated in double over the covering patches in row-major order and divided by their
 * number, so extract -> rebuild is exactly the identity and every backend gives the same bits.
 * patches must be f32 [m, N * P, p * p * d] for that map and geometry. */
AC_API ac_status ac_patches_rebuild(ac_context* ctx, const ac_tensor* patches,
                                    const ac_patch_geometry* g, ac_tensor* features);

/* Replacement strategies (thesis eqs. 6.3-6.5) per row (the last dimension: one patch) of the
 * original patches P and their quantized version Q, both f32 of one shape [..., dim] (e.g. the
 * [m, N * P, dim] of ac_patches_extract); patches is overwritten with P':
 *   AC_PATCH_PLAIN:  P' = Q;
 *   AC_PATCH_L2:     P' = Q when ||Q - P||_2 < eps, else P + eps (Q - P) / ||Q - P||_2 (the norm
 *                    in double; a row with Q = P stays P);
 *   AC_PATCH_LINF:   P' = P + clip(Q - P, -eps, eps), computed per value as Q where |Q - P| <=
 *                    eps, else P + sign(Q - P) eps;
 *   AC_PATCH_LINEAR: P' = P + eps (Q - P), computed as (1 - eps) P + eps Q in double.
 * So eps = 0 is exactly the identity for L2, LINF and LINEAR; L2 and LINF with eps at least the
 * distance are exactly PLAIN, and LINEAR with eps = 1 is exactly PLAIN. eps must be finite and
 * >= 0; an unknown strategy is AC_ERR_INVALID_ARGUMENT; quantized may alias patches. */
typedef enum ac_patch_strategy {
  AC_PATCH_PLAIN = 0,
  AC_PATCH_L2 = 1,
  AC_PATCH_LINF = 2,
  AC_PATCH_LINEAR = 3
} ac_patch_strategy;
AC_API ac_status ac_patch_strategy_apply(ac_context* ctx, ac_tensor* patches,
                                         const ac_tensor* quantized, int32_t strategy,
                                         float eps);

/* The E8 lattice quantizer (Conway & Sloane, "Fast quantizing and decoding algorithms for
 * lattice quantizers and codes", 1982): each consecutive 8-block v of x (f32, any shape whose
 * element count is a multiple of 8) becomes scale * e(v / scale), e(u) the nearest point of
 * E8 = D8 u (D8 + 1/2) to u; out has x's shape and may alias x. In double: g(u), the nearest
 * point of D8, rounds every coordinate (a tie x.5 goes to the integer of smaller magnitude);
 * when the sum is odd, the coordinate with the largest rounding error (the lowest index among
 * equals) is rounded the other way (up when u_i >= its rounding, else down). e(u) is g(u) or
 * g(u - 1/2) + 1/2, whichever is closer to u; at equal distance the integer point g(u). The
 * output is the double scale * e(u) rounded to float. scale must be finite and > 0. */
AC_API ac_status ac_e8_quantize(ac_context* ctx, const ac_tensor* x, float scale, ac_tensor* out);

/* ---------------------------------------------------------------- Nearest neighbours
 * Exact k-NN of row vectors against a codebook (the quantizer of patch replacement, k-means
 * assignment), and the two helpers around it. Reference kernels: src/cpu/reference_knn.h.
 *
 * Distances are squared L2, sum_j (q_j - c_j)^2, accumulated in double over direct differences
 * and rounded once to float; that float is what is reported and what is sorted: each output row
 * lists its k neighbours by ascending distance, equal distances by ascending codebook index (so an
 * exact duplicate codebook row never displaces the first copy). Backends may rank candidates by a
 * cheaper formula first (the fast CPU kernel: ||q||^2 - 2 q.c + ||c||^2 by BLAS over tiles of
 * queries x codebook rows; CUDA: float direct differences), keep the best k + 4 of that ranking
 * and recompute those exactly before the final sort, so the reported distances are always exact
 * and a ranking error can only swap (or drop, at the k-th place) neighbours whose distances differ
 * by a few float roundings of ||q||^2 + ||c||^2. */

/* Exact k nearest neighbours in squared L2 of each query row among the codebook rows.
 * queries f32 [N, d], codebook f32 [K, d], codebook_sq_norms f32 [K] (= ||c_j||^2: the caller
 * computes it once per codebook with ac_row_sq_norms; backends that rank by the BLAS formula use
 * it, so a wrong one can only make the ranking, never the reported distances, wrong);
 * k in 1..min(K, 64); out indices i32 [N, k] and distances f32 [N, k] (squared L2), each row
 * sorted by ascending distance, ties to the lower codebook index. distances must not share memory
 * with an input. With value checks on (ac_context_set_value_checks) queries and codebook must be
 * finite (AC_ERR_NON_FINITE otherwise; a device read on CUDA); with them off, a NaN distance ranks
 * as +infinity and every index written is still in 0..K-1. Bad shapes or dtypes are AC_ERR_SHAPE,
 * a bad k AC_ERR_INVALID_ARGUMENT, each naming the operand. */
AC_API ac_status ac_knn(ac_context* ctx, const ac_tensor* queries, const ac_tensor* codebook,
                        const ac_tensor* codebook_sq_norms, int32_t k, ac_tensor* indices,
                        ac_tensor* distances);

/* out[i] = sum_j x[i, j]^2 (accumulated in double, rounded to float) for x f32 [N, d]; out f32
 * [N]; out must not share memory with x. */
AC_API ac_status ac_row_sq_norms(ac_context* ctx, const ac_tensor* x, ac_tensor* out);

/* out[i, :] = table[indices[i], :]: table f32 [K, d], indices i32 [N], out f32 [N, d] (exact
 * copies; out must not share memory with table). With value checks on, every index must be in
 * 0..K-1, else AC_ERR_LABEL_RANGE with a message naming the first bad row (a device read on
 * CUDA); with them off, a row whose index is out of range is filled with NaN (never a read out of
 * bounds). */
AC_API ac_status ac_gather_rows(ac_context* ctx, const ac_tensor* table, const ac_tensor* indices,
                                ac_tensor* out);

/* ---------------------------------------------------------------- benchmarking */

/* The CPU SGEMM rate the benchmarks quote convolution throughput against: the median over
 * `reps` timed runs (after one warm-up) of C = A B with square f32 matrices of side `size`,
 * computed exactly as the fast CPU backend's convolutions compute their GEMMs (OpenBLAS on one
 * thread per block, the product split over the context's threads). Writes 2 size^3 / seconds
 * / 1e9 to *gflops. Needs a CPU context; size in [16, 8192], reps in [1, 1000]. */
AC_API ac_status ac_bench_sgemm_gflops(ac_context* ctx, int64_t size, int32_t reps,
                                       double* gflops);

/* ---------------------------------------------------------------- diagnostics */

/* Live handles in the process: contexts, tensors (views included) and the bytes of tensor
 * storage they hold. The soak check (advcore soak) reads them to show that nothing leaks. */
AC_API ac_status ac_live_handles(int64_t* contexts, int64_t* tensors, int64_t* tensor_bytes);

#ifdef __cplusplus
}
#endif
#endif /* ADVCORE_H */
