namespace AdvCore.Attacks;

/// <summary>FGSM (eq. 2.12): y = clip(x − ε·sign ∇J(x)), run for every budget ε.</summary>
public sealed record FgsmOptions : AttackOptions
{
    /// <summary>L∞ budgets ε; each image keeps its least-distorted success.</summary>
    public IReadOnlyList<float> Epsilons { get; init; } = Budgets.MnistLinf;

    /// <summary>The attack loss (cross-entropy, increased; margins, decreased).</summary>
    public LossKind Loss { get; init; } = LossKind.CrossEntropy;

    /// <inheritdoc />
    public override void Validate()
    {
        OptionChecks.Budgets(Epsilons, nameof(Epsilons));
        OptionChecks.Defined(Loss, nameof(Loss));
    }
}
