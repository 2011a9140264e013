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
}
