using AdvCore.Nn;
using AdvCore.Tests.Engine;
using AdvCore.Training;
using NUnit.Framework;

namespace AdvCore.Tests.Nn;

/// <summary>Bad inputs get specific exceptions and never crash the process or change the network.</summary>
public class NetworkErrorTests
{
    private Context _ctx = null!;
    private Network _net = null!;

    private static LayerSpec[] Layers() =>
    [
        new Conv2dLayer(4, 3, 1, Padding.Same), new BatchNormLayer(), ActivationLayer.ReLU(), new MaxPoolLayer(2),
        new FlattenLayer(), new LinearLayer(10),
    ];

    [OneTimeSetUp]
    public void SetUp()
    {
        _ctx = Context.Create(Device.Cpu, seed: 23);
        _net = Network.Build(_ctx, [1, 8, 8], Layers(), seed: 1);
    }

    [OneTimeTearDown]
    public void TearDown()
    {
        _net.Dispose();
        _ctx.Dispose();
    }

    [Test]
    public void WrongInputShapeNamesExpectedAndActual()
    {
        using var x = Tensor.FromArray(_ctx, TinyData.Images(1, 2, 1, 9, 9), 2, 1, 9, 9);
        using var labels = Tensor.FromLabels(_ctx, [1, 2]);
        var e = Assert.Throws<ShapeMismatchException>(() => _net.Forward(x));
        Assert.That(e!.Message, Does.Contain("[N,1,8,8]").And.Contain("2x1x9x9"));
        Assert.Throws<ShapeMismatchException>(() => _net.InputGradient(x, labels, LossKind.CrossEntropy));
        using var optimizer = new Adam(0.01f);
        Assert.Throws<ShapeMismatchException>(() => _net.TrainStep(x, labels, optimizer));
        using var flat = Tensor.FromArray(_ctx, TinyData.Images(2, 2, 64), 2, 64);
        Assert.Throws<ShapeMismatchException>(() => _net.Predict(flat));
        using var ints = Tensor.Zeros(_ctx, [2, 1, 8, 8], DType.I32);
        Assert.Throws<ShapeMismatchException>(() => _net.Forward(ints));
    }

    [Test]
    public void NaNPixelIsANonFiniteError()
    {
        float[] data = TinyData.Images(3, 3, 1, 8, 8);
        data[77] = float.NaN;
        using var x = Tensor.FromArray(_ctx, data, 3, 1, 8, 8);
        using var labels = Tensor.FromLabels(_ctx, [1, 2, 3]);
        var e = Assert.Throws<NonFiniteException>(() => _net.InputGradient(x, labels, LossKind.CrossEntropy));
        Assert.That(e!.Message, Does.Contain("NaN"));
        Assert.Throws<NonFiniteException>(() => _net.Forward(x));
        var before = _net.GetState();
        using var optimizer = new Adam(0.01f);
        data[77] = float.PositiveInfinity;
        x.CopyFrom(data);
        Assert.Throws<NonFiniteException>(() => _net.TrainStep(x, labels, optimizer));
        AssertStateUnchanged(before);
    }

    [Test]
    public void LabelElevenWithTenClassesIsOutOfRange()
    {
        using var x = Tensor.FromArray(_ctx, TinyData.Images(4, 3, 1, 8, 8), 3, 1, 8, 8);
        using var labels = Tensor.FromLabels(_ctx, [1, 11, 3]);
        var e = Assert.Throws<LabelOutOfRangeException>(() => _net.InputGradient(x, labels, LossKind.CrossEntropy));
        Assert.That(e!.NativeMessage, Is.Not.Null.And.Not.Empty, "raised by the engine");

        var before = _net.GetState();
        using var optimizer = new Adam(0.01f);
        var t = Assert.Throws<LabelOutOfRangeException>(() => _net.TrainStep(x, labels, optimizer));
        Assert.That(t!.Message, Does.Contain("11").And.Contain("[0, 10)"));
        AssertStateUnchanged(before);
        Assert.That(optimizer.Steps, Is.Zero);
    }

    [Test]
    public void LabelsMustBeInt32WithOneEntryPerSample()
    {
        using var x = Tensor.FromArray(_ctx, TinyData.Images(5, 3, 1, 8, 8), 3, 1, 8, 8);
        using var floats = Tensor.Zeros(_ctx, [3]);
        using var tooFew = Tensor.FromLabels(_ctx, [1, 2]);
        Assert.Throws<ShapeMismatchException>(() => _net.InputGradient(x, floats, LossKind.CrossEntropy));
        var e = Assert.Throws<ShapeMismatchException>(() => _net.InputGradient(x, tooFew, LossKind.CwMargin));
        Assert.That(e!.Message, Does.Contain("labels"));
    }

    [Test]
    public void InputsFromAnotherContextAreRefused()
    {
        using var other = Context.Create();
        using var x = Tensor.FromArray(other, TinyData.Images(6, 1, 1, 8, 8), 1, 1, 8, 8);
        Assert.Throws<InvalidArgumentException>(() => _net.Forward(x));
    }

    [Test]
    public void DisposedInputsAndNetworksThrowObjectDisposed()
    {
        var x = Tensor.FromArray(_ctx, TinyData.Images(7, 1, 1, 8, 8), 1, 1, 8, 8);
        x.Dispose();
        Assert.Throws<ObjectDisposedException>(() => _net.Forward(x));

        var net = Network.Build(_ctx, [1, 8, 8], Layers());
        using var y = Tensor.FromArray(_ctx, TinyData.Images(8, 1, 1, 8, 8), 1, 1, 8, 8);
        using var labels = Tensor.FromLabels(_ctx, [0]);
        net.Forward(y);
        net.Dispose();
        net.Dispose();
        Assert.Multiple(() =>
        {
            Assert.Throws<ObjectDisposedException>(() => net.Forward(y));
            Assert.Throws<ObjectDisposedException>(() => net.InputGradient(y, labels, LossKind.CrossEntropy));
            Assert.Throws<ObjectDisposedException>(() => net.GetState());
            Assert.Throws<ObjectDisposedException>(() => net["0.weight"].Value.ToArray());
        });
    }

    [Test]
    public void ManyBatchSizesKeepGivingConsistentResults()
    {
        float[] data = TinyData.Images(9, 70, 1, 8, 8);
        using var all = Tensor.FromArray(_ctx, data, 70, 1, 8, 8);
        float[] reference = _net.Forward(all).ToArray();
        foreach (int n in new[] { 1, 3, 5, 7, 9, 70, 2, 1 })
        {
            using var part = Tensor.FromArray(_ctx, data.AsSpan(0, n * 64).ToArray(), n, 1, 8, 8);
            Close.AssertScaled(reference.AsSpan(0, n * 10), _net.Forward(part).ToArray(), 1e-5, $"logits with batch {n}");
            Assert.That(_net.Predict(part), Is.EqualTo(Argmax(reference, n)), $"predictions with batch {n}");
        }
    }

    private static int[] Argmax(float[] logits, int n) =>
        Enumerable.Range(0, n).Select(i =>
        {
            int best = 0;
            for (int k = 1; k < 10; k++) if (logits[i * 10 + k] > logits[i * 10 + best]) best = k;
            return best;
        }).ToArray();

    private void AssertStateUnchanged(IReadOnlyDictionary<string, (long[] Shape, float[] Data)> before)
    {
        var after = _net.GetState();
        foreach (var name in before.Keys) Assert.That(after[name].Data, Is.EqualTo(before[name].Data), $"{name} unchanged");
    }
}
