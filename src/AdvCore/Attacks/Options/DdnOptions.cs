namespace AdvCore.Attacks;

/// <summary>
/// DDN (eq. 2.20; Rony et al. 2019, their defaults as in the thesis): ε₀ = 1, γ = 0.05, step α
/// cosine-annealed from 1 to 0.01, cross-entropy, every iterate rounded to the grid.
/// </summary>
public sealed record DdnOptions : AttackOptions
{
    /// <summary>Iterations (gradient evaluations).</summary>
    public int Iterations { get; init; } = 20;

    /// <summary>Initial norm ε₀.</summary>
    public float InitialNorm { get; init; } = 1f;

    /// <summary>Norm change factor γ: ×(1 − γ) when adversarial, ×(1 + γ) otherwise.</summary>
    public float Gamma { get; init; } = 0.05f;

    /// <summary>First (largest) step α.</summary>
    public float MaxStep { get; init; } = 1f;

    /// <summary>Last (smallest) step α.</summary>
    public float MinStep { get; init; } = 0.01f;

    /// <summary>Round every iterate (Rony et al.'s quantised DDN); ignored when Quantize is false.</summary>
    public bool QuantizeEachIteration { get; init; } = true;

    /// <summary>The attack loss.</summary>
    public LossKind Loss { get; init; } = LossKind.CrossEntropy;

    /// <summary>α at 0-based iteration i: MinStep + (MaxStep − MinStep)(1 + cos(π i/K))/2.</summary>
    public float StepAt(int i) => (float)(MinStep + (MaxStep - MinStep) * (1 + Math.Cos(Math.PI * i / Iterations)) / 2);

    /// <inheritdoc />
    public override void Validate()
    {
        OptionChecks.AtLeast(Iterations, 1, nameof(Iterations));
        OptionChecks.Positive(InitialNorm, nameof(InitialNorm));
        OptionChecks.InRange(Gamma, 0, 1, nameof(Gamma), hiOpen: true);
        OptionChecks.NonNegative(MinStep, nameof(MinStep));
        OptionChecks.Positive(MaxStep, nameof(MaxStep));
        if (MinStep > MaxStep)
            throw new ArgumentOutOfRangeException(nameof(MinStep), MinStep, $"MinStep ({OptionChecks.Show(MinStep)}) must not exceed MaxStep ({OptionChecks.Show(MaxStep)})");
        OptionChecks.Defined(Loss, nameof(Loss));
    }
}
