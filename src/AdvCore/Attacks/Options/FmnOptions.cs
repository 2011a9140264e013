namespace AdvCore.Attacks;

/// <summary>
/// FMN, Fast Minimum-Norm (Pintor et al., NeurIPS 2021), with the defaults of the reference code
/// (J. Rony's adversarial-library, <c>fmn</c>): 10 steps, step α cosine-annealed from 1 to
/// α_init/100, norm-change factor γ cosine-annealed from 0.05 to 0.001, the logit-difference
/// loss. The paper runs up to 1000 steps; raise <see cref="Iterations"/> for that.
/// adv-lib's binary_search_steps only applies to user-given adversarial starting points, which
/// this attack does not take (it always starts at x), so it has no such option.
/// </summary>
public sealed record FmnOptions : AttackOptions
{
    /// <summary>The norm minimised: L2 (fmn-l2) or L∞ (fmn-linf).</summary>
    public AttackNorm Norm { get; init; } = AttackNorm.L2;

    /// <summary>Steps K (adv-lib's <c>steps</c>); one gradient evaluation each.</summary>
    public int Iterations { get; init; } = 10;

    /// <summary>First step size α_init.</summary>
    public float AlphaInit { get; init; } = 1f;

    /// <summary>Last step size α_final; null: α_init/100 (adv-lib).</summary>
    public float? AlphaFinal { get; init; }

    /// <summary>First norm-change factor γ_init: ε ← ε(1 ∓ γ).</summary>
    public float GammaInit { get; init; } = 0.05f;

    /// <summary>Last norm-change factor γ_final.</summary>
    public float GammaFinal { get; init; } = 0.001f;

    /// <summary>α_final as used.</summary>
    public float AlphaFinalOrDefault => AlphaFinal ?? AlphaInit / 100;

    /// <summary>Cosine factor (1 + cos(π i/K))/2 of 0-based step i.</summary>
    public double CosineAt(int i) => (1 + Math.Cos(Math.PI * i / Iterations)) / 2;

    /// <summary>α at 0-based step i: α_final + (α_init − α_final)·(1 + cos(π i/K))/2.</summary>
    public double AlphaAt(int i) => AlphaFinalOrDefault + ((double)AlphaInit - AlphaFinalOrDefault) * CosineAt(i);

    /// <summary>γ at 0-based step i: γ_final + (γ_init − γ_final)·(1 + cos(π i/K))/2.</summary>
    public double GammaAt(int i) => GammaFinal + ((double)GammaInit - GammaFinal) * CosineAt(i);

    /// <inheritdoc />
    public override void Validate()
    {
        OptionChecks.Defined(Norm, nameof(Norm));
        OptionChecks.AtLeast(Iterations, 1, nameof(Iterations));
        OptionChecks.Positive(AlphaInit, nameof(AlphaInit));
        if (AlphaFinal is float a)
        {
            OptionChecks.Positive(a, nameof(AlphaFinal));
            if (a > AlphaInit)
                throw new ArgumentOutOfRangeException(nameof(AlphaFinal), a, $"AlphaFinal ({OptionChecks.Show(a)}) must not exceed AlphaInit ({OptionChecks.Show(AlphaInit)})");
        }
        OptionChecks.InRange(GammaInit, 0, 1, nameof(GammaInit), loOpen: true, hiOpen: true);
        OptionChecks.InRange(GammaFinal, 0, 1, nameof(GammaFinal), loOpen: true, hiOpen: true);
        if (GammaFinal > GammaInit)
            throw new ArgumentOutOfRangeException(nameof(GammaFinal), GammaFinal, $"GammaFinal ({OptionChecks.Show(GammaFinal)}) must not exceed GammaInit ({OptionChecks.Show(GammaInit)})");
    }
}
