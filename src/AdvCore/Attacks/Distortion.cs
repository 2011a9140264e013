namespace AdvCore.Attacks;

/// <summary>Distortion of images against their originals, in float64, per sample of d elements.</summary>
public static class Distortion
{
    /// <summary>Half a grid step: smaller differences are rounding noise, not a changed pixel.</summary>
    public const double L0Threshold = 0.5 / 255;

    /// <summary>Per-sample L2, L∞ and L0 of <paramref name="images"/> − <paramref name="originals"/> (both N·d).</summary>
    public static (double[] L2, double[] Linf, int[] L0) Measure(ReadOnlySpan<float> images, ReadOnlySpan<float> originals, int count)
    {
        if (images.Length != originals.Length)
            throw new ArgumentException($"images hold {images.Length} values but originals {originals.Length}");
        if (count <= 0 || images.Length % count != 0)
            throw new ArgumentException($"{images.Length} values do not split into {count} samples");
        int d = images.Length / count;
        var l2 = new double[count];
        var linf = new double[count];
        var l0 = new int[count];
        for (int i = 0; i < count; i++)
        {
            double sum = 0, max = 0;
            int changed = 0;
            for (int j = i * d; j < (i + 1) * d; j++)
            {
                double e = Math.Abs((double)images[j] - originals[j]);
                sum += e * e;
                max = Math.Max(max, e);
                if (e > L0Threshold) changed++;
            }
            l2[i] = Math.Sqrt(sum);
            linf[i] = max;
            l0[i] = changed;
        }
        return (l2, linf, l0);
    }
}
