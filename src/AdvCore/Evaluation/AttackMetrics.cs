namespace AdvCore.Evaluation;

/// <summary>
/// The evaluation protocol of the thesis (§3.3, eqs. 3.1-3.2) over the attacked set X (images
/// classified correctly without attack, N = |X|): success probability P_suc = N_suc/N, the
/// conditional average distortion D̄ (mean L2 over successes), the operating characteristic
/// P(D) = |{x ∈ X_suc : D(x) ≤ D}|/N and P_upp = P(D_upp).
/// </summary>
public static class AttackMetrics
{
    /// <summary>P_suc; 0 for an empty X.</summary>
    public static double SuccessProbability(IReadOnlyCollection<ImageRecord> images) =>
        images.Count == 0 ? 0 : images.Count(i => i.Success) / (double)images.Count;

    /// <summary>D̄ (eq. 3.1): mean L2 over the successes; null when there are none.</summary>
    public static double? MeanDistortion(IReadOnlyCollection<ImageRecord> images)
    {
        var successes = images.Where(i => i.Success).ToList();
        return successes.Count == 0 ? null : successes.Average(i => i.L2);
    }

    /// <summary>P(D) of eq. 3.2 at one distortion bound.</summary>
    public static double ProbabilityAt(IReadOnlyCollection<ImageRecord> images, double distortion) =>
        images.Count == 0 ? 0 : images.Count(i => i.Success && i.L2 <= distortion) / (double)images.Count;

    /// <summary>The whole operating characteristic of eq. 3.2.</summary>
    public static OperatingCharacteristic Curve(IReadOnlyCollection<ImageRecord> images) =>
        new(images.Where(i => i.Success).Select(i => i.L2), images.Count);

    /// <summary>SmoothFool's Ω̄ = E_{D_s}[Ω(r_x; h)]: mean roughness over the successes that have it; null when none do.</summary>
    public static double? MeanRoughness(IReadOnlyCollection<ImageRecord> images)
    {
        var values = images.Where(i => i.Success && i.Omega is double o && double.IsFinite(o)).Select(i => i.Omega!.Value).ToList();
        return values.Count == 0 ? null : values.Average();
    }

    /// <summary>SmoothFool's Ω_n = E_{D_s}[Ω(r_x; h)/‖r_x‖₂²] over the successes that have it; null when none do.</summary>
    public static double? MeanNormalizedRoughness(IReadOnlyCollection<ImageRecord> images)
    {
        var values = images.Where(i => i.Success && i.OmegaN is double o && double.IsFinite(o)).Select(i => i.OmegaN!.Value).ToList();
        return values.Count == 0 ? null : values.Average();
    }
}
