namespace AdvCore.Evaluation;

/// <summary>
/// Adversarial magnification (thesis §4.5, eq. 4.16), a local normalisation that makes a
/// perturbation visible from the single image, without the clean reference:
/// <code>mag(x) = (x − μ_x(x)) / (β σ_x(x) + (1 − β) σ_Ω(x))</code>
/// with μ_x(x) = b(x) the bilateral filter of x (the local mean), σ_x(x) = b_x((x − μ_x(x))²)^½ the
/// local standard deviation from the bilateral filter of the squared residual guided by x, and
/// σ_Ω(x) the global standard deviation of x over the image. For a C-channel image every filter
/// runs per channel with one joint range weight (Euclidean distance over the C channels), and σ_Ω
/// is taken per channel (population standard deviation). The thesis writes the local term with the
/// exponent −½; it calls it the local standard deviation and divides by it, so we take the square root.
/// Where the denominator is 0 (a constant channel, or β = 1 on a flat patch) the residual is 0 too
/// and mag is defined as 0: nothing varies there, so there is nothing to magnify (never NaN).
/// </summary>
public static class AdversarialMagnification
{
    /// <summary>mag(x) of every image of a batch (in parallel over images).</summary>
    /// <param name="images">Pixels, NCHW.</param>
    /// <param name="shape">[N,C,H,W], or [C,H,W] for one image.</param>
    /// <param name="options">Parameters; null: the thesis settings (<see cref="MagnificationOptions"/> defaults).</param>
    /// <returns>mag(x) in the layout of <paramref name="images"/>: a dimensionless local z-score, 0 where x is locally flat.</returns>
    /// <exception cref="ArgumentException">A bad shape, a length that does not match it, a bad option, a non-finite pixel.</exception>
    public static float[] Magnify(float[] images, IReadOnlyList<int> shape, MagnificationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(shape);
        options ??= new MagnificationOptions();
        options.Validate();
        if (shape.Count is not (3 or 4))
            throw new ArgumentException($"shape must be [N,C,H,W] or [C,H,W], got [{string.Join(',', shape)}]", nameof(shape));
        if (shape.Any(v => v < 1))
            throw new ArgumentException($"shape must have every size >= 1, got [{string.Join(',', shape)}]", nameof(shape));
        int n = shape.Count == 4 ? shape[0] : 1;
        int c = shape[^3], h = shape[^2], w = shape[^1];
        long total = (long)n * c * h * w;
        if (total != images.Length)
            throw new ArgumentException($"shape [{string.Join(',', shape)}] needs {total} values, got {images.Length}", nameof(images));
        int d = c * h * w;
        for (int i = 0; i < images.Length; i++)
            if (!float.IsFinite(images[i])) throw new ArgumentException($"images[{i}] is {images[i]}: pixels must be finite", nameof(images));

        var result = new float[images.Length];
        var filter = options.Filter;
        ParallelLoop.For(0, n, i => MagnifyOne(images.AsSpan(i * d, d), c, h, w, options.Beta, filter, result.AsSpan(i * d, d)));
        return result;
    }

    /// <summary>
    /// Maps mag values to a displayable [0,1] image: 0.5 + m / (2R), clipped, with R =
    /// <paramref name="range"/> (<see cref="MagnificationOptions.DisplayRange"/>). A fixed symmetric
    /// range, the same for every image, so a magnified original and its adversarial can be compared
    /// side by side (per-image min-max would stretch a flat original's rounding noise to full contrast).
    /// </summary>
    /// <exception cref="ArgumentException">A range that is not a finite number > 0.</exception>
    public static float[] ToDisplay(ReadOnlySpan<float> magnified, double range)
    {
        if (!double.IsFinite(range) || range <= 0) throw new ArgumentException($"range must be a finite number > 0 (got {range})", nameof(range));
        var result = new float[magnified.Length];
        double gain = 0.5 / range;
        for (int i = 0; i < result.Length; i++) result[i] = (float)Math.Clamp(0.5 + magnified[i] * gain, 0, 1);
        return result;
    }

    /// <summary>Eq. 4.16 on one checked CHW image.</summary>
    private static void MagnifyOne(ReadOnlySpan<float> pixels, int c, int h, int w, double beta, BilateralFilterOptions filter, Span<float> output)
    {
        int plane = h * w, d = c * plane;
        var x = new double[d];
        for (int j = 0; j < d; j++) x[j] = pixels[j];
        var mean = new double[d];
        BilateralFilter.Filter(x, c, x, c, h, w, filter, mean);
        var residual = new double[d];
        var squared = new double[d];
        for (int j = 0; j < d; j++)
        {
            residual[j] = x[j] - mean[j];
            squared[j] = residual[j] * residual[j];
        }
        var variance = new double[d];
        BilateralFilter.Filter(x, c, squared, c, h, w, filter, variance);
        for (int k = 0; k < c; k++)
        {
            double global = GlobalStd(x.AsSpan(k * plane, plane));
            for (int j = k * plane; j < (k + 1) * plane; j++)
            {
                // A weighted mean of squares: >= 0 but for rounding.
                double local = Math.Sqrt(Math.Max(variance[j], 0));
                double denominator = beta * local + (1 - beta) * global;
                output[j] = denominator > 0 ? (float)(residual[j] / denominator) : 0f;
            }
        }
    }

    /// <summary>Population standard deviation; 0 for a constant plane (computed about the first value so it is exactly 0 then).</summary>
    private static double GlobalStd(ReadOnlySpan<double> values)
    {
        double shift = values[0], sum = 0, sum2 = 0;
        foreach (double v in values)
        {
            sum += v - shift;
            sum2 += (v - shift) * (v - shift);
        }
        double mean = sum / values.Length;
        return Math.Sqrt(Math.Max(sum2 / values.Length - mean * mean, 0));
    }
}
