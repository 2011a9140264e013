namespace AdvCore.Attacks;

/// <summary>
/// PGD (eqs. 2.15-2.16): y ← proj_{B[x;ε]}(y − α·n(∇J(y))) for L2, or the signed step for L∞
/// (Madry et al.), clipped to [0,1], for every budget ε. Step α = StepFraction·ε: the thesis uses
/// α = ε/2 for PGD₂ on MNIST and CIFAR-10; for PGD∞ the default is Madry's 2.5·ε/Iterations.
/// </summary>
public sealed record PgdOptions : AttackOptions
{
    /// <summary>The budget's norm.</summary>
    public AttackNorm Norm { get; init; } = AttackNorm.L2;

    /// <summary>Budgets ε in <see cref="Norm"/>.</summary>
    public IReadOnlyList<float> Epsilons { get; init; } = Budgets.MnistL2;

    /// <summary>Iterations (gradient evaluations) per budget.</summary>
    public int Iterations { get; init; } = 20;

    /// <summary>α/ε; null picks 0.5 for L2 (thesis) and 2.5/Iterations for L∞ (Madry).</summary>
    public float? StepFraction { get; init; }

    /// <summary>Start from a uniformly random point of the ball (Madry's PGD); false starts at x.</summary>
    public bool RandomStart { get; init; }

    /// <summary>Round every iterate to the 8-bit grid.</summary>
    public bool QuantizeEachIteration { get; init; }

    /// <summary>The attack loss.</summary>
    public LossKind Loss { get; init; } = LossKind.CrossEntropy;

    /// <summary>α for budget ε.</summary>
    public float StepFor(float epsilon) => (StepFraction ?? (Norm == AttackNorm.L2 ? 0.5f : 2.5f / Iterations)) * epsilon;

    /// <inheritdoc />
    public override void Validate()
    {
        OptionChecks.Defined(Norm, nameof(Norm));
        OptionChecks.Budgets(Epsilons, nameof(Epsilons));
        OptionChecks.AtLeast(Iterations, 1, nameof(Iterations));
        if (StepFraction is float f) OptionChecks.Positive(f, nameof(StepFraction));
        OptionChecks.Defined(Loss, nameof(Loss));
    }
}
