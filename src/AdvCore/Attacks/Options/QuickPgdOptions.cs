namespace AdvCore.Attacks;

/// <summary>
/// qPGD₂ (thesis eq. 4.8): PGD₂ whose update direction is n(ŝ_α(g)), the gradient smoothed by the
/// graph Laplacian of the original image — "quick and dirty" smoothing, applied after the gradient
/// and before the normalisation. Budgets and step as PGD₂ (α = ε/2); smoothing as
/// <see cref="GraphSmoothingSettings"/>.
/// </summary>
public sealed record QuickPgdOptions : GraphSmoothingSettings
{
    /// <summary>L2 budgets ε.</summary>
    public IReadOnlyList<float> Epsilons { get; init; } = Budgets.MnistL2;

    /// <summary>Iterations (gradient evaluations) per budget.</summary>
    public int Iterations { get; init; } = 20;

    /// <summary>α/ε (the thesis uses ε/2 for PGD₂).</summary>
    public float StepFraction { get; init; } = 0.5f;

    /// <summary>Round every iterate to the 8-bit grid.</summary>
    public bool QuantizeEachIteration { get; init; }

    /// <summary>The attack loss.</summary>
    public LossKind Loss { get; init; } = LossKind.CrossEntropy;

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        OptionChecks.Budgets(Epsilons, nameof(Epsilons));
        OptionChecks.AtLeast(Iterations, 1, nameof(Iterations));
        OptionChecks.Positive(StepFraction, nameof(StepFraction));
        OptionChecks.Defined(Loss, nameof(Loss));
    }
}
