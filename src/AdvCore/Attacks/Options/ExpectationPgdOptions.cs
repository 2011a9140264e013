using AdvCore.Defenses;

namespace AdvCore.Attacks;

/// <summary>
/// PGD on an expectation over Gaussian noise (seed 003 §4.2): EPGD differentiates the loss of
/// the mean logits over m noisy copies (eq. 24), Salman et al.'s attack the cross-entropy of the
/// mean softmax (eq. 25). Against a <see cref="SmoothedClassifier"/> the noise is the defense's
/// own (its σ and m; <see cref="Sigma"/> and <see cref="Samples"/> are then not used); against any
/// other classifier the attack draws m copies with σ itself. Budgets and step as PGD₂ (α = ε/2).
/// </summary>
public sealed record ExpectationPgdOptions : AttackOptions
{
    /// <summary>The budget's norm.</summary>
    public AttackNorm Norm { get; init; } = AttackNorm.L2;

    /// <summary>Budgets ε in <see cref="Norm"/>.</summary>
    public IReadOnlyList<float> Epsilons { get; init; } = Budgets.MnistL2;

    /// <summary>Iterations (expected gradients) per budget.</summary>
    public int Iterations { get; init; } = 20;

    /// <summary>α/ε; null picks 0.5 for L2 (thesis) and 2.5/Iterations for L∞ (Madry).</summary>
    public float? StepFraction { get; init; }

    /// <summary>Noise σ of the copies when the model is not already a smoothed classifier.</summary>
    public float Sigma { get; init; } = 0.25f;

    /// <summary>Noisy copies m per gradient when the model is not already a smoothed classifier.</summary>
    public int Samples { get; init; } = 8;

    /// <summary>What is differentiated: the mean logits (EPGD) or the mean softmax (Salman et al.).</summary>
    public ExpectationHead Head { get; init; } = ExpectationHead.MeanLogits;

    /// <summary>The attack loss (the mean-softmax head takes cross-entropy only).</summary>
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
        OptionChecks.NonNegative(Sigma, nameof(Sigma));
        OptionChecks.AtLeast(Samples, 1, nameof(Samples));
        OptionChecks.Defined(Head, nameof(Head));
        OptionChecks.Defined(Loss, nameof(Loss));
        if (Head == ExpectationHead.MeanSoftmax && Loss != LossKind.CrossEntropy)
            throw new ArgumentException($"the mean-softmax attack (Salman et al.) uses cross-entropy, not {Loss}", nameof(Loss));
    }
}
