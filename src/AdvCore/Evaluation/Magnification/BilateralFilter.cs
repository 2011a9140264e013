namespace AdvCore.Evaluation;

/// <summary>
/// The bilateral filter (Tomasi &amp; Manduchi 1998) and its guided (joint) form, on one image of
/// shape [C,H,W] in host memory: out(p) = Σ_q w(p,q) s(q) / Σ_q w(p,q) with
/// w(p,q) = exp(−‖p−q‖²/2σ_d²) · exp(−‖g(p)−g(q)‖²/2σ_r²) over the disk ‖p−q‖ ≤ radius, where the
/// photometric distance is Euclidean over all channels of the guide g (one weight per pixel pair,
/// shared by every channel of the signal s). The plain filter is the guided one with g = s.
/// Computed in double; a plain O(H·W·radius²) loop (this is for pictures, not for attack loops).
/// </summary>
public static class BilateralFilter
{
    /// <summary>b(x): the bilateral filter of <paramref name="image"/>, the range kernel on the image itself.</summary>
    /// <param name="image">Pixels, CHW.</param>
    /// <param name="shape">[C,H,W].</param>
    /// <param name="options">Kernel parameters (validated).</param>
    /// <exception cref="ArgumentException">A bad shape, length, parameter or a non-finite pixel.</exception>
    public static float[] Apply(ReadOnlySpan<float> image, IReadOnlyList<int> shape, BilateralFilterOptions options) =>
        Guided(image, shape, image, options);

    /// <summary>
    /// b_g(s): <paramref name="signal"/> filtered with the weights of <paramref name="guide"/> (the
    /// range kernel compares guide pixels). The signal has the guide's H×W and any number of channels.
    /// </summary>
    /// <param name="guide">Guide pixels, CHW.</param>
    /// <param name="guideShape">[C,H,W] of the guide.</param>
    /// <param name="signal">Signal pixels, C'HW for any C' ≥ 1.</param>
    /// <param name="options">Kernel parameters (validated).</param>
    /// <exception cref="ArgumentException">A bad shape, length, parameter or a non-finite value.</exception>
    public static float[] Guided(ReadOnlySpan<float> guide, IReadOnlyList<int> guideShape, ReadOnlySpan<float> signal, BilateralFilterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var (c, h, w) = CheckShape(guideShape, guide.Length, nameof(guideShape));
        int plane = h * w;
        if (signal.Length == 0 || signal.Length % plane != 0)
            throw new ArgumentException($"signal must hold a whole number of {h}×{w} planes (got {signal.Length} values)", nameof(signal));
        var g = ToDouble(guide, nameof(guide));
        var s = ToDouble(signal, nameof(signal));
        var output = new double[s.Length];
        Filter(g, c, s, s.Length / plane, h, w, options, output);
        return Array.ConvertAll(output, v => (float)v);
    }

    /// <summary>[C,H,W] of <paramref name="shape"/>, checked against <paramref name="length"/>.</summary>
    internal static (int C, int H, int W) CheckShape(IReadOnlyList<int> shape, long length, string name)
    {
        ArgumentNullException.ThrowIfNull(shape, name);
        if (shape.Count != 3 || shape.Any(d => d < 1))
            throw new ArgumentException($"shape must be [C,H,W] with every size >= 1, got [{string.Join(',', shape)}]", name);
        long d = (long)shape[0] * shape[1] * shape[2];
        if (d != length) throw new ArgumentException($"shape [{string.Join(',', shape)}] needs {d} values, got {length}", name);
        return (shape[0], shape[1], shape[2]);
    }

    private static double[] ToDouble(ReadOnlySpan<float> values, string name)
    {
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i])) throw new ArgumentException($"{name}[{i}] is {values[i]}: values must be finite", name);
            result[i] = values[i];
        }
        return result;
    }

    /// <summary>
    /// The filter proper on checked double arrays: <paramref name="output"/> (sc planes) = b_guide(signal).
    /// Accumulates w·(s(q) − s(p)) and adds s(p) back: a constant signal comes back exactly.
    /// </summary>
    internal static void Filter(ReadOnlySpan<double> guide, int gc, ReadOnlySpan<double> signal, int sc, int h, int w,
                                BilateralFilterOptions options, Span<double> output)
    {
        int radius = options.WindowRadius, plane = h * w;
        double domain = -0.5 / (options.SigmaDomain * options.SigmaDomain);
        double range = -0.5 / (options.SigmaRange * options.SigmaRange);
        bool reflect = options.Border == FilterBorder.Reflect;
        var offsets = Offsets(radius, domain);
        Span<double> acc = sc <= 64 ? stackalloc double[sc] : new double[sc];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int p = y * w + x;
                acc.Clear();
                double total = 0;
                foreach (var (dy, dx, wd) in offsets)
                {
                    int qy = y + dy, qx = x + dx;
                    if (reflect)
                    {
                        qy = Reflect(qy, h);
                        qx = Reflect(qx, w);
                    }
                    else if ((uint)qy >= (uint)h || (uint)qx >= (uint)w) continue;
                    int q = qy * w + qx;
                    double d2 = 0;
                    for (int k = 0; k < gc; k++)
                    {
                        double diff = guide[k * plane + q] - guide[k * plane + p];
                        d2 += diff * diff;
                    }
                    double weight = wd * Math.Exp(range * d2);
                    total += weight;
                    for (int k = 0; k < sc; k++) acc[k] += weight * (signal[k * plane + q] - signal[k * plane + p]);
                }
                // total >= 1: the centre has weight 1.
                for (int k = 0; k < sc; k++) output[k * plane + p] = signal[k * plane + p] + acc[k] / total;
            }
    }

    /// <summary>The window: every (dy, dx) with dy² + dx² ≤ radius², with its domain weight.</summary>
    private static (int Dy, int Dx, double Weight)[] Offsets(int radius, double domain)
    {
        var list = new List<(int, int, double)>();
        for (int dy = -radius; dy <= radius; dy++)
            for (int dx = -radius; dx <= radius; dx++)
                if (dy * dy + dx * dx <= radius * radius) list.Add((dy, dx, Math.Exp(domain * (dy * dy + dx * dx))));
        return [.. list];
    }

    /// <summary>Reflect-101 index into [0, n): −1 → 1, n → n − 2, repeated for windows wider than the image.</summary>
    internal static int Reflect(int i, int n)
    {
        if (n == 1) return 0;
        int period = 2 * (n - 1);
        i %= period;
        if (i < 0) i += period;
        return i < n ? i : period - i;
    }
}
