using System.Runtime.InteropServices;

namespace AdvCore.Interop;

/// <summary>
/// One declaration per entry point of native/include/advcore.h (the fused attack steps are
/// declared beside the attacks, in Attacks/AttackNative.cs). Handles travel as SafeHandles, so
/// the marshaller keeps them alive for the duration of a call and a closed handle becomes an
/// <see cref="ObjectDisposedException"/> instead of a dangling pointer. Every function returns a
/// raw status; callers wrap it in <see cref="NativeStatus.Check(int)"/>.
/// </summary>
internal static unsafe partial class Native
{
    internal const string LibraryName = "advcore";

    // Registering here (not in a module initializer) guarantees the resolver is in place before
    // the first stub of this class binds, without touching the rest of the assembly.
    static Native() => NativeLibraryResolver.Register(typeof(Native).Assembly);

    // ------------------------------------------------------------- status, errors, version
    [LibraryImport(LibraryName)] internal static partial nint ac_last_error();
    [LibraryImport(LibraryName)] internal static partial nint ac_version();

    // ------------------------------------------------------------- backends and context
    [LibraryImport(LibraryName)]
    internal static partial int ac_device_available(int device, out int available, byte* reason, int reasonSize);

    [LibraryImport(LibraryName)]
    internal static partial int ac_context_create(int device, int threads, ulong seed, uint flags, out ContextHandle ctx);

    // Takes the raw pointer: it is only called from ContextHandle.ReleaseHandle.
    [LibraryImport(LibraryName)] internal static partial int ac_context_destroy(nint ctx);
    [LibraryImport(LibraryName)] internal static partial int ac_context_device(ContextHandle ctx, out int device);
    [LibraryImport(LibraryName)] internal static partial int ac_context_threads(ContextHandle ctx, out int threads);
    [LibraryImport(LibraryName)] internal static partial int ac_context_synchronize(ContextHandle ctx);
    [LibraryImport(LibraryName)] internal static partial int ac_context_workspace_bytes(ContextHandle ctx, out long bytes);
    [LibraryImport(LibraryName)] internal static partial int ac_context_set_value_checks(ContextHandle ctx, int enabled);
    [LibraryImport(LibraryName)] internal static partial int ac_context_get_value_checks(ContextHandle ctx, out int enabled);
    [LibraryImport(LibraryName)] internal static partial int ac_context_transfer_counts(ContextHandle ctx, out AcTransferCounts counts);
    [LibraryImport(LibraryName)] internal static partial int ac_context_reset_transfer_counts(ContextHandle ctx);
    [LibraryImport(LibraryName)] internal static partial int ac_live_handles(out long contexts, out long tensors, out long tensorBytes);
    [LibraryImport(LibraryName)] internal static partial int ac_bench_sgemm_gflops(ContextHandle ctx, long size, int reps, out double gflops);

    // ------------------------------------------------------------- tensors
    [LibraryImport(LibraryName)]
    internal static partial int ac_tensor_create(ContextHandle ctx, int dtype, int ndim, long* shape, out TensorHandle t);

    [LibraryImport(LibraryName)]
    internal static partial int ac_tensor_view(TensorHandle src, int ndim, long* shape, out TensorHandle t);

    // Raw pointer: only called from TensorHandle.ReleaseHandle.
    [LibraryImport(LibraryName)] internal static partial int ac_tensor_destroy(nint t);
    [LibraryImport(LibraryName)] internal static partial int ac_tensor_dtype(TensorHandle t, out int dtype);
    [LibraryImport(LibraryName)] internal static partial int ac_tensor_ndim(TensorHandle t, out int ndim);
    [LibraryImport(LibraryName)] internal static partial int ac_tensor_shape(TensorHandle t, long* shape);
    [LibraryImport(LibraryName)] internal static partial int ac_tensor_count(TensorHandle t, out long count);
    [LibraryImport(LibraryName)] internal static partial int ac_tensor_copy_from_host(TensorHandle t, void* src, long bytes);
    [LibraryImport(LibraryName)] internal static partial int ac_tensor_copy_to_host(TensorHandle t, void* dst, long bytes);
    [LibraryImport(LibraryName)] internal static partial int ac_tensor_copy(TensorHandle dst, TensorHandle src);
    [LibraryImport(LibraryName)] internal static partial int ac_tensor_fill(TensorHandle t, float value);

    [LibraryImport(LibraryName)]
    internal static partial int ac_tensor_copy_samples(TensorHandle dst, long dstStart, TensorHandle src, long srcStart, long count);

    [LibraryImport(LibraryName)] internal static partial int ac_tensor_check_finite(TensorHandle t);
    [LibraryImport(LibraryName)] internal static partial int ac_tensor_fill_normal(TensorHandle t, float mean, float std, ulong offset);
    [LibraryImport(LibraryName)] internal static partial int ac_tensor_fill_uniform(TensorHandle t, float lo, float hi, ulong offset);

    // ------------------------------------------------------------- layers
    [LibraryImport(LibraryName)]
    internal static partial int ac_conv2d_same_padding(int input, int kernel, int stride, out int padBefore, out int padAfter);

    [LibraryImport(LibraryName)]
    internal static partial int ac_conv2d_forward(ContextHandle ctx, TensorHandle x, TensorHandle w, TensorHandle b,
                                                  TensorHandle y, in AcConv2dParams p);

    [LibraryImport(LibraryName)]
    internal static partial int ac_conv2d_backward(ContextHandle ctx, TensorHandle x, TensorHandle w, TensorHandle dy,
                                                   TensorHandle dx, TensorHandle dw, TensorHandle db, in AcConv2dParams p);

    [LibraryImport(LibraryName)]
    internal static partial int ac_linear_forward(ContextHandle ctx, TensorHandle x, TensorHandle w, TensorHandle b, TensorHandle y);

    [LibraryImport(LibraryName)]
    internal static partial int ac_linear_backward(ContextHandle ctx, TensorHandle x, TensorHandle w, TensorHandle dy,
                                                   TensorHandle dx, TensorHandle dw, TensorHandle db);

    [LibraryImport(LibraryName)]
    internal static partial int ac_activation_forward(ContextHandle ctx, int kind, float param, TensorHandle x, TensorHandle y);

    [LibraryImport(LibraryName)]
    internal static partial int ac_activation_backward(ContextHandle ctx, int kind, float param, TensorHandle x,
                                                       TensorHandle dy, TensorHandle dx);

    [LibraryImport(LibraryName)]
    internal static partial int ac_maxpool_forward(ContextHandle ctx, TensorHandle x, TensorHandle y, in AcPoolParams p);

    [LibraryImport(LibraryName)]
    internal static partial int ac_maxpool_backward(ContextHandle ctx, TensorHandle x, TensorHandle dy, TensorHandle dx,
                                                    in AcPoolParams p);

    [LibraryImport(LibraryName)]
    internal static partial int ac_avgpool_forward(ContextHandle ctx, TensorHandle x, TensorHandle y, in AcPoolParams p);

    [LibraryImport(LibraryName)]
    internal static partial int ac_avgpool_backward(ContextHandle ctx, TensorHandle dy, TensorHandle dx, in AcPoolParams p);

    [LibraryImport(LibraryName)] internal static partial int ac_global_avgpool_forward(ContextHandle ctx, TensorHandle x, TensorHandle y);
    [LibraryImport(LibraryName)] internal static partial int ac_global_avgpool_backward(ContextHandle ctx, TensorHandle dy, TensorHandle dx);

    [LibraryImport(LibraryName)]
    internal static partial int ac_batchnorm_forward(ContextHandle ctx, TensorHandle x, TensorHandle gamma, TensorHandle beta,
                                                     TensorHandle runningMean, TensorHandle runningVar,
                                                     TensorHandle saveMean, TensorHandle saveInvstd, TensorHandle y,
                                                     int training, float momentum, float eps);

    [LibraryImport(LibraryName)]
    internal static partial int ac_batchnorm_backward(ContextHandle ctx, TensorHandle x, TensorHandle gamma,
                                                      TensorHandle saveMean, TensorHandle saveInvstd, TensorHandle dy,
                                                      TensorHandle dx, TensorHandle dgamma, TensorHandle dbeta, int training);

    [LibraryImport(LibraryName)]
    internal static partial int ac_dropout_forward(ContextHandle ctx, TensorHandle x, TensorHandle mask, TensorHandle y,
                                                   float p, ulong offset);

    [LibraryImport(LibraryName)]
    internal static partial int ac_dropout_backward(ContextHandle ctx, TensorHandle mask, TensorHandle dy, TensorHandle dx);

    [LibraryImport(LibraryName)]
    internal static partial int ac_add(ContextHandle ctx, TensorHandle a, TensorHandle b, TensorHandle y);

    // ------------------------------------------------------------- losses
    [LibraryImport(LibraryName)]
    internal static partial int ac_loss_forward_backward(ContextHandle ctx, int kind, float param, TensorHandle logits,
                                                         TensorHandle labels, TensorHandle loss, TensorHandle dlogits);

    [LibraryImport(LibraryName)]
    internal static partial int ac_argmax(ContextHandle ctx, TensorHandle logits, TensorHandle predictions);

    // ------------------------------------------------------------- optimisers
    [LibraryImport(LibraryName)]
    internal static partial int ac_adam_update(ContextHandle ctx, TensorHandle param, TensorHandle grad, TensorHandle m,
                                               TensorHandle v, float lr, float beta1, float beta2, float eps,
                                               float weightDecay, long step);

    [LibraryImport(LibraryName)]
    internal static partial int ac_sgd_update(ContextHandle ctx, TensorHandle param, TensorHandle grad, TensorHandle velocity,
                                              float lr, float momentum, float weightDecay, int nesterov);

    // ------------------------------------------------------------- attack primitives
    [LibraryImport(LibraryName)] internal static partial int ac_batch_l2_norm(ContextHandle ctx, TensorHandle x, TensorHandle output);
    [LibraryImport(LibraryName)] internal static partial int ac_batch_linf_norm(ContextHandle ctx, TensorHandle x, TensorHandle output);
    [LibraryImport(LibraryName)] internal static partial int ac_batch_dot(ContextHandle ctx, TensorHandle a, TensorHandle b, TensorHandle output);
    [LibraryImport(LibraryName)] internal static partial int ac_batch_axpy(ContextHandle ctx, TensorHandle alpha, TensorHandle x, TensorHandle y);
    [LibraryImport(LibraryName)] internal static partial int ac_batch_scale(ContextHandle ctx, TensorHandle alpha, TensorHandle x);
    [LibraryImport(LibraryName)] internal static partial int ac_clip01(ContextHandle ctx, TensorHandle x);
    [LibraryImport(LibraryName)] internal static partial int ac_project_l2(ContextHandle ctx, TensorHandle center, TensorHandle eps, TensorHandle y);
    [LibraryImport(LibraryName)] internal static partial int ac_project_linf(ContextHandle ctx, TensorHandle center, TensorHandle eps, TensorHandle y);
    [LibraryImport(LibraryName)] internal static partial int ac_quantize8(ContextHandle ctx, TensorHandle x);

    // Gaussian low-pass and SmoothClip (advcore.h section "Gaussian low-pass and SmoothClip").
    [LibraryImport(LibraryName)] internal static partial int ac_gaussian_blur(ContextHandle ctx, TensorHandle x, float sigma, TensorHandle y);
    [LibraryImport(LibraryName)] internal static partial int ac_smooth_clip_masks(ContextHandle ctx, TensorHandle x, TensorHandle r, float eps, TensorHandle m0,
                                                                                TensorHandle m1, TensorHandle a0, TensorHandle a1, TensorHandle outside);

    // Nearest neighbours (advcore.h section "Nearest neighbours").
    [LibraryImport(LibraryName)]
    internal static partial int ac_knn(ContextHandle ctx, TensorHandle queries, TensorHandle codebook, TensorHandle codebookSqNorms,
                                       int k, TensorHandle indices, TensorHandle distances);
    [LibraryImport(LibraryName)] internal static partial int ac_row_sq_norms(ContextHandle ctx, TensorHandle x, TensorHandle output);
    [LibraryImport(LibraryName)] internal static partial int ac_gather_rows(ContextHandle ctx, TensorHandle table, TensorHandle indices, TensorHandle output);

    // Patch replacement (advcore.h section "Patch replacement").
    [LibraryImport(LibraryName)] internal static partial int ac_patch_count(in AcPatchGeometry g, long height, long width, out long count);
    [LibraryImport(LibraryName)] internal static partial int ac_patches_extract(ContextHandle ctx, TensorHandle features, in AcPatchGeometry g, TensorHandle patches);
    [LibraryImport(LibraryName)] internal static partial int ac_patches_rebuild(ContextHandle ctx, TensorHandle patches, in AcPatchGeometry g, TensorHandle features);
    [LibraryImport(LibraryName)] internal static partial int ac_patch_strategy_apply(ContextHandle ctx, TensorHandle patches, TensorHandle quantized, int strategy, float eps);
    [LibraryImport(LibraryName)] internal static partial int ac_e8_quantize(ContextHandle ctx, TensorHandle x, float scale, TensorHandle output);
}
