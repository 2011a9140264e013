namespace AdvCore.Attacks;

/// <summary>
/// sC&amp;W (thesis eqs. 4.11-4.15): C&amp;W on a latent z with r = ŝ_α(z) and y = clip(x + r),
/// minimising ‖r‖² + c·J_μ(y) with Adam and the binary search on c of C&amp;W. Defaults: the thesis
/// MNIST setting (line 1138: margin m = 1, η = 0.1, c = 15, α = 0.95, Laplacian kernel) with the
/// 5×20 schedule of Chapter 5; <see cref="Thesis"/> gives the ImageNet setting for CIFAR-10 (the
/// thesis has no CIFAR-10 column in Chapter 4).
/// </summary>
public sealed record SmoothCarliniWagnerOptions : GraphSmoothingSettings
{
    /// <summary>Values of c tried per image (binary search steps).</summary>
    public int BinarySteps { get; init; } = 5;

    /// <summary>Adam iterations per value of c.</summary>
    public int Iterations { get; init; } = 20;

    /// <summary>Adam's learning rate η.</summary>
    public float LearningRate { get; init; } = 0.1f;

    /// <summary>The first c (the inverse of λ in eq. 4.14).</summary>
    public float InitialConstant { get; init; } = 15f;

    /// <summary>The margin μ of J_μ (eq. 2.19; "m" in the thesis).</summary>
    public float Margin { get; init; } = 1f;

    /// <summary>Adam's β₁.</summary>
    public float Beta1 { get; init; } = 0.9f;

    /// <summary>Adam's β₂.</summary>
    public float Beta2 { get; init; } = 0.999f;

    /// <summary>Adam's ε.</summary>
    public float AdamEpsilon { get; init; } = 1e-8f;

    /// <summary>
    /// The thesis settings for a dataset: MNIST m = 1, η = 0.1, c = 15, α = 0.95; CIFAR-10 takes the
    /// thesis's ImageNet setting (m = 0, η = 0.1, c = 100, α = 0.997).
    /// </summary>
    public static SmoothCarliniWagnerOptions Thesis(string dataset) => Budgets.DatasetKind(dataset) == "mnist"
        ? new SmoothCarliniWagnerOptions()
        : new SmoothCarliniWagnerOptions { Margin = 0f, InitialConstant = 100f, Alpha = 0.997f };

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        OptionChecks.AtLeast(BinarySteps, 1, nameof(BinarySteps));
        OptionChecks.AtLeast(Iterations, 1, nameof(Iterations));
        OptionChecks.Positive(LearningRate, nameof(LearningRate));
        OptionChecks.Positive(InitialConstant, nameof(InitialConstant));
        OptionChecks.NonNegative(Margin, nameof(Margin));
        OptionChecks.InRange(Beta1, 0, 1, nameof(Beta1), hiOpen: true);
        OptionChecks.InRange(Beta2, 0, 1, nameof(Beta2), hiOpen: true);
        OptionChecks.Positive(AdamEpsilon, nameof(AdamEpsilon));
    }
}
