using NUnit.Framework;

namespace AdvCore.Tests.Engine;

/// <summary>
/// The per-sample attack primitives, fast against reference kernels and against float64 host
/// formulas. Reductions allow 1e-5 relative; element-wise updates 1e-6; quantisation is exact.
/// </summary>
public class PerSampleOpsTests
{
    private DualContext _dual = null!;

    [SetUp]
    public void SetUp() => _dual = new DualContext();

    [TearDown]
    public void TearDown() => _dual.Dispose();

    private static IEnumerable<long[]> Shapes() => [[1, 1, 28, 28], [67, 3, 7, 5], [5, 1001], [130, 2]];

    private static double[] PerSample(float[] x, int n, Func<IEnumerable<double>, double> reduce)
    {
        int d = x.Length / n;
        return Enumerable.Range(0, n).Select(i => reduce(x.Skip(i * d).Take(d).Select(v => (double)v))).ToArray();
    }

    [TestCaseSource(nameof(Shapes))]
    public void NormsAndDot(long[] shape)
    {
        int n = (int)shape[0];
        float[] a = TestData.Uniform(91, TestData.Product(shape)), b = TestData.Uniform(92, TestData.Product(shape));
        var x = _dual.Input(a, shape);
        var y = _dual.Input(b, shape);
        var l2 = _dual.Zeros(n);
        var linf = _dual.Zeros(n);
        var dot = _dual.Zeros(n);
        Ops.BatchL2Norm(x.Fast, l2.Fast);
        Ops.BatchL2Norm(x.Ref, l2.Ref);
        Ops.BatchLinfNorm(x.Fast, linf.Fast);
        Ops.BatchLinfNorm(x.Ref, linf.Ref);
        Ops.BatchDot(x.Fast, y.Fast, dot.Fast);
        Ops.BatchDot(x.Ref, y.Ref, dot.Ref);
        DualContext.AssertClose(l2, 1e-6, 1e-5, "l2 norm");
        DualContext.AssertClose(linf, 0, 0, "linf norm");
        DualContext.AssertScaled(dot, 1e-5, "dot");

        float[] expectedL2 = PerSample(a, n, v => Math.Sqrt(v.Sum(t => t * t))).Select(v => (float)v).ToArray();
        float[] expectedLinf = PerSample(a, n, v => v.Max(Math.Abs)).Select(v => (float)v).ToArray();
        int d = a.Length / n;
        float[] expectedDot = Enumerable.Range(0, n).Select(i => (float)Enumerable.Range(i * d, d).Sum(j => (double)a[j] * b[j])).ToArray();
        Close.Assert(expectedL2, l2.Ref.ToArray(), 1e-6, 1e-5, "l2 vs float64");
        Close.Assert(expectedLinf, linf.Ref.ToArray(), 0, 0, "linf vs float64");
        Close.AssertScaled(expectedDot, dot.Ref.ToArray(), 1e-5, "dot vs float64");
    }

    [TestCaseSource(nameof(Shapes))]
    public void AxpyAndScale(long[] shape)
    {
        int n = (int)shape[0];
        float[] a = TestData.Uniform(93, TestData.Product(shape)), b = TestData.Uniform(94, TestData.Product(shape));
        float[] alphas = TestData.Uniform(95, n, -2f, 2f);
        var x = _dual.Input(a, shape);
        var y = _dual.Input(b, shape);
        var alpha = _dual.Input(alphas, n);
        Ops.BatchAxpy(alpha.Fast, x.Fast, y.Fast);
        Ops.BatchAxpy(alpha.Ref, x.Ref, y.Ref);
        DualContext.AssertClose(y, 1e-6, 1e-6, "axpy");
        int d = a.Length / n;
        float[] expected = b.Select((v, i) => v + alphas[i / d] * a[i]).ToArray();
        Close.Assert(expected, y.Ref.ToArray(), 1e-6, 1e-6, "axpy vs host");

        Ops.BatchScale(alpha.Fast, x.Fast);
        Ops.BatchScale(alpha.Ref, x.Ref);
        DualContext.AssertClose(x, 0, 1e-7, "scale");
        Close.Assert(a.Select((v, i) => v * alphas[i / d]).ToArray(), x.Ref.ToArray(), 0, 1e-7, "scale vs host");
    }

    [TestCaseSource(nameof(Shapes))]
    public void Projections(long[] shape)
    {
        int n = (int)shape[0];
        long count = TestData.Product(shape);
        int d = (int)(count / n);
        float[] c = TestData.Uniform(96, count, 0f, 1f), y0 = TestData.Uniform(97, count, 0f, 1f);
        // Half the samples get a radius that binds, half one that does not.
        float[] eps = Enumerable.Range(0, n).Select(i => i % 2 == 0 ? 0.05f : 1e4f).ToArray();
        var center = _dual.Input(c, shape);
        var epsT = _dual.Input(eps, n);
        var y = _dual.Input(y0, shape);
        Ops.ProjectL2(center.Fast, epsT.Fast, y.Fast);
        Ops.ProjectL2(center.Ref, epsT.Ref, y.Ref);
        DualContext.AssertClose(y, 1e-6, 1e-5, "project l2");
        float[] projected = y.Ref.ToArray();
        for (int i = 0; i < n; i++)
        {
            double r = Math.Sqrt(Enumerable.Range(i * d, d).Sum(j => Math.Pow((double)projected[j] - c[j], 2)));
            double r0 = Math.Sqrt(Enumerable.Range(i * d, d).Sum(j => Math.Pow((double)y0[j] - c[j], 2)));
            Assert.That(r, Is.EqualTo(Math.Min(r0, eps[i])).Within(1e-5 * (1 + r0)), $"sample {i} radius");
        }

        var z = _dual.Input(y0, shape);
        Ops.ProjectLinf(center.Fast, epsT.Fast, z.Fast);
        Ops.ProjectLinf(center.Ref, epsT.Ref, z.Ref);
        DualContext.AssertClose(z, 0, 1e-6, "project linf");
        float[] expected = y0.Select((v, j) => c[j] + Math.Clamp(v - c[j], -eps[j / d], eps[j / d])).ToArray();
        Close.Assert(expected, z.Ref.ToArray(), 1e-7, 1e-6, "project linf vs host");
    }

    [Test]
    public void ClipAndQuantize()
    {
        float[] data = TestData.Uniform(98, 67 * 40, -0.5f, 1.5f);
        data[0] = 0.5f / 255f;  // (near) half-way points: either neighbour, but fast and reference agree
        data[1] = 1.5f / 255f;
        data[2] = 127.5f / 255f;
        var x = _dual.Input(data, 67, 40);
        Ops.Clip01(x.Fast);
        Ops.Clip01(x.Ref);
        DualContext.AssertClose(x, 0, 0, "clip01");
        Close.AssertExact(data.Select(v => Math.Clamp(v, 0f, 1f)).ToArray(), x.Ref.ToArray(), "clip01 vs host");

        var q = _dual.Input(data, 67, 40);
        Ops.Quantize8(q.Fast);
        Ops.Quantize8(q.Ref);
        DualContext.AssertClose(q, 0, 0, "quantize8");
        float[] quantized = q.Ref.ToArray();
        for (int i = 0; i < data.Length; i++)
        {
            double level = Math.Round(quantized[i] * 255.0);
            Assert.That(quantized[i], Is.EqualTo((float)(level / 255.0)).Within(1e-7f), $"element {i} on the 8-bit grid");
            Assert.That(Math.Abs(quantized[i] - Math.Clamp(data[i], 0f, 1f)), Is.LessThanOrEqualTo(0.5 / 255 + 1e-6), $"element {i} nearest level");
        }
    }

    [Test]
    public void PerSampleScalarsMustHaveNElements()
    {
        var x = _dual.Random(99, 4, 5);
        var wrong = _dual.Zeros(3);
        Assert.Throws<ShapeMismatchException>(() => Ops.BatchL2Norm(x.Fast, wrong.Fast));
        Assert.Throws<ShapeMismatchException>(() => Ops.BatchScale(wrong.Fast, x.Fast));
    }

    [TestCase(1000L, 0UL)]
    [TestCase(67L * 13, 12345UL)]
    public void RandomFillsAreIdenticalAcrossKernels(long count, ulong offset)
    {
        var a = _dual.Zeros(count);
        var b = _dual.Zeros(count);
        a.Fast.FillNormal(0.1f, 0.7f, offset);
        a.Ref.FillNormal(0.1f, 0.7f, offset);
        b.Fast.FillUniform(-1f, 2f, offset);
        b.Ref.FillUniform(-1f, 2f, offset);
        DualContext.AssertClose(a, 1e-6, 1e-6, "normal fill");
        DualContext.AssertClose(b, 0, 1e-7, "uniform fill");
    }
}
