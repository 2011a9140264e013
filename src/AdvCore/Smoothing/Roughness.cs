namespace AdvCore.Smoothing;

/// <summary>
/// The roughness of a perturbation (SmoothFool, seed 001 eq. 4 and §4.1): Ω(r; h) = ‖r − r ∗ h‖₂²,
/// the energy of r above the low-pass h, and Ω_n = Ω / ‖r‖₂², the share of r's power that is
/// rough. h is the Gaussian of σ_h (<see cref="GaussianLowPass"/>: the same filter and zero
/// padding as SmoothFool's g; the paper uses σ_h = 1). Zero padding makes even a constant
/// perturbation rough at the image borders, so Ω_n of a constant image is small but not 0.
/// </summary>
public static class Roughness
{
    /// <summary>The paper's σ_h (Table 1: "Ω × 10³ @ σ_h = 1").</summary>
    public const float DefaultSigma = 1f;

    /// <summary>
    /// Ω and Ω_n of r_i = y_i − x_i for each image of <paramref name="x"/>, <paramref name="y"/>
    /// ([N, C, H, W] or [N, H, W], same shape); Ω_n is NaN where r_i = 0.
    /// </summary>
    /// <exception cref="ArgumentException">Shapes that differ or are not images, or a bad σ.</exception>
    public static (double[] Omega, double[] OmegaN) Measure(Tensor x, Tensor y, float sigmaH = DefaultSigma)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (!x.HasShape(y.Shape))
            throw new ArgumentException($"x [{string.Join(", ", x.ShapeArray())}] and y [{string.Join(", ", y.ShapeArray())}] differ in shape", nameof(y));
        var ctx = x.Context;
        int n = (int)x.Shape[0];
        using var minusOne = Tensor.Zeros(ctx, [n]);
        minusOne.Fill(-1f);
        using var r = Tensor.Zeros(ctx, x.Shape);
        r.CopyFrom(y);
        Ops.BatchAxpy(minusOne, x, r);                 // r = y − x
        using var rough = Tensor.Zeros(ctx, x.Shape);
        GaussianLowPass.Apply(r, sigmaH, rough);       // h ∗ r
        Ops.BatchScale(minusOne, rough);
        Ops.Add(rough, r, rough);                      // r − h ∗ r
        using var omega = Tensor.Zeros(ctx, [n]);
        using var power = Tensor.Zeros(ctx, [n]);
        Ops.BatchDot(rough, rough, omega);
        Ops.BatchDot(r, r, power);
        float[] o = omega.ToArray(), p = power.ToArray();
        var omegaOut = new double[n];
        var omegaN = new double[n];
        for (int i = 0; i < n; i++)
        {
            omegaOut[i] = o[i];
            omegaN[i] = p[i] > 0 ? o[i] / (double)p[i] : double.NaN;
        }
        return (omegaOut, omegaN);
    }

    /// <summary>Ω and Ω_n of one perturbation given on the host ([C, H, W] planes of <paramref name="height"/> × <paramref name="width"/>), computed in double by a direct 2-D convolution (a reference for tests and small checks).</summary>
    public static (double Omega, double OmegaN) MeasureHost(ReadOnlySpan<float> r, int height, int width, double sigmaH = DefaultSigma)
    {
        if (height < 1 || width < 1 || r.Length % (height * width) != 0)
            throw new ArgumentException($"{r.Length} values are not whole {height}×{width} planes", nameof(r));
        double[] blurred = Convolve2D(r, height, width, sigmaH);
        double omega = 0, power = 0;
        for (int i = 0; i < r.Length; i++)
        {
            double d = r[i] - blurred[i];
            omega += d * d;
            power += (double)r[i] * r[i];
        }
        return (omega, power > 0 ? omega / power : double.NaN);
    }

    /// <summary>g_σ ∗ planes by the direct 2-D sum over the outer-product kernel (zero padding 'same'), in double.</summary>
    public static double[] Convolve2D(ReadOnlySpan<float> planes, int height, int width, double sigma)
    {
        double[] taps = GaussianLowPass.Taps(sigma);
        int radius = taps.Length / 2, plane = height * width;
        var output = new double[planes.Length];
        for (int p = 0; p < planes.Length / plane; p++)
            for (int i = 0; i < height; i++)
                for (int j = 0; j < width; j++)
                {
                    double sum = 0;
                    for (int di = -radius; di <= radius; di++)
                    {
                        int ii = i + di;
                        if (ii < 0 || ii >= height) continue;
                        for (int dj = -radius; dj <= radius; dj++)
                        {
                            int jj = j + dj;
                            if (jj < 0 || jj >= width) continue;
                            sum += taps[di + radius] * taps[dj + radius] * planes[p * plane + ii * width + jj];
                        }
                    }
                    output[p * plane + i * width + j] = sum;
                }
        return output;
    }
}
