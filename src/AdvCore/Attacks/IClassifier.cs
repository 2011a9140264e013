using AdvCore.Nn;

namespace AdvCore.Attacks;

/// <summary>
/// What an attack needs from a model: logits and one "gradient evaluation" (forward + backward to
/// the input for a per-sample loss). A <see cref="Network"/> is one (see
/// <see cref="NetworkClassifier"/>); defenses such as randomized smoothing or BPDA wrappers can be
/// others. Returned tensors belong to the classifier and may be overwritten by its next call.
/// </summary>
public interface IClassifier
{
    /// <summary>The context inputs must live on.</summary>
    Context Context { get; }

    /// <summary>Per-sample input shape (C,H,W for images).</summary>
    IReadOnlyList<int> InputShape { get; }

    /// <summary>Number of classes K.</summary>
    int Classes { get; }

    /// <summary>Eval-mode logits [N, K] of x [N, ...InputShape].</summary>
    Tensor Logits(Tensor x);

    /// <summary>One gradient evaluation: per-sample loss, logits and ∂loss_i/∂x_i.</summary>
    GradientResult Gradient(Tensor x, Tensor labels, LossKind loss, float lossParam = 0);

    /// <summary>
    /// Base-model passes one query of N images costs per image: 1 for a network, m for a
    /// randomized-smoothing classifier over m noisy copies (the attack harness charges that many).
    /// </summary>
    int PassesPerImage => 1;

    /// <summary>Base-model gradient passes one gradient query costs per image (a smoothed classifier: its copies per gradient).</summary>
    int GradientPassesPerImage => PassesPerImage;

    /// <summary>
    /// A vector-Jacobian product: logits of x and ∂⟨v_i, z_i⟩/∂x_i for a logit gradient v [N, K].
    /// Needed to differentiate losses of averaged logits (EPGD); classifiers that cannot say so.
    /// </summary>
    /// <exception cref="NotSupportedException">The classifier has no vector-Jacobian product.</exception>
    GradientResult GradientOfLogits(Tensor x, Tensor logitGradient) =>
        throw new NotSupportedException($"{GetType().Name} has no vector-Jacobian product (needed to differentiate averaged logits)");
}
