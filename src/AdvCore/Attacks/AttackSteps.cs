using AdvCore.Interop;

namespace AdvCore.Attacks;

/// <summary>
/// The fused attack kernels of the native engine (advcore.h, section "fused attack steps"): one
/// call per attack iteration besides the gradient evaluation, all per-sample state in engine
/// tensors. x, y, grad, best_y have the images' shape [N, ...]; logits are [N, K]; labels, stage,
/// found and active are i32 [N]; per-sample scalars are f32 [N]. "Keep best" means: when y_i is
/// adversarial (argmax of its logits ≠ label) and ‖y_i − x_i‖₂ &lt; bestNorm[i], copy y_i into
/// bestY and its distortion into bestNorm; it always looks at the incoming y, whose logits are
/// given. gradSign is +1 when the attack decreases its loss (margins) and −1 when it increases it
/// (cross-entropy). The exact per-element semantics are documented in advcore.h.
/// Each step has two forms: one taking <see cref="AttackOperands"/> (the shared operands and an
/// <see cref="AttackCriterion"/>, e.g. targeted or with a margin) first, then its own state and
/// parameters; and the original form with separate tensors, which uses
/// <see cref="AttackCriterion.Untargeted"/>.
/// </summary>
public static unsafe class AttackSteps
{
    private static TensorHandle H(Tensor t)
    {
        ArgumentNullException.ThrowIfNull(t);
        return t.Handle;
    }

    private static ContextHandle Ctx(Tensor first)
    {
        ArgumentNullException.ThrowIfNull(first);
        return first.Context.Handle;
    }

    private static TensorHandle Opt(Tensor? t) => t is null ? TensorHandle.Null : t.Handle;

    /// <summary>Untargeted: +1 for losses the attack decreases (the margins), −1 for those it increases (cross-entropy, DLR). Targeted runs: <see cref="AttackSession.GradSign"/>.</summary>
    public static float GradSign(LossKind loss) => loss is LossKind.CrossEntropy or LossKind.Dlr or LossKind.DlrTargeted ? -1f : 1f;

    private static AttackOperands Untargeted(Tensor x, Tensor y, Tensor? grad, Tensor? logits, Tensor? labels, Tensor? bestY,
                                             Tensor? bestNorm)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        return new AttackOperands { X = x, Y = y, Grad = grad, Logits = logits, Labels = labels, BestY = bestY, BestNorm = bestNorm };
    }


    /// <summary>
    /// Keep best on ops.Y (reads X, Y, Logits, Labels, Criterion; BestY/BestNorm optional, Grad
    /// null) and, when given, adversarial[i] = 1 if y_i is adversarial by the criterion else 0.
    /// </summary>
    public static void KeepBest(AttackOperands ops, Tensor? adversarial)
    {
        // The lease holds every SafeHandle until the call has returned.
        using var lease = ops.Acquire();
        NativeAttackOperands native = lease.Native;
        NativeStatus.Check(AttackNative.ac_attack_keep_best(ops.ContextHandle, &native, Opt(adversarial)));
    }

    /// <summary>Keep best on y and, when given, adversarial[i] = 1 if y_i is adversarial else 0.</summary>
    public static void KeepBest(Tensor x, Tensor y, Tensor logits, Tensor labels, Tensor? bestY, Tensor? bestNorm, Tensor? adversarial) =>
        KeepBest(Untargeted(x, y, null, logits, labels, bestY, bestNorm), adversarial);

    /// <summary>
    /// One PGD₂ / PGD∞ / I-FGSM step on ops (reads X, Y, Grad; Logits, Labels, BestY, BestNorm all
    /// given for keep best, or all null).
    /// </summary>
    public static void PgdStep(AttackOperands ops, Tensor eps, Tensor alpha, AttackNorm norm, float gradSign, bool quantize)
    {
        // The lease holds every SafeHandle until the call has returned.
        using var lease = ops.Acquire();
        NativeAttackOperands native = lease.Native;
        NativeStatus.Check(AttackNative.ac_pgd_step(ops.ContextHandle, &native, H(eps), H(alpha), (int)norm, gradSign, quantize ? 1 : 0));
    }

    /// <summary>One DDN step on ops (every operand required).</summary>
    public static void DdnStep(AttackOperands ops, Tensor radius, float alpha, float gamma, float gradSign, bool quantize)
    {
        // The lease holds every SafeHandle until the call has returned.
        using var lease = ops.Acquire();
        NativeAttackOperands native = lease.Native;
        NativeStatus.Check(AttackNative.ac_ddn_step(ops.ContextHandle, &native, H(radius), alpha, gamma, gradSign, quantize ? 1 : 0));
    }

    /// <summary>One BP iteration on ops (every operand required).</summary>
    public static void BpStep(AttackOperands ops, Tensor stage, float gamma, float alpha, float betaMin, float gradSign,
                              BpRounding rounding)
    {
        // The lease holds every SafeHandle until the call has returned.
        using var lease = ops.Acquire();
        NativeAttackOperands native = lease.Native;
        NativeStatus.Check(AttackNative.ac_bp_step(ops.ContextHandle, &native, H(stage), gamma, alpha, betaMin, gradSign, (int)rounding));
    }

    /// <summary>One Adam iteration of C&amp;W L2 on ops (every operand required); w is the tanh-space iterate.</summary>
    public static void CwStep(AttackOperands ops, Tensor w, Tensor lambda, Tensor m, Tensor v, Tensor found,
                              float lr, float beta1, float beta2, float eps, long step)
    {
        // The lease holds every SafeHandle until the call has returned.
        using var lease = ops.Acquire();
        NativeAttackOperands native = lease.Native;
        NativeStatus.Check(AttackNative.ac_cw_step(ops.ContextHandle, &native, H(w), H(lambda), H(m), H(v), H(found), lr, beta1, beta2, eps, step));
    }

    /// <summary>
    /// One DeepFool iteration on ops (reads X, Y, Logits, Labels; the criterion must be
    /// untargeted, a margin keeps a sample going past the boundary).
    /// </summary>
    public static void DeepFoolStep(AttackOperands ops, Tensor rTotal, Tensor jacobian, Tensor active, float overshoot)
    {
        // The lease holds every SafeHandle until the call has returned.
        using var lease = ops.Acquire();
        NativeAttackOperands native = lease.Native;
        NativeStatus.Check(AttackNative.ac_deepfool_step(ops.ContextHandle, &native, H(rTotal), H(jacobian), H(active), overshoot));
    }

    /// <summary>
    /// One JSMA iteration on ops (reads Y, Logits, Labels; X null): with a targeted criterion and
    /// target labels a sample stops once it reaches its target.
    /// </summary>
    public static void JsmaStep(AttackOperands ops, Tensor gradTarget, Tensor gradOther, Tensor domain, Tensor changed,
                                Tensor active, float theta, long maxChanged)
    {
        // The lease holds every SafeHandle until the call has returned.
        using var lease = ops.Acquire();
        NativeAttackOperands native = lease.Native;
        NativeStatus.Check(AttackNative.ac_jsma_step(ops.ContextHandle, &native, H(gradTarget), H(gradOther), H(domain), H(changed), H(active),
                                                       theta, maxChanged));
    }

    /// <summary>
    /// One PGD₂ / PGD∞ / I-FGSM step (eqs. 2.13-2.16): keep best (when logits are given), step
    /// alpha[i] along n(−gradSign·grad) (L2) or sign(−gradSign·grad) (L∞), project on the ball of
    /// radius eps[i] around x, clip to [0,1], and round to the grid when <paramref name="quantize"/>.
    /// </summary>
    public static void PgdStep(Tensor x, Tensor y, Tensor grad, Tensor? logits, Tensor? labels, Tensor? bestY, Tensor? bestNorm,
                               Tensor eps, Tensor alpha, AttackNorm norm, float gradSign, bool quantize) =>
        PgdStep(Untargeted(x, y, grad, logits, labels, bestY, bestNorm), eps, alpha, norm, gradSign, quantize);

    /// <summary>
    /// One DDN step (eq. 2.20): keep best, step <paramref name="alpha"/> along the normalised
    /// gradient, radius[i] ×= (1 − γ) if adversarial else (1 + γ) (capped by the largest possible
    /// distortion), project on the sphere of that radius, clip, and round when asked.
    /// </summary>
    public static void DdnStep(Tensor x, Tensor y, Tensor grad, Tensor logits, Tensor labels, Tensor bestY, Tensor bestNorm,
                               Tensor radius, float alpha, float gamma, float gradSign, bool quantize) =>
        DdnStep(Untargeted(x, y, grad, logits, labels, bestY, bestNorm), radius, alpha, gamma, gradSign, quantize);

    /// <summary>
    /// One BP iteration (thesis Algorithms 1-2): keep best, switch a sample to stage 2 at its first
    /// adversarial iterate, then stage 1 (clip(y − αγ_i ĝ)) or stage 2 OUT (eqs. 5.4-5.7) / IN
    /// (eqs. 5.9-5.10) with the chosen rounding.
    /// </summary>
    public static void BpStep(Tensor x, Tensor y, Tensor grad, Tensor logits, Tensor labels, Tensor bestY, Tensor bestNorm,
                              Tensor stage, float gamma, float alpha, float betaMin, float gradSign, BpRounding rounding) =>
        BpStep(Untargeted(x, y, grad, logits, labels, bestY, bestNorm), stage, gamma, alpha, betaMin, gradSign, rounding);

    /// <summary>
    /// Q_OUT (eq. 5.7): output_i = Q(y_i + β_i(z_i − y_i)) with β_i found by the quantised line
    /// search that brings ‖Q(·) − x_i‖ down to ‖z_i − x_i‖; β (f32 [N]) receives β_i when given.
    /// </summary>
    public static void QuantizedLineSearch(Tensor x, Tensor y, Tensor z, Tensor output, Tensor? beta = null) =>
        NativeStatus.Check(AttackNative.ac_quantized_line_search(Ctx(x), H(x), H(y), H(z), H(output), Opt(beta)));

    /// <summary>C&amp;W change of variable: w = atanh((2x − 1)(1 − 10⁻⁶)), y = (tanh(w) + 1)/2.</summary>
    public static void CwInit(Tensor x, Tensor w, Tensor y) =>
        NativeStatus.Check(AttackNative.ac_cw_init(Ctx(x), H(x), H(w), H(y)));

    /// <summary>
    /// One Adam iteration of C&amp;W L2 (eq. 2.18) given ∂J_μ/∂y at y: keep best, found[i] |= adversarial,
    /// then Adam on w with the gradient of λ_i J_μ + ‖y − x‖², and y = (tanh(w) + 1)/2.
    /// </summary>
    public static void CwStep(Tensor x, Tensor w, Tensor y, Tensor grad, Tensor logits, Tensor labels, Tensor lambda,
                              Tensor m, Tensor v, Tensor found, Tensor bestY, Tensor bestNorm,
                              float lr, float beta1, float beta2, float eps, long step) =>
        CwStep(Untargeted(x, y, grad, logits, labels, bestY, bestNorm), w, lambda, m, v, found, lr, beta1, beta2, eps, step);

    /// <summary>
    /// One DeepFool iteration (eq. 2.21) over all classes: <paramref name="jacobian"/> [N, K, ...]
    /// holds ∇u_c at y up to a term common to every class.
    /// </summary>
    public static void DeepFoolStep(Tensor x, Tensor y, Tensor rTotal, Tensor jacobian, Tensor logits, Tensor labels,
                                    Tensor active, float overshoot) =>
        DeepFoolStep(Untargeted(x, y, null, logits, labels, null, null), rTotal, jacobian, active, overshoot);

    /// <summary>
    /// One JSMA iteration: change the best saliency pair of the domain by θ. domain is 1 for a
    /// feature never changed, 2 for one that changed and may move again, 0 for one out of the
    /// search (saturated); changed counts distinct changed features per image, and an image stops
    /// when it is adversarial, has no qualifying pair, or changed more than maxChanged features.
    /// </summary>
    public static void JsmaStep(Tensor y, Tensor gradTarget, Tensor gradOther, Tensor logits, Tensor labels, Tensor domain,
                                Tensor changed, Tensor active, float theta, long maxChanged) =>
        JsmaStep(new AttackOperands { Y = y ?? throw new ArgumentNullException(nameof(y)), Logits = logits, Labels = labels },
                 gradTarget, gradOther, domain, changed, active, theta, maxChanged);
}
