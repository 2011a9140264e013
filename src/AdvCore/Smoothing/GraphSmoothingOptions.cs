using AdvCore.Attacks;

namespace AdvCore.Smoothing;

/// <summary>
/// Parameters of the graph-Laplacian smoothing ŝ_α (thesis ch. 4, eqs. 4.1-4.5; docs/smoothing.md)
/// and of its conjugate-gradient solver. Defaults: 4 neighbours, Laplacian feature kernel,
/// σ_f = 0.1 (the thesis does not give σ_f; pixel values are in [0,1]), σ_s = 1, α = 0.95 (the
/// thesis' MNIST setting), relative residual 1e-5, at most 50 iterations (the thesis runs 50 CG
/// iterations on ImageNet).
/// </summary>
public sealed record GraphSmoothingOptions
{
    /// <summary>Neighbours per pixel: 4 (up, left, right, down) or 8 (also the diagonals).</summary>
    public int Neighbours { get; init; } = 4;

    /// <summary>The feature kernel k_f.</summary>
    public FeatureKernel Kernel { get; init; } = FeatureKernel.Laplacian;

    /// <summary>σ_f of the feature kernel, &gt; 0.</summary>
    public float SigmaFeature { get; init; } = 0.1f;

    /// <summary>
    /// σ_s of the spatial kernel exp(−‖t_i − t_j‖² / (2σ_s²)), &gt; 0. With 4 neighbours the spatial
    /// kernel is one constant, which the normalisation D^−1/2 W D^−1/2 cancels: σ_s then has no effect.
    /// </summary>
    public float SigmaSpatial { get; init; } = 1f;

    /// <summary>α in (0, 1): the bandwidth of the smoothing (0 = all-pass, → 1 = strongly low-pass).</summary>
    public float Alpha { get; init; } = 0.95f;

    /// <summary>CG stops a system when ‖b − L_α x‖₂ ≤ Tolerance·‖b‖₂; ≥ 0 (0: always <see cref="MaxIterations"/>).</summary>
    public float Tolerance { get; init; } = 1e-5f;

    /// <summary>The CG iteration cap per system, ≥ 1.</summary>
    public int MaxIterations { get; init; } = 50;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first option out of range.</summary>
    public void Validate()
    {
        if (Neighbours is not (4 or 8))
            throw new ArgumentOutOfRangeException(nameof(Neighbours), Neighbours, $"{nameof(Neighbours)} must be 4 or 8 (got {Neighbours})");
        OptionChecks.Defined(Kernel, nameof(Kernel));
        OptionChecks.Positive(SigmaFeature, nameof(SigmaFeature));
        OptionChecks.Positive(SigmaSpatial, nameof(SigmaSpatial));
        OptionChecks.InRange(Alpha, 0, 1, nameof(Alpha), loOpen: true, hiOpen: true);
        OptionChecks.NonNegative(Tolerance, nameof(Tolerance));
        OptionChecks.AtLeast(MaxIterations, 1, nameof(MaxIterations));
    }
}
