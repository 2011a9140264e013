namespace AdvCore.Attacks;

/// <summary>
/// JSMA (L0; Papernot et al. 2016) as used in "Efficient Defenses" (the authors' code, IBM ART:
/// θ = 0.1, γ = 1): each iteration picks the most salient pair of features by Papernot's pair
/// rule and moves both by θ; a feature may move again until it saturates, and an image stops
/// when it is adversarial or has changed more than γ·d distinct features. Untargeted here: the
/// target is the most likely other class of the clean image and success is leaving the true class.
/// </summary>
public sealed record JsmaOptions : AttackOptions
{
    /// <summary>Change θ per selected feature and iteration, in [−1, 1], non-zero.</summary>
    public float Theta { get; init; } = 0.1f;

    /// <summary>Largest fraction γ of features that may change.</summary>
    public float MaxFraction { get; init; } = 1f;

    /// <summary>Iterations at most; null: enough to saturate γ·d features, ⌈γ·d/2⌉·⌈1/|θ|⌉.</summary>
    public int? MaxIterations { get; init; }

    /// <summary>Distinct features an image may change: ⌊γ·d⌋.</summary>
    public long MaxChangedFor(long features) => (long)Math.Floor(MaxFraction * features);

    /// <summary>The iteration cap for images of d features.</summary>
    public int IterationsFor(long features) =>
        MaxIterations ?? (int)Math.Min(int.MaxValue, Math.Ceiling(MaxFraction * features / 2) * Math.Ceiling(1 / Math.Abs(Theta)));

    /// <inheritdoc />
    public override void Validate()
    {
        OptionChecks.InRange(Theta, -1, 1, nameof(Theta));
        if (Theta == 0) throw new ArgumentOutOfRangeException(nameof(Theta), Theta, "Theta must not be 0");
        OptionChecks.InRange(MaxFraction, 0, 1, nameof(MaxFraction), loOpen: true);
        if (MaxIterations is int m) OptionChecks.AtLeast(m, 1, nameof(MaxIterations));
    }
}
