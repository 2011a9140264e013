using AdvCore.Attacks;
using AdvCore.Data;
using AdvCore.Models;
using AdvCore.Nn;
using AdvCore.Tests.Nn;
using AdvCore.Training;
using NUnit.Framework;

namespace AdvCore.Tests.Training;

/// <summary>Noise injection (CNI-I, CNI-W) and adversarial training in the trainer (seed 003 §4; Madry et al.).</summary>
public class RobustTrainingTests
{
    private Context _ctx = null!;

    [OneTimeSetUp]
    public void SetUp() => _ctx = Context.Create(Device.Cpu, seed: 23);

    [OneTimeTearDown]
    public void TearDown() => _ctx.Dispose();

    private static LabeledImages Bars(int seed, int n)
    {
        var (images, labels) = TinyData.Bars(seed, n);
        return new LabeledImages($"bars/{seed}", 1, 8, 8, 3, images, labels);
    }

    private static ModelArchitecture Small() => new("small", [1, 8, 8], 3,
    [
        new Conv2dLayer(4, 3, 1, Padding.Same), ActivationLayer.ReLU(), new FlattenLayer(), new LinearLayer(3),
    ]);

    private Network Build(ulong seed = 3) => Network.Build(_ctx, Small().InputShape, Small().Layers, seed);

    private static float[] Weights(Network network) => network.GetState().Values.SelectMany(v => v.Data).ToArray();

    private float[] Train(TrainingOptions options, LabeledImages data)
    {
        using var trainer = new Trainer(Build(options.Seed), Small(), options, ownsNetwork: true);
        for (int e = 0; e < options.Epochs; e++) trainer.RunEpoch(data);
        return Weights(trainer.Network);
    }

    [Test]
    public void WeightNoiseHasTheScaleOfEachTensorAndRestoresTheCleanWeightsExactly()
    {
        using var network = Build();
        var before = network.Parameters.ToDictionary(p => p.Name, p => p.Value.ToArray());
        using var noise = new WeightNoise(network, alpha: 0.25f);
        Assert.That(noise.Count, Is.EqualTo(2), "the conv and the linear weight");
        noise.Apply(counter: 1234);
        foreach (var p in network.Parameters)
        {
            float[] clean = before[p.Name], noisy = p.Value.ToArray();
            if (!p.Name.EndsWith("weight", StringComparison.Ordinal))
            {
                Assert.That(noisy, Is.EqualTo(clean).AsCollection, $"{p.Name}: biases stay clean");
                continue;
            }
            double mean = clean.Average(), std = Math.Sqrt(clean.Sum(v => (v - mean) * (v - mean)) / clean.Length);
            double[] delta = [.. noisy.Zip(clean, (a, b) => (double)a - b)];
            double spread = Math.Sqrt(delta.Sum(d => d * d) / delta.Length);
            // 36 and 768 draws of N(0, (α·std)²): the RMS is within 35% (36 draws) of α·std.
            Assert.That(spread, Is.EqualTo(0.25 * std).Within(35).Percent, p.Name);
        }
        noise.Restore();
        foreach (var p in network.Parameters) Assert.That(p.Value.ToArray(), Is.EqualTo(before[p.Name]).AsCollection, p.Name);
    }

    [Test]
    public void WeightNoiseStepAppliesTheNoisyGradientToTheCleanWeights()
    {
        // A: noise, gradients at w̃, clean weights restored, SGD update: w − η·g(w̃).
        // B: the same noise left in, SGD update: w̃ − η·g(w̃). So A − B = w − w̃ exactly (up to rounding).
        var data = Bars(5, 16);
        using var x = Tensor.FromArray(_ctx, data.Pixels.ToArray(), [16, 1, 8, 8]);
        using var y = Tensor.FromArray(_ctx, data.Labels.ToArray(), [16]);
        using var a = Build();
        using var b = Build();
        var clean = Weights(a);
        using var noiseA = new WeightNoise(a, 0.5f);
        using var noiseB = new WeightNoise(b, 0.5f);
        noiseA.Apply(77);
        noiseB.Apply(77);
        var noisy = Weights(b);
        Assert.That(noisy, Is.Not.EqualTo(clean).AsCollection);
        using var sgdA = new SgdMomentum(0.1f, 0f, 0f);
        using var sgdB = new SgdMomentum(0.1f, 0f, 0f);
        a.TrainStep(x, y, sgdA, beforeUpdate: noiseA.Restore);
        b.TrainStep(x, y, sgdB);
        float[] wa = Weights(a), wb = Weights(b);
        for (int i = 0; i < wa.Length; i++)
            Assert.That(wa[i] - wb[i], Is.EqualTo(clean[i] - noisy[i]).Within(1e-5), $"weight {i}");
        Assert.That(wa, Is.Not.EqualTo(clean).AsCollection, "the update happened");
    }

    [Test]
    public void NoiseInjectionIsDeterministicAndChangesTheRun()
    {
        var data = Bars(6, 64);
        var plain = new TrainingOptions { Epochs = 1, BatchSize = 16, Seed = 2 };
        foreach (var noisy in new[] { plain with { InputNoiseSigma = 0.2f }, plain with { WeightNoiseScale = 0.1f } })
        {
            float[] first = Train(noisy, data), second = Train(noisy, data);
            Assert.That(second, Is.EqualTo(first).AsCollection, $"{noisy}: the same seed, the same weights");
            Assert.That(first, Is.Not.EqualTo(Train(plain, data)).AsCollection, $"{noisy}: the noise changes the run");
        }
    }

    [Test]
    public void FgsmRowsAreTheSignedGradientStepOfTheTrainingNetwork()
    {
        // The reference: x' = round₂₅₅(clip(x + ε·sign ∇ₓCE)) computed from the network's input gradient.
        var data = Bars(7, 12);
        using var network = Build();
        using var x = Tensor.FromArray(_ctx, data.Pixels.ToArray(), [12, 1, 8, 8]);
        using var y = Tensor.FromArray(_ctx, data.Labels.ToArray(), [12]);
        float[] g = network.InputGradient(x, y, LossKind.CrossEntropy).Gradient.ToArray();
        float[] pixels = data.Pixels.ToArray();
        const float eps = 0.1f;
        using var adversary = AdversarialBatches.Create(new TrainingOptions { Adversary = "fgsm", AdversaryParameters = "epsilons=0.1", AdversaryRatio = 0.5f }, "bars")!;
        int rows = adversary.RowsOf(12);
        Assert.That(rows, Is.EqualTo(6));
        adversary.Replace(network, x, data.Labels.ToArray(), rows, step: 0);
        float[] replaced = x.ToArray();
        for (int i = 0; i < pixels.Length; i++)
        {
            if (i >= rows * 64)
            {
                Assert.That(replaced[i], Is.EqualTo(pixels[i]), $"pixel {i}: rows past the adversarial share stay clean");
                continue;
            }
            float step = g[i] > 0 ? eps : g[i] < 0 ? -eps : 0f;
            float expected = MathF.Round(Math.Clamp(pixels[i] + step, 0f, 1f) * 255f) / 255f;
            Assert.That(replaced[i], Is.EqualTo(expected).Within(1.01f / 255f), $"pixel {i}");
        }
    }

    [Test]
    public void PgdRowsAreTheLastIterateInsideTheBallWithAHigherLoss()
    {
        var data = Bars(8, 16);
        using var network = Build();
        var options = new TrainingOptions { Adversary = "pgdinf", AdversaryParameters = "epsilons=0.2;quantize=false", AdversaryIterations = 7, AdversaryRatio = 1f };
        using var adversary = AdversarialBatches.Create(options, "bars")!;
        using var x = Tensor.FromArray(_ctx, data.Pixels.ToArray(), [16, 1, 8, 8]);
        using var y = Tensor.FromArray(_ctx, data.Labels.ToArray(), [16]);
        float[] cleanLoss = network.InputGradient(x, y, LossKind.CrossEntropy).Loss.ToArray();
        adversary.Replace(network, x, data.Labels.ToArray(), 16, step: 3);
        float[] adv = x.ToArray(), pixels = data.Pixels.ToArray();
        for (int i = 0; i < adv.Length; i++) Assert.That(Math.Abs(adv[i] - pixels[i]), Is.LessThanOrEqualTo(0.2f + 1e-6f), $"pixel {i}");
        float[] advLoss = network.InputGradient(x, y, LossKind.CrossEntropy).Loss.ToArray();
        Assert.That(advLoss.Sum(), Is.GreaterThan(cleanLoss.Sum()), "the attack raised the loss");
        // Madry's example is the last iterate: with a tiny budget every image "fails" yet moves.
        Assert.That(adv, Is.Not.EqualTo(pixels).AsCollection);
    }

    [Test]
    public void AdversarialTrainingReportsBothAccuraciesAndIsDeterministic()
    {
        var data = Bars(9, 96);
        var options = new TrainingOptions
        {
            Epochs = 2, BatchSize = 16, Seed = 4, LearningRate = 1e-2f,
            Adversary = "pgdinf", AdversaryParameters = "epsilons=0.3", AdversaryIterations = 3, AdversaryRatio = 0.5f,
        };
        var reports = new List<EpochReport>();
        var progress = new List<TrainingProgress>();
        using (var trainer = new Trainer(Build(options.Seed), Small(), options, ownsNetwork: true))
            for (int e = 0; e < options.Epochs; e++) reports.Add(trainer.RunEpoch(data, progress: new SyncProgress<TrainingProgress>(progress.Add)));
        TestContext.Out.WriteLine(string.Join("\n", reports));
        Assert.That(reports.All(r => r.CleanAccuracy is double && r.AdversarialAccuracy is double));
        Assert.That(progress.All(p => p.AdversarialAccuracy is double));
        Assert.That(reports[^1].AdversarialAccuracy!.Value, Is.LessThan(reports[^1].CleanAccuracy!.Value), "adversarial rows are harder");
        float[] first = Train(options, data), second = Train(options, data);
        Assert.That(second, Is.EqualTo(first).AsCollection);
        Assert.That(first, Is.Not.EqualTo(Train(options with { Adversary = null }, data)).AsCollection);
    }

    [TestCase("pgdinf", "", "needs one budget")]
    [TestCase("nosuchattack", "", "unknown attack")]
    [TestCase("fgsm", "epsilons", "is not name=value")]
    public void BadAdversariesAreRefusedByName(string attack, string parameters, string expected)
    {
        var options = new TrainingOptions { Adversary = attack, AdversaryParameters = parameters };
        Assert.That(() => AdversarialBatches.Create(options, "mnist"), Throws.InstanceOf<ArgumentException>().With.Message.Contains(expected));
    }

    [TestCase(0f, "adversarial ratio must be in (0, 1]")]
    [TestCase(1.5f, "adversarial ratio must be in (0, 1]")]
    public void BadRatiosAreRefused(float ratio, string expected) =>
        Assert.That(() => new TrainingOptions { Adversary = "fgsm", AdversaryRatio = ratio }.Validate(),
                    Throws.InstanceOf<InvalidArgumentException>().With.Message.Contains(expected));

    [Test]
    public void InputNoiseAndNoisyCopiesAreExclusive() =>
        Assert.That(() => new TrainingOptions { InputNoiseSigma = 0.1f, NoisyCopies = 1, NoiseSigma = 0.1f }.Validate(),
                    Throws.InstanceOf<InvalidArgumentException>().With.Message.Contains("exclusive"));

    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
