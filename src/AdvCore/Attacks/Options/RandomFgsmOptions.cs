namespace AdvCore.Attacks;

/// <summary>
/// Random+FGSM ("Efficient Defenses" §4.1, Tramèr et al.): x' = x + α·sign(N(0, I)), then one FGSM
/// step of ε − α from x'. α = 0.05; for budgets ε ≤ 2α the random step is α(ε) = ε/2 so that the
/// gradient step keeps at least half the budget.
/// </summary>
public sealed record RandomFgsmOptions : AttackOptions
{
    /// <summary>L∞ budgets ε.</summary>
    public IReadOnlyList<float> Epsilons { get; init; } = Budgets.MnistLinf;

    /// <summary>The random step α.</summary>
    public float Alpha { get; init; } = 0.05f;

    /// <summary>The attack loss.</summary>
    public LossKind Loss { get; init; } = LossKind.CrossEntropy;

    /// <summary>The random step for budget ε.</summary>
    public float AlphaFor(float epsilon) => Math.Min(Alpha, epsilon / 2);

    /// <inheritdoc />
    public override void Validate()
    {
        OptionChecks.Budgets(Epsilons, nameof(Epsilons));
        OptionChecks.Positive(Alpha, nameof(Alpha));
        OptionChecks.Defined(Loss, nameof(Loss));
    }
}
