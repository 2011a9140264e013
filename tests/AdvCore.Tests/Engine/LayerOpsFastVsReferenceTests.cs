using NUnit.Framework;

namespace AdvCore.Tests.Engine;

/// <summary>
/// Every layer kernel through the façade: the fast CPU context against the plain reference
/// context on the same random inputs. Tolerances: GEMM-like ops (conv, linear) allow
/// 2e-5·(1 + max|ref|) for forward and backward (float32 sums in a different order);
/// element-wise ops and pools must agree to 1e-6 relative.
/// </summary>
public class LayerOpsFastVsReferenceTests
{
    private const double Gemm = 2e-5;
    private const double Elementwise = 1e-6;

    private DualContext _dual = null!;

    [SetUp]
    public void SetUp() => _dual = new DualContext();

    [TearDown]
    public void TearDown() => _dual.Dispose();

    // n, c, h, w, o, kh, kw, stride, padTop, padBottom, padLeft, padRight
    private static readonly object[] ConvCases =
    [
        new object[] { 1, 3, 7, 9, 5, 3, 3, 1, 1, 1, 1, 1 },
        new object[] { 67, 2, 8, 8, 4, 5, 5, 2, 0, 0, 0, 0 },
        new object[] { 3, 1, 28, 28, 8, 8, 8, 2, 3, 3, 3, 3 },   // C4's first layer, 'same'
        new object[] { 2, 6, 5, 6, 7, 3, 2, 1, 1, 0, 1, 1 },     // non-square kernel, asymmetric padding
        new object[] { 5, 9, 4, 3, 11, 1, 1, 1, 0, 0, 0, 0 },    // 1x1
        new object[] { 2, 4, 11, 10, 3, 4, 3, 3, 2, 1, 0, 2 },   // stride 3, odd sizes
    ];

    [TestCaseSource(nameof(ConvCases))]
    public void Conv2dForwardAndBackward(int n, int c, int h, int w, int o, int kh, int kw, int stride,
                                         int pt, int pb, int pl, int pr)
    {
        var p = ConvPadding.Explicit(stride, stride, pt, pb, pl, pr);
        long oh = p.OutputHeight(h, kh), ow = p.OutputWidth(w, kw);
        var x = _dual.Random(1, n, c, h, w);
        var wt = _dual.Random(2, o, c, kh, kw);
        var b = _dual.Random(3, o);
        var y = _dual.Zeros(n, o, oh, ow);
        Ops.Conv2dForward(x.Fast, wt.Fast, b.Fast, y.Fast, p);
        Ops.Conv2dForward(x.Ref, wt.Ref, b.Ref, y.Ref, p);
        DualContext.AssertScaled(y, Gemm, "conv y");

        var dy = _dual.Random(4, n, o, oh, ow);
        var dx = _dual.Zeros(n, c, h, w);
        var dw = _dual.Zeros(o, c, kh, kw);
        var db = _dual.Zeros(o);
        Ops.Conv2dBackward(x.Fast, wt.Fast, dy.Fast, dx.Fast, dw.Fast, db.Fast, p);
        Ops.Conv2dBackward(x.Ref, wt.Ref, dy.Ref, dx.Ref, dw.Ref, db.Ref, p);
        DualContext.AssertScaled(dx, Gemm, "conv dx");
        DualContext.AssertScaled(dw, Gemm, "conv dw");
        DualContext.AssertScaled(db, Gemm, "conv db");
    }

    [Test]
    public void Conv2dWithoutBiasAndPartialGradients()
    {
        var p = ConvPadding.Same(6, 6, 3, 3, 1, 1);
        var x = _dual.Random(5, 2, 3, 6, 6);
        var w = _dual.Random(6, 4, 3, 3, 3);
        var y = _dual.Zeros(2, 4, 6, 6);
        Ops.Conv2dForward(x.Fast, w.Fast, null, y.Fast, p);
        Ops.Conv2dForward(x.Ref, w.Ref, null, y.Ref, p);
        DualContext.AssertScaled(y, Gemm, "conv y (no bias)");

        var dy = _dual.Random(7, 2, 4, 6, 6);
        var dx = _dual.Zeros(2, 3, 6, 6);
        var dw = _dual.Zeros(4, 3, 3, 3);
        Ops.Conv2dBackward(x.Fast, w.Fast, dy.Fast, dx.Fast, null, null, p);
        Ops.Conv2dBackward(x.Ref, w.Ref, dy.Ref, dx.Ref, null, null, p);
        Ops.Conv2dBackward(x.Fast, w.Fast, dy.Fast, null, dw.Fast, null, p);
        Ops.Conv2dBackward(x.Ref, w.Ref, dy.Ref, null, dw.Ref, null, p);
        DualContext.AssertScaled(dx, Gemm, "conv dx only");
        DualContext.AssertScaled(dw, Gemm, "conv dw only");
    }

    [TestCase(1, new long[] { 5 }, 3)]
    [TestCase(67, new long[] { 37 }, 10)]
    [TestCase(4, new long[] { 2, 3, 4 }, 7)]
    [TestCase(130, new long[] { 128, 1, 1 }, 10)]
    public void LinearForwardAndBackward(int n, long[] sample, int outFeatures)
    {
        long inFeatures = TestData.Product(sample);
        long[] xShape = [n, .. sample];
        var x = _dual.Random(11, xShape);
        var w = _dual.Random(12, outFeatures, inFeatures);
        var b = _dual.Random(13, outFeatures);
        var y = _dual.Zeros(n, outFeatures);
        Ops.LinearForward(x.Fast, w.Fast, b.Fast, y.Fast);
        Ops.LinearForward(x.Ref, w.Ref, b.Ref, y.Ref);
        DualContext.AssertScaled(y, Gemm, "linear y");

        var dy = _dual.Random(14, n, outFeatures);
        var dx = _dual.Zeros(xShape);
        var dw = _dual.Zeros(outFeatures, inFeatures);
        var db = _dual.Zeros(outFeatures);
        Ops.LinearBackward(x.Fast, w.Fast, dy.Fast, dx.Fast, dw.Fast, db.Fast);
        Ops.LinearBackward(x.Ref, w.Ref, dy.Ref, dx.Ref, dw.Ref, db.Ref);
        DualContext.AssertScaled(dx, Gemm, "linear dx");
        DualContext.AssertScaled(dw, Gemm, "linear dw");
        DualContext.AssertScaled(db, Gemm, "linear db");
    }

    [TestCase(ActivationKind.ReLU, 0f, 1)]
    [TestCase(ActivationKind.LeakyReLU, 0.1f, 67)]
    [TestCase(ActivationKind.LeakyReLU, 0.2f, 1)]
    [TestCase(ActivationKind.BoundedReLU, 0.5f, 67)]
    public void ActivationForwardAndBackward(ActivationKind kind, float param, int n)
    {
        var x = _dual.Random(21, n, 3, 5, 7);
        var y = _dual.Zeros(n, 3, 5, 7);
        Ops.ActivationForward(kind, param, x.Fast, y.Fast);
        Ops.ActivationForward(kind, param, x.Ref, y.Ref);
        DualContext.AssertClose(y, 0, Elementwise, $"{kind} y");

        var dy = _dual.Random(22, n, 3, 5, 7);
        var dx = _dual.Zeros(n, 3, 5, 7);
        Ops.ActivationBackward(kind, param, x.Fast, dy.Fast, dx.Fast);
        Ops.ActivationBackward(kind, param, x.Ref, dy.Ref, dx.Ref);
        DualContext.AssertClose(dx, 0, Elementwise, $"{kind} dx");
    }

    [Test]
    public void ActivationInPlace()
    {
        float[] data = TestData.Uniform(23, 2 * 50);
        var x = _dual.Input(data, 2, 50);
        Ops.ActivationForward(ActivationKind.LeakyReLU, 0.1f, x.Fast, x.Fast);
        Ops.ActivationForward(ActivationKind.LeakyReLU, 0.1f, x.Ref, x.Ref);
        float[] expected = data.Select(v => v > 0 ? v : 0.1f * v).ToArray();
        Close.Assert(expected, x.Ref.ToArray(), 0, Elementwise, "reference in place");
        Close.Assert(expected, x.Fast.ToArray(), 0, Elementwise, "fast in place");
    }

    // n, c, h, w, kernel, stride, pad
    private static readonly object[] PoolCases =
    [
        new object[] { 1, 3, 7, 7, 3, 2, 1 },
        new object[] { 67, 2, 8, 8, 2, 2, 0 },
        new object[] { 2, 4, 9, 5, 3, 1, 1 },
        new object[] { 3, 5, 6, 11, 4, 3, 2 },
    ];

    [TestCaseSource(nameof(PoolCases))]
    public void MaxPoolForwardAndBackward(int n, int c, int h, int w, int k, int s, int pad)
    {
        var p = PoolParams.Square(k, s, pad);
        long oh = p.OutputHeight(h), ow = p.OutputWidth(w);
        var x = _dual.Random(31, n, c, h, w);
        var y = _dual.Zeros(n, c, oh, ow);
        Ops.MaxPoolForward(x.Fast, y.Fast, p);
        Ops.MaxPoolForward(x.Ref, y.Ref, p);
        DualContext.AssertClose(y, 0, 0, "maxpool y");

        var dy = _dual.Random(32, n, c, oh, ow);
        var dx = _dual.Zeros(n, c, h, w);
        Ops.MaxPoolBackward(x.Fast, dy.Fast, dx.Fast, p);
        Ops.MaxPoolBackward(x.Ref, dy.Ref, dx.Ref, p);
        DualContext.AssertClose(dx, 0, Elementwise, "maxpool dx");
    }

    [Test]
    public void MaxPoolTiesGoToTheFirstElement()
    {
        var p = PoolParams.Square(2);
        var x = _dual.Input([1f, 1f, 1f, 1f], 1, 1, 2, 2);
        var dy = _dual.Input([3f], 1, 1, 1, 1);
        var dx = _dual.Zeros(1, 1, 2, 2);
        Ops.MaxPoolBackward(x.Fast, dy.Fast, dx.Fast, p);
        Ops.MaxPoolBackward(x.Ref, dy.Ref, dx.Ref, p);
        Assert.That(dx.Ref.ToArray(), Is.EqualTo(new[] { 3f, 0f, 0f, 0f }));
        Assert.That(dx.Fast.ToArray(), Is.EqualTo(new[] { 3f, 0f, 0f, 0f }));
    }

    [TestCaseSource(nameof(PoolCases))]
    public void AvgPoolForwardAndBackward(int n, int c, int h, int w, int k, int s, int pad)
    {
        var p = PoolParams.Square(k, s, pad);
        long oh = p.OutputHeight(h), ow = p.OutputWidth(w);
        var x = _dual.Random(33, n, c, h, w);
        var y = _dual.Zeros(n, c, oh, ow);
        Ops.AvgPoolForward(x.Fast, y.Fast, p);
        Ops.AvgPoolForward(x.Ref, y.Ref, p);
        DualContext.AssertScaled(y, Elementwise, "avgpool y");

        var dy = _dual.Random(34, n, c, oh, ow);
        var dx = _dual.Zeros(n, c, h, w);
        Ops.AvgPoolBackward(dy.Fast, dx.Fast, p);
        Ops.AvgPoolBackward(dy.Ref, dx.Ref, p);
        DualContext.AssertScaled(dx, Elementwise, "avgpool dx");
    }

    [TestCase(1, 3, 5, 5, false)]
    [TestCase(67, 8, 4, 4, false)]
    [TestCase(2, 5, 7, 3, true)]
    public void GlobalAvgPoolForwardAndBackward(int n, int c, int h, int w, bool keepDims)
    {
        long[] outShape = keepDims ? [n, c, 1, 1] : [n, c];
        var x = _dual.Random(35, n, c, h, w);
        var y = _dual.Zeros(outShape);
        Ops.GlobalAvgPoolForward(x.Fast, y.Fast);
        Ops.GlobalAvgPoolForward(x.Ref, y.Ref);
        DualContext.AssertScaled(y, Elementwise, "gap y");
        float[] xs = x.Ref.ToArray();
        float[] expected = Enumerable.Range(0, n * c).Select(i => (float)xs.Skip(i * h * w).Take(h * w).Average(v => (double)v)).ToArray();
        Close.Assert(expected, y.Ref.ToArray(), 1e-6, 1e-5, "gap y vs mean");

        var dy = _dual.Random(36, outShape);
        var dx = _dual.Zeros(n, c, h, w);
        Ops.GlobalAvgPoolBackward(dy.Fast, dx.Fast);
        Ops.GlobalAvgPoolBackward(dy.Ref, dx.Ref);
        DualContext.AssertScaled(dx, Elementwise, "gap dx");
    }

    [TestCase(true, new long[] { 67, 4, 3, 5 })]
    [TestCase(false, new long[] { 67, 4, 3, 5 })]
    [TestCase(true, new long[] { 5, 6 })]
    [TestCase(false, new long[] { 1, 6 })]
    [TestCase(true, new long[] { 1, 3, 2, 2 })]
    public void BatchNormForwardAndBackward(bool training, long[] shape)
    {
        long c = shape[1];
        var x = _dual.Input(TestData.Uniform(41, TestData.Product(shape), -2f, 3f), shape);
        var gamma = _dual.Input(TestData.Uniform(42, c, 0.5f, 1.5f), c);
        var beta = _dual.Random(43, c);
        var runMean = _dual.Random(44, c);
        var runVar = _dual.Input(TestData.Uniform(45, c, 0.5f, 2f), c);
        var saveMean = _dual.Zeros(c);
        var saveInv = _dual.Zeros(c);
        var y = _dual.Zeros(shape);
        Ops.BatchNormForward(x.Fast, gamma.Fast, beta.Fast, runMean.Fast, runVar.Fast, saveMean.Fast, saveInv.Fast, y.Fast, training, 0.1f, 1e-5f);
        Ops.BatchNormForward(x.Ref, gamma.Ref, beta.Ref, runMean.Ref, runVar.Ref, saveMean.Ref, saveInv.Ref, y.Ref, training, 0.1f, 1e-5f);
        DualContext.AssertScaled(y, 1e-5, "bn y");
        DualContext.AssertScaled(runMean, 1e-5, "bn running mean");
        DualContext.AssertScaled(runVar, 1e-5, "bn running var");
        DualContext.AssertScaled(saveMean, 1e-5, "bn save mean");
        DualContext.AssertScaled(saveInv, 1e-5, "bn save invstd");

        var dy = _dual.Random(46, shape);
        var dx = _dual.Zeros(shape);
        var dgamma = _dual.Zeros(c);
        var dbeta = _dual.Zeros(c);
        Ops.BatchNormBackward(x.Fast, gamma.Fast, saveMean.Fast, saveInv.Fast, dy.Fast, dx.Fast, dgamma.Fast, dbeta.Fast, training);
        Ops.BatchNormBackward(x.Ref, gamma.Ref, saveMean.Ref, saveInv.Ref, dy.Ref, dx.Ref, dgamma.Ref, dbeta.Ref, training);
        DualContext.AssertScaled(dx, 1e-5, "bn dx");
        DualContext.AssertScaled(dgamma, 1e-5, "bn dgamma");
        DualContext.AssertScaled(dbeta, 1e-5, "bn dbeta");
    }

    [Test]
    public void BatchNormTrainingNormalisesEachChannel()
    {
        long[] shape = [9, 3, 4, 4];
        var x = _dual.Input(TestData.Uniform(47, TestData.Product(shape), -1f, 5f), shape);
        var gamma = _dual.Input([1f, 1f, 1f], 3);
        var beta = _dual.Zeros(3);
        var rm = _dual.Zeros(3);
        var rv = _dual.Input([1f, 1f, 1f], 3);
        var sm = _dual.Zeros(3);
        var si = _dual.Zeros(3);
        var y = _dual.Zeros(shape);
        Ops.BatchNormForward(x.Ref, gamma.Ref, beta.Ref, rm.Ref, rv.Ref, sm.Ref, si.Ref, y.Ref, true, 0.1f, 1e-5f);
        float[] ys = y.Ref.ToArray();
        for (int ch = 0; ch < 3; ch++)
        {
            var values = Enumerable.Range(0, 9).SelectMany(i => ys.Skip((i * 3 + ch) * 16).Take(16)).Select(v => (double)v).ToArray();
            double mean = values.Average(), var = values.Select(v => (v - mean) * (v - mean)).Average();
            Assert.That(mean, Is.EqualTo(0).Within(1e-5), $"channel {ch} mean");
            Assert.That(var, Is.EqualTo(1).Within(1e-3), $"channel {ch} variance");
        }
    }

    [Test]
    public void BatchNormTrainingOnOneValuePerChannelIsRefused()
    {
        var x = _dual.Random(48, 1, 3);
        var one = _dual.Input([1f, 1f, 1f], 3);
        var zero = _dual.Zeros(3);
        var sm = _dual.Zeros(3);
        var si = _dual.Zeros(3);
        var y = _dual.Zeros(1, 3);
        Assert.Throws<ShapeMismatchException>(() =>
            Ops.BatchNormForward(x.Fast, one.Fast, zero.Fast, zero.Fast, one.Fast, sm.Fast, si.Fast, y.Fast, true, 0.1f, 1e-5f));
    }

    [TestCase(0.5f, 1, 7L)]
    [TestCase(0.1f, 67, 1000L)]
    [TestCase(0f, 3, 0L)]
    public void DropoutMatchesAcrossKernels(float p, int n, long offset)
    {
        var x = _dual.Random(51, n, 4, 5);
        var mask = _dual.Zeros(n, 4, 5);
        var y = _dual.Zeros(n, 4, 5);
        Ops.DropoutForward(x.Fast, mask.Fast, y.Fast, p, (ulong)offset);
        Ops.DropoutForward(x.Ref, mask.Ref, y.Ref, p, (ulong)offset);
        DualContext.AssertClose(mask, 0, 0, "dropout mask (same Philox stream)");
        DualContext.AssertClose(y, 0, Elementwise, "dropout y");
        float keep = 1f / (1f - p);
        Assert.That(mask.Ref.ToArray(), Is.All.EqualTo(0f).Or.EqualTo(keep).Within(1e-6f));

        var dy = _dual.Random(52, n, 4, 5);
        var dx = _dual.Zeros(n, 4, 5);
        Ops.DropoutBackward(mask.Fast, dy.Fast, dx.Fast);
        Ops.DropoutBackward(mask.Ref, dy.Ref, dx.Ref);
        DualContext.AssertClose(dx, 0, Elementwise, "dropout dx");
    }

    [Test]
    public void DropoutDropsAboutAFractionP()
    {
        var x = _dual.Input(Enumerable.Repeat(1f, 20000).ToArray(), 10, 2000);
        var mask = _dual.Zeros(10, 2000);
        var y = _dual.Zeros(10, 2000);
        Ops.DropoutForward(x.Fast, mask.Fast, y.Fast, 0.3f, 5);
        double dropped = mask.Fast.ToArray().Count(v => v == 0) / 20000.0;
        Assert.That(dropped, Is.EqualTo(0.3).Within(0.02));
        Assert.Throws<InvalidArgumentException>(() => Ops.DropoutForward(x.Fast, mask.Fast, y.Fast, 1f, 0));
    }

    [TestCase(1)]
    [TestCase(67)]
    public void AddMatchesAcrossKernels(int n)
    {
        var a = _dual.Random(61, n, 3, 4, 4);
        var b = _dual.Random(62, n, 3, 4, 4);
        var y = _dual.Zeros(n, 3, 4, 4);
        Ops.Add(a.Fast, b.Fast, y.Fast);
        Ops.Add(a.Ref, b.Ref, y.Ref);
        DualContext.AssertClose(y, 0, 0, "add");
        float[] av = a.Ref.ToArray(), bv = b.Ref.ToArray();
        Close.AssertExact(av.Zip(bv, (u, v) => u + v).ToArray(), y.Ref.ToArray(), "add vs host");
    }

    [Test]
    public void ShapeErrorsNameTheOperand()
    {
        var x = _dual.Random(63, 2, 3, 4, 4);
        var y = _dual.Zeros(2, 3, 4, 5);
        var e = Assert.Throws<ShapeMismatchException>(() => Ops.Add(x.Fast, x.Fast, y.Fast));
        Assert.That(e!.Message, Does.Contain("y"));
        var pool = _dual.Zeros(2, 3, 3, 3);
        Assert.Throws<ShapeMismatchException>(() => Ops.MaxPoolForward(x.Fast, pool.Fast, PoolParams.Square(2)));
        Assert.Throws<InvalidArgumentException>(() => Ops.ActivationForward(ActivationKind.BoundedReLU, 0f, x.Fast, x.Fast));
        Assert.Throws<InvalidArgumentException>(() => Ops.ActivationForward((ActivationKind)9, 0f, x.Fast, x.Fast));
    }
}
