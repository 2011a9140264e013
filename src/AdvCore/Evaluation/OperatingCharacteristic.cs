namespace AdvCore.Evaluation;

/// <summary>
/// The operating characteristic P(D) of an attack (thesis eq. 3.2): a step function rising from
/// P(0) = 0 to P(D_max) = P_suc, with a step of 1/N at each successful image's distortion.
/// </summary>
public sealed class OperatingCharacteristic
{
    private readonly double[] _distortions; // sorted successes

    /// <summary>From the distortions of the successful images and the size N of X.</summary>
    public OperatingCharacteristic(IEnumerable<double> successDistortions, int attacked)
    {
        ArgumentNullException.ThrowIfNull(successDistortions);
        _distortions = successDistortions.Order().ToArray();
        if (attacked < _distortions.Length)
            throw new ArgumentOutOfRangeException(nameof(attacked), attacked, $"N = {attacked} is smaller than the {_distortions.Length} successes");
        Attacked = attacked;
    }

    /// <summary>N = |X|.</summary>
    public int Attacked { get; }

    /// <summary>D_max, the largest successful distortion (0 without successes).</summary>
    public double MaxDistortion => _distortions.Length == 0 ? 0 : _distortions[^1];

    /// <summary>P(D): the fraction of X attacked successfully with distortion ≤ D.</summary>
    public double At(double distortion)
    {
        if (Attacked == 0) return 0;
        int count = UpperBound(distortion);
        return count / (double)Attacked;
    }

    /// <summary>The corners of the step function: (0, 0) then (D_k, P(D_k)) at each distinct success distortion.</summary>
    public IReadOnlyList<(double Distortion, double Probability)> Points()
    {
        var points = new List<(double, double)> { (0, 0) };
        for (int k = 0; k < _distortions.Length; k++)
            if (k + 1 == _distortions.Length || _distortions[k + 1] != _distortions[k])
                points.Add((_distortions[k], (k + 1) / (double)Attacked));
        return points;
    }

    // Number of sorted distortions ≤ d.
    private int UpperBound(double d)
    {
        int lo = 0, hi = _distortions.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (_distortions[mid] <= d) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }
}
