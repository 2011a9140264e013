namespace AdvCore.Attacks;

/// <summary>
/// BP, Boundary Projection (thesis ch. 5, Algorithms 1-2): K iterations in total, γ_i = γ_min +
/// i/(K+1)·(1 − γ_min) (eq. 5.1), stage-1 step α, Q_IN's β_min (eq. 5.10). Defaults: α = 2,
/// γ_min = 0.7, β_min = 0.1, rounding with Q_IN/Q_OUT, the log-probability margin (eq. 2.8).
/// </summary>
public sealed record BoundaryProjectionOptions : AttackOptions
{
    /// <summary>K, the number of iterations = gradient evaluations.</summary>
    public int Iterations { get; init; } = 20;

    /// <summary>Stage-1 step α.</summary>
    public float Alpha { get; init; } = 2f;

    /// <summary>γ_min of eq. 5.1, in (0, 1].</summary>
    public float GammaMin { get; init; } = 0.7f;

    /// <summary>β_min of eq. 5.10.</summary>
    public float BetaMin { get; init; } = 0.1f;

    /// <summary>Where iterates are rounded (thesis Table 5.1); ignored (never) when Quantize is false.</summary>
    public BpRounding Rounding { get; init; } = BpRounding.QInOut;

    /// <summary>The loss L whose gradient BP follows.</summary>
    public LossKind Loss { get; init; } = LossKind.LogProbMargin;

    /// <summary>γ_i of eq. 5.1 for 0-based iteration i.</summary>
    public float GammaAt(int i) => GammaMin + (float)i / (Iterations + 1) * (1 - GammaMin);

    /// <inheritdoc />
    public override void Validate()
    {
        OptionChecks.AtLeast(Iterations, 1, nameof(Iterations));
        OptionChecks.Positive(Alpha, nameof(Alpha));
        OptionChecks.InRange(GammaMin, 0, 1, nameof(GammaMin), loOpen: true);
        OptionChecks.NonNegative(BetaMin, nameof(BetaMin));
        OptionChecks.Defined(Rounding, nameof(Rounding));
        OptionChecks.Defined(Loss, nameof(Loss));
    }
}
