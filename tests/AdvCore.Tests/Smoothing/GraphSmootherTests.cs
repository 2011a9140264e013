using AdvCore.Smoothing;
using AdvCore.Tests.Attacks;
using AdvCore.Tests.Engine;
using NUnit.Framework;

namespace AdvCore.Tests.Smoothing;

/// <summary>
/// <see cref="GraphSmoother"/> through the façade: real MNIST images against a float64 dense
/// solve, fast CPU against reference, the adjoint identity, warm starts, iteration reports, no
/// host transfer per call, and every refused input.
/// </summary>
public class GraphSmootherTests
{
    private Context _fast = null!;
    private Context _reference = null!;

    [OneTimeSetUp]
    public void SetUp()
    {
        _fast = Context.Create(Device.Cpu, threads: 2, seed: 3);
        _reference = Context.Create(Device.Cpu, threads: 1, seed: 3, referenceKernels: true);
    }

    [OneTimeTearDown]
    public void TearDown()
    {
        _fast?.Dispose();
        _reference?.Dispose();
    }

    // Random images in [0,1]: two flat regions per channel plus noise.
    internal static float[] PatchImages(int seed, int n, int c, int h, int w)
    {
        var random = new Random(seed);
        var x = new float[n * c * h * w];
        for (int img = 0; img < n; img++)
        {
            int cy = random.Next(h), cx = random.Next(w);
            for (int ch = 0; ch < c; ch++)
            {
                double a = 0.1 + 0.8 * random.NextDouble(), b = 0.1 + 0.8 * random.NextDouble();
                for (int y = 0; y < h; y++)
                    for (int xx = 0; xx < w; xx++)
                        x[((img * c + ch) * h + y) * w + xx] =
                            (float)Math.Clamp(((y <= cy) != (xx <= cx) ? a : b) + 0.16 * (random.NextDouble() - 0.5), 0, 1);
            }
        }
        return x;
    }

    private static float[] MnistImages(int count)
    {
        string? folder = MnistIdx.Folder();
        if (folder is null) Assert.Ignore("MNIST not found (set ADVCORE_DATA to the folder holding mnist/)");
        return MnistIdx.Load(folder!, train: false, count).Images;
    }

    [Test]
    public void DefaultsAreTheDocumentedOnesAndMatchTheNativeDefaults()
    {
        var o = new GraphSmoothingOptions();
        Assert.That((o.Neighbours, o.Kernel, o.SigmaFeature, o.SigmaSpatial, o.Alpha, o.Tolerance, o.MaxIterations),
                    Is.EqualTo((4, FeatureKernel.Laplacian, 0.1f, 1f, 0.95f, 1e-5f, 50)));
        Assert.That(SmoothingNative.ac_smoothing_params_default(out var native), Is.EqualTo(0));
        Assert.That(native, Is.EqualTo(AcSmoothingParams.From(o)));
    }

    [TestCase(1e-6f, 200, 1e-5)]
    [TestCase(1e-5f, 50, 5e-5)]
    public void RealMnistImagesMatchADenseFloat64Solve(float tolerance, int maxIterations, double limit)
    {
        const int N = 2, Hw = 784;
        float[] images = MnistImages(N);
        float[] z = TestData.Uniform(5, N * Hw);
        var options = new GraphSmoothingOptions { Tolerance = tolerance, MaxIterations = maxIterations };
        foreach (var ctx in new[] { _fast, _reference })
        {
            using var x = Tensor.FromArray(ctx, images, N, 1, 28, 28);
            using var smoother = GraphSmoother.Build(x, options);
            using var zt = Tensor.FromArray(ctx, z, N, 1, 28, 28);
            using var solved = Tensor.Zeros(ctx, [N, 1, 28, 28]);
            using var smoothed = Tensor.Zeros(ctx, [N, 1, 28, 28]);
            using var adjoint = Tensor.Zeros(ctx, [N, 1, 28, 28]);
            smoother.Solve(zt, solved);
            var solveReport = smoother.LastReport();
            smoother.Smooth(zt, smoothed);
            smoother.SmoothAdjoint(zt, adjoint);
            using var s1t = smoother.OnesResponse();
            float[] s1 = s1t.ToArray(), sol = solved.ToArray(), sm = smoothed.ToArray(), adj = adjoint.ToArray();
            for (int img = 0; img < N; img++)
            {
                var dense = new DenseSmoothing(images.AsSpan(img * Hw, Hw), 1, 28, 28);
                double[] wantS1 = dense.Solve(Enumerable.Repeat(1.0, Hw).ToArray());
                double[] wantSolve = dense.Solve(z.AsSpan(img * Hw, Hw));
                var wantSmooth = new double[Hw];
                var adjRhs = new double[Hw];
                for (int i = 0; i < Hw; i++)
                {
                    wantSmooth[i] = wantSolve[i] / wantS1[i];
                    adjRhs[i] = z[img * Hw + i] / wantS1[i];
                }
                double[] wantAdjoint = dense.Solve(adjRhs);
                string where = $"{ctx}, image {img}, tolerance {tolerance}";
                Assert.That(DenseSmoothing.RelativeMaxError(s1.AsSpan(img * Hw, Hw), wantS1), Is.LessThanOrEqualTo(limit), $"s(1), {where}");
                Assert.That(DenseSmoothing.RelativeMaxError(sol.AsSpan(img * Hw, Hw), wantSolve), Is.LessThanOrEqualTo(limit), $"s_α(z), {where}");
                Assert.That(DenseSmoothing.RelativeMaxError(sm.AsSpan(img * Hw, Hw), wantSmooth), Is.LessThanOrEqualTo(limit), $"ŝ_α(z), {where}");
                Assert.That(DenseSmoothing.RelativeMaxError(adj.AsSpan(img * Hw, Hw), wantAdjoint), Is.LessThanOrEqualTo(limit), $"ŝᵀ(z), {where}");
                Assert.That(solveReport.Residuals[img], Is.LessThanOrEqualTo(tolerance), where);
                Assert.That(solveReport.Iterations[img], Is.InRange(2, maxIterations - 1), where);
            }
        }
    }

    [TestCase(4, FeatureKernel.Laplacian)]
    [TestCase(8, FeatureKernel.Gaussian)]
    public void FastMatchesReference(int neighbours, FeatureKernel kernel)
    {
        const int N = 3, C = 3, H = 9, W = 13;
        float[] images = PatchImages(11, N, C, H, W), z = TestData.Uniform(12, N * C * H * W);
        var options = new GraphSmoothingOptions { Neighbours = neighbours, Kernel = kernel };
        (float[] Weights, float[] Smooth, float[] Adjoint, CgReport Report) Run(Context ctx)
        {
            using var x = Tensor.FromArray(ctx, images, N, C, H, W);
            using var smoother = GraphSmoother.Build(x, options);
            using var zt = Tensor.FromArray(ctx, z, N, C, H, W);
            using var r = Tensor.Zeros(ctx, [N, C, H, W]);
            using var gz = Tensor.Zeros(ctx, [N, C, H, W]);
            using var weights = smoother.StencilWeights();
            smoother.SmoothAdjoint(zt, gz);
            smoother.Smooth(zt, r);
            return (weights.ToArray(), r.ToArray(), gz.ToArray(), smoother.LastReport());
        }
        var a = Run(_reference);
        var b = Run(_fast);
        Close.AssertExact(a.Weights, b.Weights, "stencil");
        Close.AssertScaled(a.Smooth, b.Smooth, 1e-5, "smooth");
        Close.AssertScaled(a.Adjoint, b.Adjoint, 1e-5, "adjoint");
        for (int s = 0; s < N * C; s++)
            Assert.That(b.Report.Iterations[s], Is.InRange(a.Report.Iterations[s] - 1, a.Report.Iterations[s] + 1), $"system {s}");
        Assert.That(b.Report.MaxResidual, Is.LessThanOrEqualTo(1e-5f));
    }

    [TestCase(4)]
    [TestCase(8)]
    public void AdjointIdentityHolds(int neighbours)
    {
        // ⟨ŝ(z), y⟩ = ⟨z, ŝᵀ(y)⟩ per (image, channel) on random data.
        const int N = 2, C = 3, H = 11, W = 10, Hw = H * W;
        using var x = Tensor.FromArray(_fast, PatchImages(21, N, C, H, W), N, C, H, W);
        using var smoother = GraphSmoother.Build(x, new GraphSmoothingOptions { Neighbours = neighbours, Tolerance = 1e-7f, MaxIterations = 300 });
        float[] z = TestData.Uniform(22, N * C * Hw), y = TestData.Uniform(23, N * C * Hw);
        using var zt = Tensor.FromArray(_fast, z, N, C, H, W);
        using var yt = Tensor.FromArray(_fast, y, N, C, H, W);
        using var sz = Tensor.Zeros(_fast, [N, C, H, W]);
        using var sty = Tensor.Zeros(_fast, [N, C, H, W]);
        smoother.Smooth(zt, sz);
        smoother.SmoothAdjoint(yt, sty);
        float[] a = sz.ToArray(), b = sty.ToArray();
        for (int s = 0; s < N * C; s++)
        {
            double lhs = 0, rhs = 0, zz = 0, yy = 0;
            for (int i = s * Hw; i < (s + 1) * Hw; i++)
            {
                lhs += (double)a[i] * y[i];
                rhs += (double)z[i] * b[i];
                zz += (double)z[i] * z[i];
                yy += (double)y[i] * y[i];
            }
            Assert.That(Math.Abs(lhs - rhs), Is.LessThanOrEqualTo(1e-5 * Math.Sqrt(zz * yy)), $"system {s}: {lhs} vs {rhs}");
        }
    }

    [Test]
    public void WarmStartGivesTheSameAnswerInFewerIterations()
    {
        const int N = 3;
        float[] images = MnistImages(N);
        using var x = Tensor.FromArray(_fast, images, N, 1, 28, 28);
        using var smoother = GraphSmoother.Build(x);
        float[] z = TestData.Uniform(31, N * 784);
        using var zt = Tensor.FromArray(_fast, z, N, 1, 28, 28);
        using var r = Tensor.Zeros(_fast, [N, 1, 28, 28]);
        using var cold = Tensor.Zeros(_fast, [N, 1, 28, 28]);
        smoother.Smooth(zt, r);
        // z moves a little, as between two attack iterations
        var random = new Random(32);
        for (int i = 0; i < z.Length; i++) z[i] += 0.02f * (float)(random.NextDouble() - 0.5);
        zt.CopyFrom(z);
        smoother.Smooth(zt, cold);
        var coldReport = smoother.LastReport();
        smoother.Smooth(zt, r, warmStart: true);
        var warmReport = smoother.LastReport();
        Close.AssertScaled(cold.ToArray(), r.ToArray(), 5e-5, "warm vs cold");
        for (int s = 0; s < N; s++)
        {
            Assert.That(warmReport.Iterations[s], Is.LessThan(coldReport.Iterations[s]), $"image {s}");
            Assert.That(warmReport.Residuals[s], Is.LessThanOrEqualTo(1e-5f));
        }
        // From its own answer a warm start needs no iteration at all.
        smoother.Smooth(zt, r, warmStart: true);
        Assert.That(smoother.LastReport().Iterations, Is.All.EqualTo(0));
    }

    [Test]
    public void ReportsIterationsPerSystemAndZeroRightHandSides()
    {
        const int N = 2, C = 2, H = 8, W = 9;
        using var x = Tensor.FromArray(_fast, PatchImages(41, N, C, H, W), N, C, H, W);
        using var smoother = GraphSmoother.Build(x);
        Assert.That(smoother.OnesReport().Iterations, Has.Length.EqualTo(N).And.All.InRange(1, 49));
        Assert.Throws<InvalidOperationException>(() => smoother.LastReport());
        float[] b = TestData.Uniform(42, N * C * H * W);
        Array.Clear(b, 1 * H * W, H * W); // image 0, channel 1: b = 0
        using var bt = Tensor.FromArray(_fast, b, N, C, H, W);
        using var xt = Tensor.FromArray(_fast, TestData.Uniform(43, N * C * H * W), N, C, H, W);
        smoother.Solve(bt, xt, warmStart: true);
        var report = smoother.LastReport();
        Assert.That(report.Iterations, Has.Length.EqualTo(N * C));
        Assert.That(report.Iterations[1], Is.EqualTo(0));
        Assert.That(report.Residuals[1], Is.EqualTo(0f));
        Assert.That(xt.ToArray().AsSpan(H * W, H * W).ToArray(), Is.All.EqualTo(0f));
        foreach (int s in new[] { 0, 2, 3 }) Assert.That(report.Iterations[s], Is.InRange(3, 49), $"system {s}");
    }

    [Test]
    public void SolvesMakeNoHostTransfer()
    {
        using var x = Tensor.FromArray(_fast, PatchImages(51, 2, 1, 10, 10), 2, 1, 10, 10);
        using var smoother = GraphSmoother.Build(x);
        using var z = Tensor.FromArray(_fast, TestData.Uniform(52, 200), 2, 1, 10, 10);
        using var r = Tensor.Zeros(_fast, [2, 1, 10, 10]);
        using var gz = Tensor.Zeros(_fast, [2, 1, 10, 10]);
        _fast.ResetTransferCounts();
        for (int i = 0; i < 3; i++)
        {
            smoother.Smooth(z, r, warmStart: i > 0);
            smoother.SmoothAdjoint(r, gz, warmStart: i > 0);
        }
        Assert.That(_fast.TransferCounts(), Is.EqualTo(new TransferCounts(0, 0, 0)));
    }

    [Test]
    public void SmoothingOnesGivesOnes()
    {
        using var x = Tensor.FromArray(_fast, PatchImages(61, 2, 3, 7, 9), 2, 3, 7, 9);
        using var smoother = GraphSmoother.Build(x, new GraphSmoothingOptions { Neighbours = 8, Tolerance = 1e-7f, MaxIterations = 200 });
        using var ones = Tensor.Zeros(_fast, [2, 3, 7, 9]);
        ones.Fill(1f);
        using var r = Tensor.Zeros(_fast, [2, 3, 7, 9]);
        smoother.Smooth(ones, r);
        Close.Assert(Enumerable.Repeat(1f, 2 * 3 * 63).ToArray(), r.ToArray(), 1e-5, 0, "ŝ(1)");
        using var s1 = smoother.OnesResponse();
        Assert.That(s1.ToArray(), Is.All.GreaterThanOrEqualTo(1 - 0.95f - 1e-6f));
    }
}
