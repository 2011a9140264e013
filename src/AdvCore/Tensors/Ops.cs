using AdvCore.Interop;

namespace AdvCore;

/// <summary>
/// Thin wrappers over every native kernel. Each runs on the context of its first tensor operand;
/// all operands must belong to that context. Outputs are overwritten, never accumulated into;
/// optional outputs (a bias, a gradient that is not wanted) may be null. Shapes are checked by
/// the engine and mismatches raise <see cref="ShapeMismatchException"/> naming the operand.
/// </summary>
public static class Ops
{
    private static ContextHandle Ctx(Tensor first)
    {
        ArgumentNullException.ThrowIfNull(first);
        return first.Context.Handle;
    }

    private static TensorHandle H(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return tensor.Handle;
    }

    private static TensorHandle Optional(Tensor? tensor) => tensor is null ? TensorHandle.Null : tensor.Handle;

    // ------------------------------------------------------------------ layers

    /// <summary>y[N,O,OH,OW] = conv(x[N,C,H,W], w[O,C,KH,KW]) + b[O].</summary>
    public static void Conv2dForward(Tensor x, Tensor w, Tensor? b, Tensor y, in Conv2dParams p)
    {
        var native = p.ToNative();
        NativeStatus.Check(Native.ac_conv2d_forward(Ctx(x), H(x), H(w), Optional(b), H(y), in native));
    }

    /// <summary>Gradients of <see cref="Conv2dForward"/> given dy; each of dx, dw, db may be null.</summary>
    public static void Conv2dBackward(Tensor x, Tensor w, Tensor dy, Tensor? dx, Tensor? dw, Tensor? db, in Conv2dParams p)
    {
        var native = p.ToNative();
        NativeStatus.Check(Native.ac_conv2d_backward(Ctx(x), H(x), H(w), H(dy), Optional(dx), Optional(dw), Optional(db), in native));
    }

    /// <summary>y[N,O] = x[N,I] wᵀ + b (x may be [N, ...] with I elements per sample).</summary>
    public static void LinearForward(Tensor x, Tensor w, Tensor? b, Tensor y) =>
        NativeStatus.Check(Native.ac_linear_forward(Ctx(x), H(x), H(w), Optional(b), H(y)));

    /// <summary>Gradients of <see cref="LinearForward"/> given dy; each of dx, dw, db may be null.</summary>
    public static void LinearBackward(Tensor x, Tensor w, Tensor dy, Tensor? dx, Tensor? dw, Tensor? db) =>
        NativeStatus.Check(Native.ac_linear_backward(Ctx(x), H(x), H(w), H(dy), Optional(dx), Optional(dw), Optional(db)));

    /// <summary>y = f(x) element-wise; y may be x.</summary>
    public static void ActivationForward(ActivationKind kind, float param, Tensor x, Tensor y) =>
        NativeStatus.Check(Native.ac_activation_forward(Ctx(x), (int)kind, param, H(x), H(y)));

    /// <summary>dx = f'(x)·dy; dx may be dy (relu'(0) = 0, brelu'(t) = 0).</summary>
    public static void ActivationBackward(ActivationKind kind, float param, Tensor x, Tensor dy, Tensor dx) =>
        NativeStatus.Check(Native.ac_activation_backward(Ctx(x), (int)kind, param, H(x), H(dy), H(dx)));

    /// <summary>Max pool; padded positions never win, ties go to the first element.</summary>
    public static void MaxPoolForward(Tensor x, Tensor y, in PoolParams p)
    {
        var native = p.ToNative();
        NativeStatus.Check(Native.ac_maxpool_forward(Ctx(x), H(x), H(y), in native));
    }

    /// <summary>Backward of <see cref="MaxPoolForward"/>.</summary>
    public static void MaxPoolBackward(Tensor x, Tensor dy, Tensor dx, in PoolParams p)
    {
        var native = p.ToNative();
        NativeStatus.Check(Native.ac_maxpool_backward(Ctx(x), H(x), H(dy), H(dx), in native));
    }

    /// <summary>Average pool; padded positions count as zeros.</summary>
    public static void AvgPoolForward(Tensor x, Tensor y, in PoolParams p)
    {
        var native = p.ToNative();
        NativeStatus.Check(Native.ac_avgpool_forward(Ctx(x), H(x), H(y), in native));
    }

    /// <summary>Backward of <see cref="AvgPoolForward"/> (dx's shape gives the input size).</summary>
    public static void AvgPoolBackward(Tensor dy, Tensor dx, in PoolParams p)
    {
        var native = p.ToNative();
        NativeStatus.Check(Native.ac_avgpool_backward(Ctx(dy), H(dy), H(dx), in native));
    }

    /// <summary>y[N,C] (or [N,C,1,1]) = mean over H,W of x[N,C,H,W].</summary>
    public static void GlobalAvgPoolForward(Tensor x, Tensor y) =>
        NativeStatus.Check(Native.ac_global_avgpool_forward(Ctx(x), H(x), H(y)));

    /// <summary>Backward of <see cref="GlobalAvgPoolForward"/>.</summary>
    public static void GlobalAvgPoolBackward(Tensor dy, Tensor dx) =>
        NativeStatus.Check(Native.ac_global_avgpool_backward(Ctx(dy), H(dy), H(dx)));

    /// <summary>
    /// Batch norm per channel of x[N,C,H,W] or x[N,C]. Training: batch statistics, running
    /// statistics updated with <paramref name="momentum"/> (PyTorch convention), mean and
    /// 1/sqrt(var+eps) saved for the backward pass. Eval: running statistics (also saved).
    /// </summary>
    public static void BatchNormForward(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                                        Tensor saveMean, Tensor saveInvStd, Tensor y, bool training, float momentum, float eps) =>
        NativeStatus.Check(Native.ac_batchnorm_forward(Ctx(x), H(x), H(gamma), H(beta), H(runningMean), H(runningVar),
                                                       H(saveMean), H(saveInvStd), H(y), training ? 1 : 0, momentum, eps));

    /// <summary>Backward of <see cref="BatchNormForward"/> with the same <paramref name="training"/> flag; dx, dgamma, dbeta may be null.</summary>
    public static void BatchNormBackward(Tensor x, Tensor gamma, Tensor saveMean, Tensor saveInvStd, Tensor dy,
                                         Tensor? dx, Tensor? dgamma, Tensor? dbeta, bool training) =>
        NativeStatus.Check(Native.ac_batchnorm_backward(Ctx(x), H(x), H(gamma), H(saveMean), H(saveInvStd), H(dy),
                                                        Optional(dx), Optional(dgamma), Optional(dbeta), training ? 1 : 0));

    /// <summary>Inverted dropout: mask = (u ≥ p)/(1 − p) with u from the Philox stream at <paramref name="offset"/>; y = x·mask.</summary>
    public static void DropoutForward(Tensor x, Tensor mask, Tensor y, float p, ulong offset) =>
        NativeStatus.Check(Native.ac_dropout_forward(Ctx(x), H(x), H(mask), H(y), p, offset));

    /// <summary>dx = dy·mask.</summary>
    public static void DropoutBackward(Tensor mask, Tensor dy, Tensor dx) =>
        NativeStatus.Check(Native.ac_dropout_backward(Ctx(mask), H(mask), H(dy), H(dx)));

    /// <summary>y = a + b element-wise (same shapes).</summary>
    public static void Add(Tensor a, Tensor b, Tensor y) =>
        NativeStatus.Check(Native.ac_add(Ctx(a), H(a), H(b), H(y)));

    // ------------------------------------------------------------------ losses

    /// <summary>
    /// Per-sample loss[N] of logits[N,K] against i32 labels[N] (i32 [N, 2] rows (y, t) for
    /// <see cref="LossKind.DlrTargeted"/>) and, when <paramref name="dlogits"/> is not null, each
    /// sample's own gradient dloss_i/dlogits_i (not the mean's).
    /// </summary>
    /// <exception cref="LabelOutOfRangeException">A label outside [0, K).</exception>
    /// <exception cref="InvalidArgumentException">A bad parameter, or a DlrTargeted row with t = y.</exception>
    /// <exception cref="ShapeMismatchException">Labels in the wrong layout, or too few classes (DLR needs K ≥ 3, DlrTargeted K ≥ 4).</exception>
    /// <exception cref="NonFiniteException">The logits hold NaN or infinity.</exception>
    public static void Loss(LossKind kind, float param, Tensor logits, Tensor labels, Tensor loss, Tensor? dlogits) =>
        NativeStatus.Check(Native.ac_loss_forward_backward(Ctx(logits), (int)kind, param, H(logits), H(labels), H(loss), Optional(dlogits)));

    /// <summary>predictions[N] (i32) = argmax of logits[N,K] (first maximiser).</summary>
    public static void ArgMax(Tensor logits, Tensor predictions) =>
        NativeStatus.Check(Native.ac_argmax(Ctx(logits), H(logits), H(predictions)));

    // ------------------------------------------------------------------ optimisers

    /// <summary>One Adam step (bias-corrected at 1-based <paramref name="step"/>; weight decay as L2 on the gradient).</summary>
    public static void AdamUpdate(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2,
                                  float eps, float weightDecay, long step) =>
        NativeStatus.Check(Native.ac_adam_update(Ctx(param), H(param), H(grad), H(m), H(v), lr, beta1, beta2, eps, weightDecay, step));

    /// <summary>One SGD-with-momentum step in PyTorch's form.</summary>
    public static void SgdUpdate(Tensor param, Tensor grad, Tensor velocity, float lr, float momentum, float weightDecay, bool nesterov) =>
        NativeStatus.Check(Native.ac_sgd_update(Ctx(param), H(param), H(grad), H(velocity), lr, momentum, weightDecay, nesterov ? 1 : 0));

    // ------------------------------------------------------------------ per-sample primitives

    /// <summary>output[i] = ‖x_i‖₂.</summary>
    public static void BatchL2Norm(Tensor x, Tensor output) =>
        NativeStatus.Check(Native.ac_batch_l2_norm(Ctx(x), H(x), H(output)));

    /// <summary>output[i] = ‖x_i‖∞.</summary>
    public static void BatchLinfNorm(Tensor x, Tensor output) =>
        NativeStatus.Check(Native.ac_batch_linf_norm(Ctx(x), H(x), H(output)));

    /// <summary>output[i] = ⟨a_i, b_i⟩.</summary>
    public static void BatchDot(Tensor a, Tensor b, Tensor output) =>
        NativeStatus.Check(Native.ac_batch_dot(Ctx(a), H(a), H(b), H(output)));

    /// <summary>y_i += alpha[i]·x_i.</summary>
    public static void BatchAxpy(Tensor alpha, Tensor x, Tensor y) =>
        NativeStatus.Check(Native.ac_batch_axpy(Ctx(x), H(alpha), H(x), H(y)));

    /// <summary>x_i *= alpha[i].</summary>
    public static void BatchScale(Tensor alpha, Tensor x) =>
        NativeStatus.Check(Native.ac_batch_scale(Ctx(x), H(alpha), H(x)));

    /// <summary>x ← min(max(x, 0), 1).</summary>
    public static void Clip01(Tensor x) => NativeStatus.Check(Native.ac_clip01(Ctx(x), H(x)));

    /// <summary>y_i ← center_i + projection of (y_i − center_i) onto the L2 ball of radius eps[i].</summary>
    public static void ProjectL2(Tensor center, Tensor eps, Tensor y) =>
        NativeStatus.Check(Native.ac_project_l2(Ctx(y), H(center), H(eps), H(y)));

    /// <summary>y_i ← center_i + clamp(y_i − center_i, −eps[i], eps[i]).</summary>
    public static void ProjectLinf(Tensor center, Tensor eps, Tensor y) =>
        NativeStatus.Check(Native.ac_project_linf(Ctx(y), H(center), H(eps), H(y)));

    /// <summary>x ← round(255·clip(x))/255 (round half to even): the 8-bit image grid.</summary>
    public static void Quantize8(Tensor x) => NativeStatus.Check(Native.ac_quantize8(Ctx(x), H(x)));

    // ------------------------------------------------------------------ nearest neighbours

    /// <summary>
    /// Exact k nearest neighbours in squared L2 of each row of <paramref name="queries"/> [N, d] among the rows
    /// of <paramref name="codebook"/> [K, d]: <paramref name="indices"/> (int32 [N, k]) and
    /// <paramref name="distances"/> (float32 [N, k]) list them by ascending distance, equal distances by
    /// ascending codebook index. Distances are recomputed exactly (double over direct differences, rounded
    /// once); <paramref name="codebookSqNorms"/> (float32 [K], from <see cref="RowSqNorms"/> once per codebook)
    /// only steers the fast CPU backend's BLAS ranking. <paramref name="k"/> must be in 1..min(K, 64)
    /// (<see cref="InvalidArgumentException"/>); with value checks on, NaN/∞ in queries or codebook raise
    /// <see cref="NonFiniteException"/>.
    /// </summary>
    public static void Knn(Tensor queries, Tensor codebook, Tensor codebookSqNorms, int k, Tensor indices, Tensor distances) =>
        NativeStatus.Check(Native.ac_knn(Ctx(queries), H(queries), H(codebook), H(codebookSqNorms), k, H(indices), H(distances)));

    /// <summary>output[i] = Σⱼ x[i, j]² for x [N, d] (accumulated in double); output [N].</summary>
    public static void RowSqNorms(Tensor x, Tensor output) =>
        NativeStatus.Check(Native.ac_row_sq_norms(Ctx(x), H(x), H(output)));

    /// <summary>
    /// output[i, :] = table[indices[i], :] for table [K, d], indices int32 [N], output [N, d]. With value checks on,
    /// an index outside 0..K-1 raises <see cref="LabelOutOfRangeException"/> naming the row; with them off that row
    /// becomes NaN.
    /// </summary>
    public static void GatherRows(Tensor table, Tensor indices, Tensor output) =>
        NativeStatus.Check(Native.ac_gather_rows(Ctx(table), H(table), H(indices), H(output)));

    // ------------------------------------------------------------------ patch replacement

    /// <summary>
    /// Cuts <paramref name="features"/> [N, D, H, W] into patches (advcore.h <c>ac_patches_extract</c>):
    /// <paramref name="patches"/> is [D / d, N·P, <see cref="PatchGeometry.PatchDim"/>] with P =
    /// <see cref="PatchGeometry.PatchCount"/>(H, W), one matrix per slice, rows image-major then patch
    /// row-major, each row ordered (dy, dx, channel), channel fastest. Exact copies. A geometry that does
    /// not fit (d not dividing D, a patch larger than the map, a stride outside [1, p]) raises
    /// <see cref="InvalidArgumentException"/>; a patches tensor of another shape <see cref="ShapeMismatchException"/>.
    /// </summary>
    public static void ExtractPatches(Tensor features, PatchGeometry g, Tensor patches)
    {
        var native = g.ToNative();
        NativeStatus.Check(Native.ac_patches_extract(Ctx(features), H(features), in native, H(patches)));
    }

    /// <summary>
    /// The inverse of <see cref="ExtractPatches"/> (advcore.h <c>ac_patches_rebuild</c>): each value of
    /// <paramref name="features"/> [N, D, H, W] (whose shape fixes the map) becomes the mean of every patch
    /// value covering it, accumulated in double, so extract → rebuild is exactly the identity and every
    /// backend gives the same bits. <paramref name="patches"/> must be [D / d, N·P, p·p·d].
    /// </summary>
    public static void RebuildPatches(Tensor patches, PatchGeometry g, Tensor features)
    {
        var native = g.ToNative();
        NativeStatus.Check(Native.ac_patches_rebuild(Ctx(patches), H(patches), in native, H(features)));
    }

    /// <summary>
    /// Replaces each patch (row = last dimension) of <paramref name="patches"/> by strategy <paramref name="s"/>
    /// applied to it and its quantized version in <paramref name="quantized"/> (same shape; may be the same
    /// tensor), in place (advcore.h <c>ac_patch_strategy_apply</c>, thesis eqs. 6.3–6.5, see
    /// <see cref="PatchStrategy"/>). ε = 0 is exactly the identity (L2, L∞, linear); L2 and L∞ with ε beyond
    /// the distance, and linear with ε = 1, are exactly <see cref="PatchStrategy.Plain"/>.
    /// <paramref name="epsilon"/> must be finite and ≥ 0 (<see cref="InvalidArgumentException"/>).
    /// </summary>
    public static void ApplyPatchStrategy(Tensor patches, Tensor quantized, PatchStrategy s, float epsilon) =>
        NativeStatus.Check(Native.ac_patch_strategy_apply(Ctx(patches), H(patches), H(quantized), (int)s, epsilon));

    /// <summary>
    /// The E8 lattice quantizer (advcore.h <c>ac_e8_quantize</c>; Conway &amp; Sloane 1982): every consecutive
    /// 8-block v of <paramref name="x"/> (element count a multiple of 8, else <see cref="ShapeMismatchException"/>)
    /// becomes scale · (the point of E8 = D8 ∪ (D8 + ½) nearest to v / scale) in <paramref name="output"/>
    /// (same shape; may be <paramref name="x"/>). Deterministic at ties: a coordinate at x.5 rounds to the smaller
    /// magnitude, D8's parity fix moves the lowest-index coordinate of largest rounding error, and the integer
    /// coset wins at equal distance. <paramref name="scale"/> must be finite and &gt; 0.
    /// </summary>
    public static void QuantizeE8(Tensor x, float scale, Tensor output) =>
        NativeStatus.Check(Native.ac_e8_quantize(Ctx(x), H(x), scale, H(output)));
}
