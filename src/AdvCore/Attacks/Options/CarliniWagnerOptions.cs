namespace AdvCore.Attacks;

/// <summary>
/// C&amp;W L2 (eqs. 2.18-2.19): minimise ‖y − x‖² + λ·J_μ(y) over y = (tanh(w) + 1)/2 with Adam, for
/// <see cref="BinarySteps"/> values of λ per image chosen by binary search ("5×20" = 5 values × 20
/// iterations). Defaults: the thesis MNIST 5×20 setting (η = 0.5, initial λ = 1); see
/// <see cref="Thesis"/> for the others.
/// </summary>
public sealed record CarliniWagnerOptions : AttackOptions
{
    /// <summary>Values of λ tried per image (binary search steps).</summary>
    public int BinarySteps { get; init; } = 5;

    /// <summary>Adam iterations per value of λ.</summary>
    public int Iterations { get; init; } = 20;

    /// <summary>Adam's learning rate η.</summary>
    public float LearningRate { get; init; } = 0.5f;

    /// <summary>The first λ ("c" in Carlini &amp; Wagner).</summary>
    public float InitialConstant { get; init; } = 1f;

    /// <summary>The margin μ of J_μ (eq. 2.19; κ in Carlini &amp; Wagner).</summary>
    public float Margin { get; init; }

    /// <summary>Adam's β₁.</summary>
    public float Beta1 { get; init; } = 0.9f;

    /// <summary>Adam's β₂.</summary>
    public float Beta2 { get; init; } = 0.999f;

    /// <summary>Adam's ε.</summary>
    public float AdamEpsilon { get; init; } = 1e-8f;

    /// <summary>
    /// The thesis settings (§5.3.1): MNIST 5×20: η = 0.5, λ = 1; 1×100: η = 0.1, λ = 10. CIFAR-10
    /// 5×20: η = 0.1, λ = 0.1; 1×100: η = 0.01, λ = 1. <paramref name="schedule"/> is "5x20" or "1x100".
    /// </summary>
    public static CarliniWagnerOptions Thesis(string dataset, string schedule = "5x20")
    {
        bool mnist = Budgets.DatasetKind(dataset) == "mnist";
        return schedule.Replace('×', 'x').ToLowerInvariant() switch
        {
            "5x20" => new CarliniWagnerOptions { BinarySteps = 5, Iterations = 20, LearningRate = mnist ? 0.5f : 0.1f, InitialConstant = mnist ? 1f : 0.1f },
            "1x100" => new CarliniWagnerOptions { BinarySteps = 1, Iterations = 100, LearningRate = mnist ? 0.1f : 0.01f, InitialConstant = mnist ? 10f : 1f },
            _ => throw new ArgumentException($"unknown C&W schedule '{schedule}' (expected 5x20 or 1x100)", nameof(schedule)),
        };
    }

    /// <inheritdoc />
    public override void Validate()
    {
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
