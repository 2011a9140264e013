using AdvCore.Smoothing;

namespace AdvCore.Attacks;

/// <summary>
/// The graph-Laplacian smoothing settings of the smooth attacks (qPGD₂, sC&amp;W; thesis §4.2-4.3),
/// flattened into the attack's options so that <c>--param alpha=0.9</c> works like any other
/// option. Defaults: the thesis MNIST setting (Laplacian feature kernel, α = 0.95) and the
/// operator's own defaults for what the thesis does not give (σ_f, neighbours, CG tolerance).
/// </summary>
public abstract record GraphSmoothingSettings : AttackOptions
{
    /// <summary>α of L_α = (I − α𝒲)/(1 − α), in (0, 1): larger smooths more.</summary>
    public float Alpha { get; init; } = 0.95f;

    /// <summary>The feature kernel of the pixel graph.</summary>
    public FeatureKernel Kernel { get; init; } = FeatureKernel.Laplacian;

    /// <summary>σ_f of the feature kernel (pixel values in [0,1]).</summary>
    public float SigmaFeature { get; init; } = new GraphSmoothingOptions().SigmaFeature;

    /// <summary>4 or 8 neighbours per pixel.</summary>
    public int Neighbours { get; init; } = 4;

    /// <summary>Relative residual at which a CG system stops.</summary>
    public float CgTolerance { get; init; } = new GraphSmoothingOptions().Tolerance;

    /// <summary>CG iterations at most per solve.</summary>
    public int CgIterations { get; init; } = new GraphSmoothingOptions().MaxIterations;

    /// <summary>The operator's options.</summary>
    public GraphSmoothingOptions Smoothing() => new()
    {
        Alpha = Alpha, Kernel = Kernel, SigmaFeature = SigmaFeature, Neighbours = Neighbours,
        Tolerance = CgTolerance, MaxIterations = CgIterations,
    };

    /// <inheritdoc />
    public override void Validate()
    {
        // Checked under the attack's own option names (cg-tolerance, not the operator's Tolerance).
        if (Neighbours is not (4 or 8))
            throw new ArgumentOutOfRangeException(nameof(Neighbours), Neighbours, $"{nameof(Neighbours)} must be 4 or 8 (got {Neighbours})");
        OptionChecks.Defined(Kernel, nameof(Kernel));
        OptionChecks.Positive(SigmaFeature, nameof(SigmaFeature));
        OptionChecks.InRange(Alpha, 0, 1, nameof(Alpha), loOpen: true, hiOpen: true);
        OptionChecks.NonNegative(CgTolerance, nameof(CgTolerance));
        OptionChecks.AtLeast(CgIterations, 1, nameof(CgIterations));
    }
}
