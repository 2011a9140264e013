using AdvCore.Nn;
using NUnit.Framework;

namespace AdvCore.Tests.Nn;

public class NetworkBuildTests
{
    private Context _ctx = null!;

    [OneTimeSetUp]
    public void SetUp() => _ctx = Context.Create(Device.Cpu, seed: 5);

    [OneTimeTearDown]
    public void TearDown() => _ctx.Dispose();

    private static LayerSpec[] C4() =>
    [
        new Conv2dLayer(64, 8, 2, Padding.Same), ActivationLayer.LeakyReLU(0.2f),
        new Conv2dLayer(128, 6, 2, Padding.Valid), ActivationLayer.LeakyReLU(0.2f),
        new Conv2dLayer(128, 5, 1, Padding.Valid), ActivationLayer.LeakyReLU(0.2f),
        new FlattenLayer(),
        new LinearLayer(10),
    ];

    [Test]
    public void C4HasTheThesisShapesNamesAndMacs()
    {
        using var net = Network.Build(_ctx, [1, 28, 28], C4(), seed: 1);
        Assert.Multiple(() =>
        {
            Assert.That(net.OutputClasses, Is.EqualTo(10));
            Assert.That(net.InputShape, Is.EqualTo(new[] { 1, 28, 28 }));
            Assert.That(net.Layers, Has.Count.EqualTo(8));
            Assert.That(net.Parameters.Select(p => p.Name), Is.EqualTo(new[]
            {
                "0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias", "7.weight", "7.bias",
            }));
            Assert.That(net["0.weight"].Value.Shape.ToArray(), Is.EqualTo(new long[] { 64, 1, 8, 8 }));
            Assert.That(net["2.weight"].Value.Shape.ToArray(), Is.EqualTo(new long[] { 128, 64, 6, 6 }));
            Assert.That(net["7.weight"].Value.Shape.ToArray(), Is.EqualTo(new long[] { 10, 128 }));
            Assert.That(net.Buffers, Is.Empty);
            // conv1 64·14·14·(1·8·8) + conv2 128·5·5·(64·6·6) + conv3 128·1·1·(128·5·5) + linear 128·10
            Assert.That(net.MacsPerImage(), Is.EqualTo(802_816L + 7_372_800L + 409_600L + 1_280L));
            Assert.That(net.ParameterCount, Is.EqualTo(64 * 64 + 64 + 128 * 64 * 36 + 128 + 128 * 128 * 25 + 128 + 1280 + 10));
            Assert.That(net.Summary(), Does.Contain("[10]"));
        });
    }

    [Test]
    public void NamesFollowPyTorchSequentialIncludingResidualBodiesAndBatchNorm()
    {
        LayerSpec[] layers =
        [
            new Conv2dLayer(4, 3, 1, Padding.Same, Bias: false),
            new BatchNormLayer(),
            ActivationLayer.ReLU(),
            new ResidualLayer(new Conv2dLayer(4, 3, 1, Padding.Same), new BatchNormLayer(), ActivationLayer.ReLU()),
            new MaxPoolLayer(2),
            new DropoutLayer(0.5f),
            new GlobalAvgPoolLayer(),
            new LinearLayer(3),
        ];
        using var net = Network.Build(_ctx, [2, 6, 6], layers);
        Assert.Multiple(() =>
        {
            Assert.That(net.Parameters.Select(p => p.Name), Is.EqualTo(new[]
            {
                "0.weight", "1.weight", "1.bias", "3.body.0.weight", "3.body.0.bias", "3.body.1.weight", "3.body.1.bias",
                "7.weight", "7.bias",
            }));
            Assert.That(net.Buffers.Select(p => p.Name), Is.EqualTo(new[]
            {
                "1.running_mean", "1.running_var", "3.body.1.running_mean", "3.body.1.running_var",
            }));
            Assert.That(net.GetState().Keys, Is.EqualTo(new[]
            {
                "0.weight", "1.weight", "1.bias", "1.running_mean", "1.running_var",
                "3.body.0.weight", "3.body.0.bias", "3.body.1.weight", "3.body.1.bias", "3.body.1.running_mean", "3.body.1.running_var",
                "7.weight", "7.bias",
            }));
            Assert.That(net.Parameters.All(p => p.Trainable && p.Grad is not null), Is.True);
            Assert.That(net.Buffers.All(p => !p.Trainable && p.Grad is null), Is.True);
        });
    }

    [Test]
    public void InitialisationIsHeNormalWithZeroBiasesAndUnitBatchNorm()
    {
        LayerSpec[] layers =
        [
            new Conv2dLayer(64, 3, 1, Padding.Same), new BatchNormLayer(), ActivationLayer.ReLU(),
            new FlattenLayer(), new LinearLayer(10),
        ];
        using var net = Network.Build(_ctx, [16, 4, 4], layers, seed: 9);
        float[] conv = net["0.weight"].Value.ToArray();
        float[] linear = net["4.weight"].Value.ToArray();
        double Std(float[] v) => Math.Sqrt(v.Select(x => (double)x * x).Average());
        Assert.Multiple(() =>
        {
            Assert.That(Std(conv), Is.EqualTo(Math.Sqrt(2.0 / (16 * 9))).Within(5).Percent, "conv He std");
            Assert.That(Std(linear), Is.EqualTo(Math.Sqrt(2.0 / (64 * 16))).Within(5).Percent, "linear He std");
            Assert.That(conv.Average(), Is.EqualTo(0).Within(0.01));
            Assert.That(net["0.bias"].Value.ToArray(), Is.All.EqualTo(0f));
            Assert.That(net["4.bias"].Value.ToArray(), Is.All.EqualTo(0f));
            Assert.That(net["1.weight"].Value.ToArray(), Is.All.EqualTo(1f));
            Assert.That(net["1.bias"].Value.ToArray(), Is.All.EqualTo(0f));
            Assert.That(net["1.running_mean"].Value.ToArray(), Is.All.EqualTo(0f));
            Assert.That(net["1.running_var"].Value.ToArray(), Is.All.EqualTo(1f));
        });
    }

    [Test]
    public void SameSeedGivesBitIdenticalWeightsWhateverTheContext()
    {
        using var other = Context.Create(Device.Cpu, threads: 1, seed: 999, referenceKernels: true);
        using var a = Network.Build(_ctx, [1, 28, 28], C4(), seed: 42);
        using var b = Network.Build(other, [1, 28, 28], C4(), seed: 42);
        using var c = Network.Build(_ctx, [1, 28, 28], C4(), seed: 43);
        var sa = a.GetState();
        var sb = b.GetState();
        var sc = c.GetState();
        foreach (var name in sa.Keys)
        {
            Assert.That(sb[name].Data, Is.EqualTo(sa[name].Data), $"{name} with the same seed");
            if (name.EndsWith("weight", StringComparison.Ordinal))
                Assert.That(sc[name].Data, Is.Not.EqualTo(sa[name].Data), $"{name} with another seed");
        }
        // Different layers draw from different Philox offsets.
        Assert.That(sa["2.weight"].Data.Take(64), Is.Not.EqualTo(sa["0.weight"].Data.Take(64)));
    }

    [Test]
    public void ShapesFlowThroughPoolsPaddingAndFlatten()
    {
        LayerSpec[] layers =
        [
            new Conv2dLayer(5, 3, 2, Padding.Explicit(1, 0, 2, 1)),  // 9x10 -> 4x6
            new AvgPoolLayer(2, 1),                                   // -> 3x5
            new MaxPoolLayer(3, 2, 1),                                 // -> 2x3
            new FlattenLayer(),                                        // -> 30
            new BatchNormLayer(),
            new LinearLayer(4),
        ];
        using var net = Network.Build(_ctx, [3, 9, 10], layers);
        using var x = Tensor.FromArray(_ctx, TinyData.Images(1, 2, 3, 9, 10), 2, 3, 9, 10);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(net["5.weight"].Value.Shape.ToArray(), Is.EqualTo(new long[] { 4, 30 }));
            Assert.That(net["4.running_mean"].Value.Count, Is.EqualTo(30));
            Assert.That(net.Forward(x).Shape.ToArray(), Is.EqualTo(new long[] { 2, 4 }));
        }
    }

    [Test]
    public void LinearOnImagesFlattensImplicitly()
    {
        using var net = Network.Build(_ctx, [2, 3, 3], [new LinearLayer(5)]);
        Assert.That(net["0.weight"].Value.Shape.ToArray(), Is.EqualTo(new long[] { 5, 18 }));
    }

    [Test]
    public void AKernelLargerThanItsInputNamesTheLayer()
    {
        var e = Assert.Throws<ShapeMismatchException>(() => Network.Build(_ctx, [1, 28, 28],
        [
            new Conv2dLayer(8, 8, 2, Padding.Same), new Conv2dLayer(8, 6, 2), new Conv2dLayer(8, 6, 1), new FlattenLayer(), new LinearLayer(10),
        ]));
        Assert.That(e!.Message, Does.Contain("layer 2").And.Contain("Conv2d").And.Contain("[8x5x5]").And.Contain("larger"));
    }

    [Test]
    public void ResidualBodiesMustKeepTheShape()
    {
        var e = Assert.Throws<ShapeMismatchException>(() => Network.Build(_ctx, [4, 6, 6],
        [
            new ResidualLayer(new Conv2dLayer(4, 3)), new GlobalAvgPoolLayer(), new LinearLayer(3),
        ]));
        Assert.That(e!.Message, Does.Contain("layer 0").And.Contain("[4x4x4]"));
    }

    [Test]
    public void ErrorsInsideResidualBodiesNameTheNestedLayer()
    {
        var e = Assert.Throws<InvalidArgumentException>(() => Network.Build(_ctx, [4, 6, 6],
        [
            new Conv2dLayer(4, 3, 1, Padding.Same),
            new ResidualLayer(new Conv2dLayer(4, 3, 1, Padding.Same), ActivationLayer.BoundedReLU(0)),
            new GlobalAvgPoolLayer(), new LinearLayer(3),
        ]));
        Assert.That(e!.Message, Does.StartWith("layer 1.body.1 (BoundedReLU(0))").And.Contain("t > 0"));
    }

    [Test]
    public void TheNetworkMustEndInLogits()
    {
        Assert.Multiple(() =>
        {
            var e = Assert.Throws<ShapeMismatchException>(() => Network.Build(_ctx, [1, 8, 8], [new Conv2dLayer(4, 3)]));
            Assert.That(e!.Message, Does.Contain("[K] logits"));
            Assert.Throws<ShapeMismatchException>(() => Network.Build(_ctx, [1, 8, 8], [new FlattenLayer(), new LinearLayer(1)]));
        });
    }

    [Test]
    public void InvalidHyperParametersAreRefused()
    {
        Assert.Multiple(() =>
        {
            Assert.Throws<InvalidArgumentException>(() => Network.Build(_ctx, [1, 8, 8], []));
            Assert.Throws<InvalidArgumentException>(() => Network.Build(_ctx, [1, 0, 8], [new LinearLayer(2)]));
            Assert.Throws<InvalidArgumentException>(() => Network.Build(_ctx, [1, 8, 8], [new DropoutLayer(1f), new LinearLayer(2)]));
            Assert.Throws<InvalidArgumentException>(() => Network.Build(_ctx, [1, 8, 8], [new Conv2dLayer(0, 3), new FlattenLayer(), new LinearLayer(2)]));
            Assert.Throws<InvalidArgumentException>(() => Network.Build(_ctx, [1, 8, 8], [new Conv2dLayer(2, 3, 1, Padding.Explicit(3)), new FlattenLayer(), new LinearLayer(2)]));
            Assert.Throws<InvalidArgumentException>(() => Network.Build(_ctx, [1, 8, 8], [new MaxPoolLayer(2, 2, 2), new FlattenLayer(), new LinearLayer(2)]));
            Assert.Throws<InvalidArgumentException>(() => Network.Build(_ctx, [1, 8, 8], [new BatchNormLayer(Eps: 0), new FlattenLayer(), new LinearLayer(2)]));
            Assert.Throws<InvalidArgumentException>(() => Network.Build(_ctx, [1, 8, 8], [new ResidualLayer(), new FlattenLayer(), new LinearLayer(2)]));
            Assert.Throws<ShapeMismatchException>(() => Network.Build(_ctx, [64], [new Conv2dLayer(2, 3), new LinearLayer(2)]));
        });
    }
}
