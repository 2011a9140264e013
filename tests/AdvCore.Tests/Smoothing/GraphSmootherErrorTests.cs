using AdvCore.Smoothing;
using AdvCore.Tests.Engine;
using NUnit.Framework;

namespace AdvCore.Tests.Smoothing;

/// <summary>Every refused option and operand of <see cref="GraphSmoother"/>, with the message that names it.</summary>
public class GraphSmootherErrorTests
{
    private Context _ctx = null!;

    [OneTimeSetUp]
    public void SetUp() => _ctx = Context.Create(Device.Cpu, threads: 2);

    [OneTimeTearDown]
    public void TearDown() => _ctx?.Dispose();

    private static IEnumerable<TestCaseData> BadOptions()
    {
        var o = new GraphSmoothingOptions();
        yield return new TestCaseData(o with { Alpha = 0f }, "Alpha", "Alpha must be in (0, 1)").SetName("Alpha0");
        yield return new TestCaseData(o with { Alpha = 1f }, "Alpha", "Alpha must be in (0, 1)").SetName("Alpha1");
        yield return new TestCaseData(o with { Alpha = -0.5f }, "Alpha", "Alpha must be in (0, 1)").SetName("AlphaNegative");
        yield return new TestCaseData(o with { Alpha = float.NaN }, "Alpha", "Alpha must be in (0, 1)").SetName("AlphaNaN");
        yield return new TestCaseData(o with { SigmaFeature = 0f }, "SigmaFeature", "SigmaFeature must be a finite number > 0").SetName("SigmaFeature0");
        yield return new TestCaseData(o with { SigmaFeature = -0.1f }, "SigmaFeature", "SigmaFeature must be a finite number > 0").SetName("SigmaFeatureNegative");
        yield return new TestCaseData(o with { SigmaFeature = float.PositiveInfinity }, "SigmaFeature", "finite").SetName("SigmaFeatureInf");
        yield return new TestCaseData(o with { SigmaSpatial = 0f }, "SigmaSpatial", "SigmaSpatial must be a finite number > 0").SetName("SigmaSpatial0");
        yield return new TestCaseData(o with { SigmaSpatial = float.NaN }, "SigmaSpatial", "SigmaSpatial must be a finite number > 0").SetName("SigmaSpatialNaN");
        yield return new TestCaseData(o with { Neighbours = 6 }, "Neighbours", "Neighbours must be 4 or 8 (got 6)").SetName("Neighbours6");
        yield return new TestCaseData(o with { Kernel = (FeatureKernel)7 }, "Kernel", "Kernel has no value 7").SetName("KernelUnknown");
        yield return new TestCaseData(o with { Tolerance = -1e-3f }, "Tolerance", "Tolerance must be a finite number >= 0").SetName("ToleranceNegative");
        yield return new TestCaseData(o with { MaxIterations = 0 }, "MaxIterations", "MaxIterations must be >= 1 (got 0)").SetName("MaxIterations0");
    }

    [TestCaseSource(nameof(BadOptions))]
    public void RefusesAnOptionOutOfRange(GraphSmoothingOptions options, string name, string message)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(options.Validate)!;
        Assert.That(e.ParamName, Is.EqualTo(name));
        Assert.That(e.Message, Does.Contain(message));
        using var x = Tensor.FromArray(_ctx, GraphSmootherTests.PatchImages(1, 1, 1, 5, 5), 1, 1, 5, 5);
        var build = Assert.Throws<ArgumentOutOfRangeException>(() => GraphSmoother.Build(x, options))!;
        Assert.That(build.ParamName, Is.EqualTo(name));
    }

    [TestCase(float.NaN)]
    [TestCase(float.PositiveInfinity)]
    public void RefusesNonFiniteImages(float bad)
    {
        float[] pixels = GraphSmootherTests.PatchImages(2, 2, 3, 6, 5);
        pixels[37] = bad;
        using var x = Tensor.FromArray(_ctx, pixels, 2, 3, 6, 5);
        var e = Assert.Throws<NonFiniteException>(() => GraphSmoother.Build(x))!;
        Assert.That(e.Message, Does.Contain("images hold NaN or infinity"));
    }

    [Test]
    public void RefusesWrongShapesAndAliases()
    {
        using var flat = Tensor.FromArray(_ctx, TestData.Uniform(3, 60, 0, 1), 2, 30);
        Assert.That(Assert.Throws<ShapeMismatchException>(() => GraphSmoother.Build(flat))!.Message, Does.Contain("[N, C, H, W]"));
        using var x = Tensor.FromArray(_ctx, GraphSmootherTests.PatchImages(4, 2, 3, 6, 5), 2, 3, 6, 5);
        using var smoother = GraphSmoother.Build(x);
        Assert.That((smoother.Images, smoother.Channels, smoother.Height, smoother.Width), Is.EqualTo((2, 3, 6, 5)));
        using var z = Tensor.FromArray(_ctx, TestData.Uniform(5, 180), 2, 3, 6, 5);
        using var r = Tensor.Zeros(_ctx, [2, 3, 6, 5]);
        using var transposed = Tensor.Zeros(_ctx, [2, 3, 5, 6]);
        using var fewer = Tensor.Zeros(_ctx, [1, 3, 6, 5]);
        using var flatSignal = Tensor.Zeros(_ctx, [2, 90]);
        var e = Assert.Throws<ShapeMismatchException>(() => smoother.Smooth(transposed, r))!;
        Assert.That(e.Message, Does.Contain("z has shape 2x3x5x6, expected the graph's images' shape 2x3x6x5"));
        Assert.Throws<ShapeMismatchException>(() => smoother.Smooth(z, fewer));
        Assert.Throws<ShapeMismatchException>(() => smoother.SmoothAdjoint(flatSignal, r));
        Assert.Throws<ShapeMismatchException>(() => smoother.Solve(z, transposed));
        var alias = Assert.Throws<InvalidArgumentException>(() => smoother.Smooth(z, z))!;
        Assert.That(alias.Message, Does.Contain("z and r must not share storage"));
        using var view = z.View(2, 3, 6, 5);
        Assert.Throws<InvalidArgumentException>(() => smoother.SmoothAdjoint(z, view));
        using var other = Context.Create(Device.Cpu, threads: 1);
        using var foreign = Tensor.Zeros(other, [2, 3, 6, 5]);
        Assert.That(Assert.Throws<InvalidArgumentException>(() => smoother.Smooth(foreign, r))!.Message, Does.Contain("another context"));
        Assert.Throws<ArgumentNullException>(() => smoother.Smooth(null!, r));
    }

    [Test]
    public void DisposedSmootherThrows()
    {
        using var x = Tensor.FromArray(_ctx, GraphSmootherTests.PatchImages(6, 1, 1, 4, 4), 1, 1, 4, 4);
        var smoother = GraphSmoother.Build(x);
        using var z = Tensor.Zeros(_ctx, [1, 1, 4, 4]);
        using var r = Tensor.Zeros(_ctx, [1, 1, 4, 4]);
        smoother.Dispose();
        Assert.That(smoother.IsDisposed, Is.True);
        Assert.Throws<ObjectDisposedException>(() => smoother.Smooth(z, r));
        smoother.Dispose(); // a second Dispose is harmless
    }
}
