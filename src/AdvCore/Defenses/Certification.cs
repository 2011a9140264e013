namespace AdvCore.Defenses;

/// <summary>One image's certificate: the class (or <see cref="Certification.Abstain"/>), the top count of n samples, p_A's lower bound and the L2 radius.</summary>
public readonly record struct Certificate(int Prediction, long TopCount, long Samples, double LowerBound, double Radius)
{
    /// <summary>Whether the classifier abstained.</summary>
    public bool Abstained => Prediction == Certification.Abstain;
}

/// <summary>
/// Cohen, Rosenfeld and Kolter (ICML 2019), Algorithms PREDICT and CERTIFY, over a
/// <see cref="SmoothedClassifier"/>'s base model and noise σ: the base argmax is counted over
/// fresh noisy copies (chunked, so memory is bounded for any n), p_A is bounded below by the
/// one-sided Clopper-Pearson bound in float64, and the certified L2 radius is σ·Φ⁻¹(p̲_A).
/// </summary>
public static class Certification
{
    /// <summary>The prediction of an abstention.</summary>
    public const int Abstain = -1;

    /// <summary>Cohen et al.'s defaults: n0 = 100 selection samples, n = 100 000 estimation samples, α = 0.001.</summary>
    public const long DefaultN0 = 100, DefaultN = 100_000;

    /// <summary>Cohen et al.'s default failure probability α.</summary>
    public const double DefaultAlpha = 0.001;

    /// <summary>
    /// CERTIFY for one image x [1, ...]: the top class of n0 samples, then its count among n
    /// fresh samples; abstain unless the lower bound p̲_A exceeds ½, else radius σ·Φ⁻¹(p̲_A).
    /// </summary>
    public static Certificate Certify(SmoothedClassifier model, Tensor x, long n0 = DefaultN0, long n = DefaultN, double alpha = DefaultAlpha)
    {
        ArgumentNullException.ThrowIfNull(model);
        Check(x, n0, n, alpha);
        long[] select = model.SampleCounts(x, n0);
        int top = ArgMax(select);
        long[] counts = model.SampleCounts(x, n);
        double lower = BinomialBounds.ClopperPearsonLower(counts[top], n, alpha);
        double radius = Radius(model.Options.Sigma, lower);
        return radius > 0 ? new Certificate(top, counts[top], n, lower, radius) : new Certificate(Abstain, counts[top], n, lower, 0);
    }

    /// <summary>
    /// PREDICT for one image: the two most frequent classes of n samples; their class if the
    /// two-sided binomial test of n_A against n_A + n_B at ½ gives p ≤ α, else abstain.
    /// </summary>
    public static int Predict(SmoothedClassifier model, Tensor x, long n = 1000, double alpha = DefaultAlpha)
    {
        ArgumentNullException.ThrowIfNull(model);
        Check(x, 1, n, alpha);
        long[] counts = model.SampleCounts(x, n);
        int a = ArgMax(counts);
        int b = -1;
        for (int c = 0; c < counts.Length; c++) if (c != a && (b < 0 || counts[c] > counts[b])) b = c;
        long na = counts[a], nb = b < 0 ? 0 : counts[b];
        return BinomialBounds.BinomialTestHalf(na, na + nb) <= alpha ? a : Abstain;
    }

    /// <summary>σ·Φ⁻¹(p̲) when p̲ &gt; ½, else 0 (abstain): a radius is never positive at p̲ ≤ ½.</summary>
    public static double Radius(double sigma, double lowerBound)
    {
        if (!(lowerBound > 0.5)) return 0;
        if (lowerBound >= 1) return double.PositiveInfinity;
        return sigma * BinomialBounds.NormalQuantile(lowerBound);
    }

    /// <summary>Fraction of images certified correctly at each radius: correct and radius ≥ r (r = 0 counts any correct non-abstention).</summary>
    public static double[] CertifiedAccuracy(IReadOnlyList<Certificate> certificates, IReadOnlyList<int> labels, IReadOnlyList<double> radii)
    {
        ArgumentNullException.ThrowIfNull(certificates);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(radii);
        if (certificates.Count != labels.Count) throw new ArgumentException($"{certificates.Count} certificates for {labels.Count} labels");
        var result = new double[radii.Count];
        if (certificates.Count == 0) return result;
        for (int r = 0; r < radii.Count; r++)
        {
            int ok = 0;
            for (int i = 0; i < certificates.Count; i++)
                if (certificates[i].Prediction == labels[i] && certificates[i].Radius >= radii[r] && !certificates[i].Abstained) ok++;
            result[r] = (double)ok / certificates.Count;
        }
        return result;
    }

    private static int ArgMax(long[] counts)
    {
        int best = 0;
        for (int c = 1; c < counts.Length; c++) if (counts[c] > counts[best]) best = c;
        return best;
    }

    private static void Check(Tensor x, long n0, long n, double alpha)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.BatchSize != 1) throw new ArgumentException($"certification takes one image [1, ...], got a batch of {x.BatchSize}");
        if (n0 < 1) throw new ArgumentOutOfRangeException(nameof(n0), n0, $"n0 must be >= 1 (got {n0})");
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), n, $"n must be >= 1 (got {n})");
        BinomialBounds.CheckAlpha(alpha);
    }
}
