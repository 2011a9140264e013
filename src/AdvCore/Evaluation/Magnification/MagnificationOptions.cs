namespace AdvCore.Evaluation;

/// <summary>
/// Parameters of <see cref="AdversarialMagnification"/> (thesis §4.5, eq. 4.16). The defaults are
/// the thesis's Figure 4.1 settings: β = 0.8 and σ = 5 for both the domain kernel (pixels) and the
/// range kernel. The thesis does not give the range σ's unit; we read it as 8-bit grey levels
/// (images here are in [0,1], so the range kernel uses σ_r·<see cref="RangeUnit"/> = 5/255), the
/// natural reading for the ImageNet images it was drawn on. Nor does it give the window or the
/// border: a disk of radius ⌈3σ_d⌉ and <see cref="FilterBorder.Clip"/> (renormalised weights).
/// </summary>
public sealed record MagnificationOptions
{
    /// <summary>β ∈ [0,1]: weight of the local standard deviation σ_x against the global σ_Ω in the denominator.</summary>
    public double Beta { get; init; } = 0.8;

    /// <summary>Domain-kernel standard deviation, in pixels.</summary>
    public double SigmaDomain { get; init; } = 5;

    /// <summary>Range-kernel standard deviation, in units of <see cref="RangeUnit"/> (default: 8-bit grey levels).</summary>
    public double SigmaRange { get; init; } = 5;

    /// <summary>The pixel-value size of one unit of <see cref="SigmaRange"/>: 1/255 (grey levels of [0,1] images); 1 for σ_r in pixel units.</summary>
    public double RangeUnit { get; init; } = 1 / 255.0;

    /// <summary>Window radius in pixels; null: ⌈3·<see cref="SigmaDomain"/>⌉.</summary>
    public int? Radius { get; init; }

    /// <summary>Border handling of both filters.</summary>
    public FilterBorder Border { get; init; } = FilterBorder.Clip;

    /// <summary>
    /// Display range R of <see cref="AdversarialMagnification.ToDisplay"/>: mag values in [−R, R] map
    /// linearly to [0, 1] (0 → mid-grey), beyond that they saturate; the same scale for every image
    /// so a magnified original and its adversarial can be compared. Default 1: on C4/MNIST with the
    /// thesis settings the adversarial noise on the background has |mag| of a few tenths (mean mag²
    /// per pixel ≈ 0.01, docs/magnification.md), invisible at R = 3, plain at R = 1; textured natural
    /// images saturate more at R = 1 (raise it there).
    /// </summary>
    public double DisplayRange { get; init; } = 1;

    /// <summary>The filter settings both filters of eq. 4.16 use.</summary>
    public BilateralFilterOptions Filter => new()
    {
        SigmaDomain = SigmaDomain,
        SigmaRange = SigmaRange * RangeUnit,
        Radius = Radius,
        Border = Border,
    };

    /// <summary>Refuses β outside [0,1], non-finite or non-positive σ, unit or display range, and a bad radius or border.</summary>
    /// <exception cref="ArgumentException">A bad parameter, named in the message.</exception>
    public void Validate()
    {
        if (!double.IsFinite(Beta) || Beta < 0 || Beta > 1)
            throw new ArgumentException($"Beta must be a finite number in [0, 1] (got {Beta})", nameof(Beta));
        if (!double.IsFinite(RangeUnit) || RangeUnit <= 0)
            throw new ArgumentException($"RangeUnit must be a finite number > 0 (got {RangeUnit})", nameof(RangeUnit));
        if (!double.IsFinite(DisplayRange) || DisplayRange <= 0)
            throw new ArgumentException($"DisplayRange must be a finite number > 0 (got {DisplayRange})", nameof(DisplayRange));
        if (!double.IsFinite(SigmaRange) || SigmaRange <= 0)
            throw new ArgumentException($"SigmaRange must be a finite number > 0 (got {SigmaRange})", nameof(SigmaRange));
        Filter.Validate();
    }
}
