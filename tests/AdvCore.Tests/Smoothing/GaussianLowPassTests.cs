using AdvCore.Smoothing;
using NUnit.Framework;

namespace AdvCore.Tests.Smoothing;

/// <summary>
/// The native Gaussian low-pass against a direct 2-D convolution with the outer-product kernel in
/// C# (double), the roughness Ω / Ω_n against hand computations, and the refusals.
/// </summary>
public class GaussianLowPassTests
{
    private static float[] Random(int n, int seed, float lo = -1, float hi = 1)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, n).Select(_ => lo + (hi - lo) * (float)rng.NextDouble())];
    }

    [TestCase(0.7f, 2, 3, 9, 11)]
    [TestCase(2f, 1, 1, 28, 28)]
    [TestCase(40f, 2, 3, 7, 5)]
    public void BlurMatchesADirect2DConvolution(float sigma, int n, int c, int h, int w)
    {
        using var ctx = Context.Create(Device.Cpu, threads: 2);
        float[] x = Random(n * c * h * w, h * w + c);
        using var t = Tensor.FromArray(ctx, x, n, c, h, w);
        using var y = Tensor.Zeros(ctx, [n, c, h, w]);
        GaussianLowPass.Apply(t, sigma, y);
        double[] want = Roughness.Convolve2D(x, h, w, sigma);
        float[] got = y.ToArray();
        double scale = want.Max(Math.Abs);
        for (int i = 0; i < got.Length; i++) Assert.That(got[i], Is.EqualTo(want[i]).Within(1e-5 * scale), $"element {i}");
        GaussianLowPass.ApplyInPlace(t, sigma);
        Assert.That(t.ToArray(), Is.EqualTo(got));
    }

    [Test]
    public void TapsFollowTheFiveSigmaWidthAndSumToOne()
    {
        Assert.That(GaussianLowPass.Radius(1), Is.EqualTo(3));
        Assert.That(GaussianLowPass.Radius(2), Is.EqualTo(5));
        Assert.That(GaussianLowPass.Radius(0.1), Is.EqualTo(1));
        double[] taps = GaussianLowPass.Taps(1);
        Assert.That(taps, Has.Length.EqualTo(7));
        Assert.That(taps.Sum(), Is.EqualTo(1).Within(1e-12));
        Assert.That(taps[4] / taps[3], Is.EqualTo(Math.Exp(-0.5)).Within(1e-12));
    }

    [TestCase(0f)]
    [TestCase(-1f)]
    [TestCase(float.NaN)]
    [TestCase(float.PositiveInfinity)]
    public void BadSigmaIsRefused(float sigma)
    {
        using var ctx = Context.Create(Device.Cpu, threads: 1);
        using var t = Tensor.Zeros(ctx, [1, 1, 4, 4]);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => GaussianLowPass.ApplyInPlace(t, sigma))!;
        Assert.That(e.Message, Does.Contain("must be a finite number > 0"));
    }

    [Test]
    public void FlatTensorsAreRefused()
    {
        using var ctx = Context.Create(Device.Cpu, threads: 1);
        using var t = Tensor.Zeros(ctx, [2, 784]);
        Assert.Throws<ArgumentException>(() => GaussianLowPass.ApplyInPlace(t, 1));
    }

    [Test]
    public void RoughnessOfAnImpulseMatchesAHandComputation()
    {
        // 1×3 plane, r = [1, 0, 0], σ_h = 1: the row pass gives [g0, g1, g2], the column pass over a
        // line of length 1 multiplies by g0, so h∗r = g0·[g0, g1, g2] and ‖r‖ = 1.
        double z = 1 + 2 * (Math.Exp(-0.5) + Math.Exp(-2) + Math.Exp(-4.5));
        double g0 = 1 / z, g1 = Math.Exp(-0.5) / z, g2 = Math.Exp(-2) / z;
        double omega = Math.Pow(1 - g0 * g0, 2) + Math.Pow(g0 * g1, 2) + Math.Pow(g0 * g2, 2);
        using var ctx = Context.Create(Device.Cpu, threads: 1);
        using var x = Tensor.FromArray(ctx, new float[3], 1, 1, 1, 3);
        using var y = Tensor.FromArray(ctx, new float[] { 1, 0, 0 }, 1, 1, 1, 3);
        var (o, on) = Roughness.Measure(x, y);
        Assert.That(o[0], Is.EqualTo(omega).Within(1e-6));
        Assert.That(on[0], Is.EqualTo(omega).Within(1e-6));
        Assert.That(Roughness.MeasureHost([1f, 0f, 0f], 1, 3).Omega, Is.EqualTo(omega).Within(1e-12));
    }

    [Test]
    public void ConstantPerturbationsAreSmoothAndNoiseIsRough()
    {
        using var ctx = Context.Create(Device.Cpu, threads: 2);
        const int h = 28, w = 28;
        using var x = Tensor.Zeros(ctx, [2, 1, h, w]);
        float[] values = [.. Enumerable.Repeat(0.1f, h * w), .. Random(h * w, 7, -0.1f, 0.1f)];
        using var y = Tensor.FromArray(ctx, values, 2, 1, h, w);
        var (omega, omegaN) = Roughness.Measure(x, y);
        // Constant: only the border rows and columns are rough (zero padding), a small share.
        Assert.That(omegaN[0], Is.LessThan(0.1));
        Assert.That(omegaN[0], Is.GreaterThan(0));
        // White noise: most of its power is above the low-pass.
        Assert.That(omegaN[1], Is.GreaterThan(0.5));
        // The device numbers agree with the host reference.
        var host0 = Roughness.MeasureHost(values.AsSpan(0, h * w), h, w);
        var host1 = Roughness.MeasureHost(values.AsSpan(h * w, h * w), h, w);
        Assert.That(omega[0], Is.EqualTo(host0.Omega).Within(1e-4 * host0.Omega));
        Assert.That(omegaN[1], Is.EqualTo(host1.OmegaN).Within(1e-4));
    }
}
