namespace AdvCore.Evaluation;

/// <summary>How a filter window that reaches past the image border is handled.</summary>
public enum FilterBorder
{
    /// <summary>
    /// Only the neighbours inside the image count; the weights are renormalised over them (a
    /// normalised filter needs no padding). The default.
    /// </summary>
    Clip,

    /// <summary>The image is mirrored about its border pixel (reflect-101: <c>dcb|abcd|cba</c>), as OpenCV's default.</summary>
    Reflect,
}

/// <summary>
/// Parameters of the bilateral filter <see cref="BilateralFilter"/> (Tomasi &amp; Manduchi 1998): a
/// domain Gaussian on the distance ‖p − q‖ in pixels times a range Gaussian on the photometric
/// distance ‖x(p) − x(q)‖ (Euclidean over all channels of the guide), over a disk of radius
/// <see cref="WindowRadius"/>.
/// </summary>
public sealed record BilateralFilterOptions
{
    /// <summary>Standard deviation of the domain kernel, in pixels.</summary>
    public double SigmaDomain { get; init; } = 5;

    /// <summary>Standard deviation of the range kernel, in pixel-value units (5/255: five 8-bit grey levels for images in [0,1]).</summary>
    public double SigmaRange { get; init; } = 5 / 255.0;

    /// <summary>Radius of the disk-shaped window in pixels; null: ⌈3·<see cref="SigmaDomain"/>⌉ (weights below e^−4.5 ≈ 1% are dropped).</summary>
    public int? Radius { get; init; }

    /// <summary>Border handling (default <see cref="FilterBorder.Clip"/>).</summary>
    public FilterBorder Border { get; init; } = FilterBorder.Clip;

    /// <summary>The largest radius accepted.</summary>
    public const int MaxRadius = 512;

    /// <summary>The radius actually used: <see cref="Radius"/>, else ⌈3σ_d⌉ capped at <see cref="MaxRadius"/>.</summary>
    public int WindowRadius => Radius ?? (int)Math.Min(MaxRadius, Math.Ceiling(3 * SigmaDomain));

    /// <summary>Refuses non-finite or non-positive σ, a radius outside [1, <see cref="MaxRadius"/>] and an unknown border.</summary>
    /// <exception cref="ArgumentException">A bad parameter, named in the message.</exception>
    public void Validate()
    {
        if (!double.IsFinite(SigmaDomain) || SigmaDomain <= 0)
            throw new ArgumentException($"SigmaDomain must be a finite number > 0 (got {SigmaDomain})", nameof(SigmaDomain));
        if (!double.IsFinite(SigmaRange) || SigmaRange <= 0)
            throw new ArgumentException($"SigmaRange must be a finite number > 0 (got {SigmaRange})", nameof(SigmaRange));
        if (Radius is int r && (r < 1 || r > MaxRadius))
            throw new ArgumentException($"Radius must be in [1, {MaxRadius}] (got {r})", nameof(Radius));
        if (!Enum.IsDefined(Border))
            throw new ArgumentException($"Border must be Clip or Reflect (got {(int)Border})", nameof(Border));
    }
}
