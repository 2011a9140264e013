using AdvCore.Interop;

namespace AdvCore.Smoothing;

/// <summary>
/// The isotropic Gaussian low-pass filter of SmoothFool (Dabouei et al., seed 001 §4.1: g with
/// σ_g for the perturbation, h with σ_h for the roughness Ω), native on every backend
/// (advcore.h <c>ac_gaussian_blur</c>). Per plane of each image: separable, "kernel width 5σ" =
/// radius R = max(1, ⌈2.5σ⌉), taps exp(−j²/2σ²) normalised over all 2R+1 of them (the 2-D kernel
/// sums to 1), zero padding 'same' as torch <c>conv2d(padding=R)</c> — so the output dims near the
/// borders, and everywhere once the kernel is wider than the image. Any σ works on any image size
/// (taps beyond the image are skipped). No gradient flows through it (SmoothFool never needs one).
/// </summary>
public static class GaussianLowPass
{
    /// <summary>The largest σ the engine accepts.</summary>
    public const float MaxSigma = 1e6f;

    /// <summary>R = max(1, ⌈2.5σ⌉): the kernel has 2R+1 taps per axis.</summary>
    public static int Radius(double sigma)
    {
        CheckSigma(sigma, nameof(sigma));
        return (int)Math.Max(1, Math.Ceiling(2.5 * sigma));
    }

    /// <summary>The normalised 1-D taps g_{−R} … g_R (double; the engine rounds them to float in its fast kernels).</summary>
    public static double[] Taps(double sigma)
    {
        int r = Radius(sigma);
        var taps = new double[2 * r + 1];
        double z = 0;
        for (int j = -r; j <= r; j++) z += taps[j + r] = Math.Exp(-(double)j * j / (2 * sigma * sigma));
        for (int j = 0; j < taps.Length; j++) taps[j] /= z;
        return taps;
    }

    /// <summary>
    /// output = g_σ ∗ x per channel plane. <paramref name="x"/> is [N, C, H, W], [N, H, W] (one
    /// channel) or any [N, …] whose last two dimensions are H, W; <paramref name="output"/> has its
    /// shape and may be <paramref name="x"/> itself (in place).
    /// </summary>
    /// <exception cref="ArgumentException">σ not finite, ≤ 0 or above <see cref="MaxSigma"/>, or a tensor of rank below 3.</exception>
    public static void Apply(Tensor x, float sigma, Tensor output)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(output);
        CheckSigma(sigma, nameof(sigma));
        using var xv = Planes(x, nameof(x));
        using var yv = Planes(output, nameof(output));
        NativeStatus.Check(Native.ac_gaussian_blur(x.Context.Handle, xv.Handle, sigma, yv.Handle));
    }

    /// <summary>g_σ ∗ x in place.</summary>
    public static void ApplyInPlace(Tensor x, float sigma) => Apply(x, sigma, x);

    /// <summary>Throws unless σ is finite, &gt; 0 and at most <see cref="MaxSigma"/>.</summary>
    public static void CheckSigma(double sigma, string name)
    {
        if (!double.IsFinite(sigma) || !(sigma > 0) || sigma > MaxSigma)
            throw new ArgumentOutOfRangeException(name, sigma, $"{name} (the Gaussian's σ) must be a finite number > 0 and <= 1e6 (got {sigma.ToString(System.Globalization.CultureInfo.InvariantCulture)})");
    }

    // A [N·rest, 1, H, W]-style 4-D view: [N, prod(middle), H, W].
    private static Tensor Planes(Tensor t, string name)
    {
        var shape = t.Shape;
        if (shape.Length < 3)
            throw new ArgumentException($"{name} must be [N, C, H, W] or [N, H, W] (got [{string.Join(", ", shape.ToArray())}])", name);
        long middle = 1;
        for (int i = 1; i < shape.Length - 2; i++) middle *= shape[i];
        return t.View(shape[0], middle, shape[^2], shape[^1]);
    }
}
