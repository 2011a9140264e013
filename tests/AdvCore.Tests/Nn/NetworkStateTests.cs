using AdvCore.Nn;
using NUnit.Framework;

namespace AdvCore.Tests.Nn;

public class NetworkStateTests
{
    private Context _ctx = null!;

    private static LayerSpec[] Layers() =>
    [
        new Conv2dLayer(3, 3, 1, Padding.Same), new BatchNormLayer(), ActivationLayer.LeakyReLU(0.1f),
        new ResidualLayer(new Conv2dLayer(3, 3, 1, Padding.Same)), new GlobalAvgPoolLayer(), new LinearLayer(4),
    ];

    [OneTimeSetUp]
    public void SetUp() => _ctx = Context.Create(Device.Cpu, seed: 29);

    [OneTimeTearDown]
    public void TearDown() => _ctx.Dispose();

    private static Dictionary<string, (long[] Shape, float[] Data)> Copy(IReadOnlyDictionary<string, (long[] Shape, float[] Data)> state) =>
        state.ToDictionary(kv => kv.Key, kv => ((long[])kv.Value.Shape.Clone(), (float[])kv.Value.Data.Clone()));

    [Test]
    public void StateRoundTripsIntoAnotherNetwork()
    {
        using var a = Network.Build(_ctx, [2, 6, 6], Layers(), seed: 1);
        using var b = Network.Build(_ctx, [2, 6, 6], Layers(), seed: 2);
        a["1.running_mean"].Value.CopyFrom([0.1f, -0.2f, 0.3f]);
        using var x = Tensor.FromArray(_ctx, TinyData.Images(1, 3, 2, 6, 6), 3, 2, 6, 6);
        float[] expected = a.Forward(x).ToArray();
        Assert.That(b.Forward(x).ToArray(), Is.Not.EqualTo(expected));
        b.LoadState(a.GetState());
        Assert.That(b.Forward(x).ToArray(), Is.EqualTo(expected));
        Assert.That(a.GetState()["3.body.0.weight"].Shape, Is.EqualTo(new long[] { 3, 3, 3, 3 }));
    }

    [Test]
    public void MissingAndUnexpectedNamesAreListed()
    {
        using var net = Network.Build(_ctx, [2, 6, 6], Layers());
        var state = Copy(net.GetState());
        state.Remove("3.body.0.bias");
        state["9.weight"] = ([1], [0f]);
        var e = Assert.Throws<InvalidArgumentException>(() => net.LoadState(state));
        Assert.That(e!.Message, Does.Contain("missing 3.body.0.bias").And.Contain("unexpected 9.weight"));
    }

    [Test]
    public void MisshapedEntriesAreShapeMismatches()
    {
        using var net = Network.Build(_ctx, [2, 6, 6], Layers());
        var before = net.GetState();
        var state = Copy(before);
        state["5.weight"] = ([3, 4], new float[12]);
        state["1.running_var"] = ([3], new float[2]);
        var e = Assert.Throws<ShapeMismatchException>(() => net.LoadState(state));
        Assert.That(e!.Message, Does.Contain("5.weight: expected [4x3], got [3x4]").And.Contain("1.running_var"));
        foreach (var name in before.Keys) Assert.That(net.GetState()[name].Data, Is.EqualTo(before[name].Data), $"{name} unchanged");
    }

    [Test]
    public void NonFiniteWeightsAreRefused()
    {
        using var net = Network.Build(_ctx, [2, 6, 6], Layers());
        var state = Copy(net.GetState());
        state["0.bias"].Data[1] = float.NaN;
        var e = Assert.Throws<NonFiniteException>(() => net.LoadState(state));
        Assert.That(e!.Message, Does.Contain("0.bias[1]"));
    }

    [Test]
    public void PyTorchBatchCountersAreAccepted()
    {
        using var net = Network.Build(_ctx, [2, 6, 6], Layers());
        var state = Copy(net.GetState());
        state["1.num_batches_tracked"] = ([1], [12f]);
        Assert.DoesNotThrow(() => net.LoadState(state));
        state["5.num_batches_tracked"] = ([1], [12f]); // layer 5 is not a batch norm
        Assert.Throws<InvalidArgumentException>(() => net.LoadState(state));
    }

    [Test]
    public void UnknownParameterNamesThrowKeyNotFound()
    {
        using var net = Network.Build(_ctx, [2, 6, 6], Layers());
        Assert.Throws<KeyNotFoundException>(() => _ = net["2.weight"]);
    }
}
