namespace AdvCore.Attacks;

/// <summary>
/// I-FGSM / BIM (eq. 2.13): y ← proj_{B∞[x;ε]}(y − α·sign ∇J(y)), clipped to [0,1]. The thesis uses
/// α = 0.08 with ε &gt; α; for a grid of budgets the step is scaled as α(ε) = min(StepSize,
/// StepFraction·ε), so small budgets take proportionally small steps instead of jumping to a
/// corner of the box at the first iteration (StepFraction = 0.25 reaches the boundary in 4 steps).
/// </summary>
public sealed record IterativeFgsmOptions : AttackOptions
{
    /// <summary>L∞ budgets ε.</summary>
    public IReadOnlyList<float> Epsilons { get; init; } = Budgets.MnistLinf;

    /// <summary>Iterations (gradient evaluations) per budget.</summary>
    public int Iterations { get; init; } = 20;

    /// <summary>The thesis step α = 0.08, the largest step taken.</summary>
    public float StepSize { get; init; } = 0.08f;

    /// <summary>The step is at most this fraction of ε.</summary>
    public float StepFraction { get; init; } = 0.25f;

    /// <summary>Round every iterate to the 8-bit grid (the output is rounded in any case when Quantize).</summary>
    public bool QuantizeEachIteration { get; init; }

    /// <summary>The attack loss.</summary>
    public LossKind Loss { get; init; } = LossKind.CrossEntropy;

    /// <summary>α for budget ε.</summary>
    public float StepFor(float epsilon) => Math.Min(StepSize, StepFraction * epsilon);

    /// <inheritdoc />
    public override void Validate()
    {
        OptionChecks.Budgets(Epsilons, nameof(Epsilons));
        OptionChecks.AtLeast(Iterations, 1, nameof(Iterations));
        OptionChecks.Positive(StepSize, nameof(StepSize));
        OptionChecks.Positive(StepFraction, nameof(StepFraction));
        OptionChecks.Defined(Loss, nameof(Loss));
    }
}
