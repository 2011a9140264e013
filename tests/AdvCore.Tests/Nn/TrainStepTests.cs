using AdvCore.Nn;
using AdvCore.Tests.Engine;
using AdvCore.Training;
using NUnit.Framework;

namespace AdvCore.Tests.Nn;

public class TrainStepTests
{
    private Context _ctx = null!;

    [OneTimeSetUp]
    public void SetUp() => _ctx = Context.Create(Device.Cpu, seed: 17);

    [OneTimeTearDown]
    public void TearDown() => _ctx.Dispose();

    private static LayerSpec[] SmallCnn() =>
    [
        new Conv2dLayer(4, 3, 1, Padding.Same), ActivationLayer.ReLU(), new MaxPoolLayer(2), new FlattenLayer(), new LinearLayer(3),
    ];

    private static LayerSpec[] BatchNormDropoutCnn() =>
    [
        new Conv2dLayer(6, 3, 1, Padding.Same, Bias: false), new BatchNormLayer(), ActivationLayer.LeakyReLU(0.1f),
        new DropoutLayer(0.2f),
        new ResidualLayer(new Conv2dLayer(6, 3, 1, Padding.Same), ActivationLayer.LeakyReLU(0.1f)),
        new AvgPoolLayer(2), new FlattenLayer(), new LinearLayer(3),
    ];

    private (Tensor X, Tensor Labels) Batch(int seed, int n)
    {
        var (images, labels) = TinyData.Bars(seed, n);
        return (Tensor.FromArray(_ctx, images, n, 1, 8, 8), Tensor.FromLabels(_ctx, labels));
    }

    [TestCase("adam")]
    [TestCase("sgd")]
    [TestCase("sgd-nesterov")]
    public void TrainingReducesTheLossOnASeparableSet(string which)
    {
        using var net = Network.Build(_ctx, [1, 8, 8], SmallCnn(), seed: 1);
        using Optimizer optimizer = which switch
        {
            "adam" => new Adam(0.01f),
            "sgd" => new SgdMomentum(0.05f),
            _ => new SgdMomentum(0.05f, 0.9f, weightDecay: 1e-4f, nesterov: true),
        };
        var (x, labels) = Batch(1, 48);
        using (x)
        using (labels)
        {
            var first = net.TrainStep(x, labels, optimizer);
            TrainStepResult last = first;
            for (int step = 0; step < 60; step++) last = net.TrainStep(x, labels, optimizer);
            Assert.Multiple(() =>
            {
                Assert.That(first.BatchSize, Is.EqualTo(48));
                Assert.That(first.MeanLoss, Is.GreaterThan(0.5), "initial loss of a 3-class net is near ln 3");
                Assert.That(last.MeanLoss, Is.LessThan(0.25 * first.MeanLoss), "loss after 61 steps");
                Assert.That(last.Accuracy, Is.EqualTo(1.0));
                Assert.That(optimizer.Steps, Is.EqualTo(61));
            });

            var (testX, testLabels) = Batch(2, 30);
            using (testX)
            using (testLabels)
                Assert.That(net.Predict(testX), Is.EqualTo(testLabels.ToInt32Array()), "generalises to fresh samples");
        }
    }

    [Test]
    public void BatchNormAndDropoutNetworkLearns()
    {
        using var net = Network.Build(_ctx, [1, 8, 8], BatchNormDropoutCnn(), seed: 2);
        using var optimizer = new Adam(0.01f);
        var (x, labels) = Batch(3, 32);
        using (x)
        using (labels)
        {
            double first = net.TrainStep(x, labels, optimizer).MeanLoss;
            double last = 0;
            for (int step = 0; step < 40; step++) last = net.TrainStep(x, labels, optimizer).MeanLoss;
            Assert.That(last, Is.LessThan(0.5 * first));
            Assert.That(net["1.running_mean"].Value.ToArray(), Is.Not.All.EqualTo(0f), "running statistics were updated");
            Assert.That(net.Predict(x), Is.EqualTo(labels.ToInt32Array()), "eval mode classifies the training set");
        }
    }

    [Test]
    public void MeanLossMatchesTheLossOfTheMeanGradient()
    {
        // A deterministic net (no dropout, no batch norm): TrainStep's mean loss is the mean of the
        // per-sample cross-entropies InputGradient reports before the step.
        using var net = Network.Build(_ctx, [1, 8, 8], SmallCnn(), seed: 3);
        var (x, labels) = Batch(4, 10);
        using (x)
        using (labels)
        {
            double expected = net.InputGradient(x, labels, LossKind.CrossEntropy, 0.1f).Loss.ToArray().Average(v => (double)v);
            using var optimizer = new SgdMomentum(0f, 0f);
            var result = net.TrainStep(x, labels, optimizer, labelSmoothing: 0.1f);
            Assert.That(result.MeanLoss, Is.EqualTo(expected).Within(1e-6));
            int correct = net.Predict(x).Zip(labels.ToInt32Array()).Count(p => p.First == p.Second);
            Assert.That(result.Correct, Is.EqualTo(correct));
        }
    }

    [Test]
    public void WeightGradientsMatchFiniteDifferencesOfTheMeanLoss()
    {
        using var net = Network.Build(_ctx, [1, 8, 8], SmallCnn(), seed: 4);
        var (x, labels) = Batch(5, 6);
        using (x)
        using (labels)
        {
            using var noUpdate = new SgdMomentum(0f, 0f);
            net.TrainStep(x, labels, noUpdate);
            var weight = net["4.weight"];
            float[] w0 = weight.Value.ToArray(), grad = weight.Grad!.ToArray();
            double MeanLoss(float[] w)
            {
                weight.Value.CopyFrom(w);
                return net.InputGradient(x, labels, LossKind.CrossEntropy).Loss.ToArray().Average(v => (double)v);
            }
            var random = new Random(6);
            for (int trial = 0; trial < 12; trial++)
            {
                int j = random.Next(w0.Length);
                float[] plus = (float[])w0.Clone(), minus = (float[])w0.Clone();
                plus[j] += 1e-2f;
                minus[j] -= 1e-2f;
                double fd = (MeanLoss(plus) - MeanLoss(minus)) / ((double)plus[j] - minus[j]);
                Assert.That(grad[j], Is.EqualTo(fd).Within(1e-4 + 1e-2 * Math.Abs(fd)), $"4.weight[{j}]");
            }
            weight.Value.CopyFrom(w0);
        }
    }

    private static IReadOnlyDictionary<string, (long[] Shape, float[] Data)> TrainFiveSteps(Context ctx, ulong seed)
    {
        using var net = Network.Build(ctx, [1, 8, 8], BatchNormDropoutCnn(), seed);
        using var optimizer = new Adam(0.01f, weightDecay: 1e-4f);
        var (images, labelData) = TinyData.Bars(7, 20);
        using var x = Tensor.FromArray(ctx, images, 20, 1, 8, 8);
        using var labels = Tensor.FromLabels(ctx, labelData);
        for (int step = 0; step < 5; step++) net.TrainStep(x, labels, optimizer, labelSmoothing: 0.05f);
        return net.GetState();
    }

    [Test]
    public void SameSeedsGiveBitIdenticalWeightsAfterFiveSteps()
    {
        using var a = Context.Create(Device.Cpu, seed: 77);
        using var b = Context.Create(Device.Cpu, seed: 77);
        var first = TrainFiveSteps(a, 5);
        var second = TrainFiveSteps(b, 5);
        var otherSeed = TrainFiveSteps(a, 6);
        foreach (var name in first.Keys)
        {
            Close.AssertExact(first[name].Data, second[name].Data, name);
        }
        Assert.That(otherSeed["0.weight"].Data, Is.Not.EqualTo(first["0.weight"].Data));
    }

    [Test]
    public void DropoutDrawsFreshMasksEachStep()
    {
        // With p = 0.5 dropout right before the logits' layer, two train steps with no parameter
        // change give different losses unless the masks repeat.
        using var net = Network.Build(_ctx, [1, 8, 8], [new FlattenLayer(), new DropoutLayer(0.5f), new LinearLayer(3)], seed: 1);
        var (x, labels) = Batch(8, 8);
        using (x)
        using (labels)
        {
            using var frozen = new SgdMomentum(0f, 0f);
            double l1 = net.TrainStep(x, labels, frozen).MeanLoss;
            double l2 = net.TrainStep(x, labels, frozen).MeanLoss;
            Assert.That(l2, Is.Not.EqualTo(l1));
        }
    }

    [Test]
    public void FrozenParametersStayPut()
    {
        using var net = Network.Build(_ctx, [1, 8, 8], SmallCnn(), seed: 9);
        net["0.weight"].Trainable = false;
        float[] frozen = net["0.weight"].Value.ToArray(), free = net["4.weight"].Value.ToArray();
        using var optimizer = new Adam(0.01f);
        var (x, labels) = Batch(9, 12);
        using (x)
        using (labels)
            net.TrainStep(x, labels, optimizer);
        Assert.That(net["0.weight"].Value.ToArray(), Is.EqualTo(frozen));
        Assert.That(net["4.weight"].Value.ToArray(), Is.Not.EqualTo(free));
    }

    [Test]
    public void BuffersCannotBeMadeTrainable()
    {
        using var net = Network.Build(_ctx, [1, 8, 8], BatchNormDropoutCnn(), seed: 1);
        Assert.Throws<InvalidOperationException>(() => net["1.running_mean"].Trainable = true);
    }

    [Test]
    public void OptimizerArgumentsAreValidated()
    {
        Assert.Throws<InvalidArgumentException>(() => new Adam(0.1f, beta1: 1f));
        Assert.Throws<InvalidArgumentException>(() => new Adam(0.1f, eps: 0f));
        Assert.Throws<InvalidArgumentException>(() => new SgdMomentum(0.1f, momentum: -0.5f));
        var adam = new Adam(0.1f);
        adam.Dispose();
        Assert.Throws<ObjectDisposedException>(() => adam.Step([]));
    }
}
