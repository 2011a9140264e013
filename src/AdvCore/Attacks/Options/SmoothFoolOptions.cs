namespace AdvCore.Attacks;

/// <summary>
/// SmoothFool (Dabouei et al. 2020, seed 001 Algorithm 2): repeated smooth projections onto the
/// boundary DeepFool finds. Defaults: σ_g = 2 (Table 1), SmoothClip step 1 (MNIST; the registry's
/// dataset preset sets 0.5 for CIFAR-10 and 0.1 for ImageNet-sized inputs, §4.1), DeepFool with
/// its own defaults (50 iterations, overshoot 0.02).
/// </summary>
public sealed record SmoothFoolOptions : AttackOptions
{
    /// <summary>σ_g of the Gaussian low-pass g that smooths the boundary normal (w̃ = g ∗ w) and SmoothClip's masks.</summary>
    public float SigmaG { get; init; } = 2f;

    /// <summary>SmoothClip's step ε (Algorithm 1): 1 for MNIST, 0.5 for CIFAR-10, 0.1 for ImageNet in the paper.</summary>
    public float ClipStep { get; init; } = 1f;

    /// <summary>
    /// Cap on SmoothClip's iterations per SmoothFool iteration (the paper's loop has none); the
    /// images still outside [0,1] after it are finished by a plain clip (and counted, see
    /// <see cref="SmoothFool.ClipStatistics"/>).
    /// </summary>
    public int ClipIterations { get; init; } = 200;

    /// <summary>SmoothFool iterations at most (the paper loops until the label changes; an image stops as soon as it does).</summary>
    public int MaxIterations { get; init; } = 20;

    /// <summary>Iterations at most of each inner DeepFool run (DeepFool's MaxIterations).</summary>
    public int DeepFoolIterations { get; init; } = 50;

    /// <summary>The inner DeepFool's overshoot, also applied to the total perturbation of each offered iterate.</summary>
    public float Overshoot { get; init; } = 0.02f;

    /// <summary>
    /// Overshoot η of each smooth step, r_i = (1 + η)·ρ·w̃; 0 (the default) is Algorithm 2, which
    /// projects exactly onto the linearised boundary through x_p. SmoothClip removes part of every
    /// step, so the iterates tend to approach the boundary from inside; η &gt; 0 trades a larger
    /// perturbation for fewer iterations (an addition of ours, off by default).
    /// </summary>
    public float StepOvershoot { get; init; }

    /// <summary>The paper's step for <paramref name="dataset"/> (§4.1): 1 for MNIST-like data, 0.5 for CIFAR-10, 0.1 for ImageNet.</summary>
    /// <exception cref="ArgumentException">An unknown dataset.</exception>
    public static float ClipStepFor(string dataset) => Budgets.DatasetKind(dataset) switch
    {
        "mnist" => 1f,
        "cifar10" => 0.5f,
        _ => 0.1f,
    };

    /// <inheritdoc />
    public override void Validate()
    {
        OptionChecks.InRange(SigmaG, 0, Smoothing.GaussianLowPass.MaxSigma, nameof(SigmaG), loOpen: true);
        OptionChecks.Positive(ClipStep, nameof(ClipStep));
        OptionChecks.AtLeast(ClipIterations, 0, nameof(ClipIterations));
        OptionChecks.AtLeast(MaxIterations, 1, nameof(MaxIterations));
        OptionChecks.AtLeast(DeepFoolIterations, 1, nameof(DeepFoolIterations));
        OptionChecks.NonNegative(Overshoot, nameof(Overshoot));
        OptionChecks.NonNegative(StepOvershoot, nameof(StepOvershoot));
    }
}
