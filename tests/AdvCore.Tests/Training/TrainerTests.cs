using AdvCore.Data;
using AdvCore.Evaluation;
using AdvCore.Models;
using AdvCore.Nn;
using AdvCore.Tests.Nn;
using AdvCore.Training;
using NUnit.Framework;

namespace AdvCore.Tests.Training;

public class TrainerTests
{
    private Context _ctx = null!;
    private string _dir = null!;

    [OneTimeSetUp]
    public void SetUp()
    {
        _ctx = Context.Create(Device.Cpu, seed: 17);
        _dir = Directory.CreateTempSubdirectory("advcore-train-").FullName;
    }

    [OneTimeTearDown]
    public void TearDown()
    {
        _ctx.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static LabeledImages Bars(int seed, int n)
    {
        var (images, labels) = TinyData.Bars(seed, n);
        return new LabeledImages($"bars/{seed}", 1, 8, 8, 3, images, labels);
    }

    // Batch norm and dropout included, so determinism covers batch statistics and dropout masks.
    private static ModelArchitecture Small() => new("small", [1, 8, 8], 3,
    [
        new Conv2dLayer(4, 3, 1, Padding.Same), new BatchNormLayer(), ActivationLayer.LeakyReLU(0.1f),
        new DropoutLayer(0.2f), new FlattenLayer(), new LinearLayer(3),
    ]);

    private Trainer NewTrainer(TrainingOptions options)
    {
        var arch = Small();
        var network = Network.Build(_ctx, arch.InputShape, arch.Layers, options.Seed);
        return new Trainer(network, arch, options);
    }

    private static float[] Weights(Network network) =>
        network.GetState().Values.SelectMany(v => v.Data).ToArray();

    // Trains a fresh network for all of options.Epochs; returns its weights, or with
    // `checkpoint` writes a checkpoint after the last epoch.
    private float[] Train(TrainingOptions options, LabeledImages data, string? checkpoint = null)
    {
        using var trainer = NewTrainer(options);
        for (int e = 0; e < options.Epochs; e++) trainer.RunEpoch(data);
        if (checkpoint is not null) trainer.SaveCheckpoint(checkpoint);
        float[] weights = Weights(trainer.Network);
        trainer.Network.Dispose();
        return weights;
    }

    [Test]
    public void LossFallsAndTheSetIsLearned()
    {
        var options = new TrainingOptions { Epochs = 4, BatchSize = 16, LearningRate = 1e-2f, Seed = 5 };
        using var trainer = NewTrainer(options);
        var test = Bars(99, 90);
        var reports = Enumerable.Range(0, options.Epochs).Select(_ => trainer.RunEpoch(Bars(1, 240), test)).ToList();
        TestContext.Out.WriteLine(string.Join("\n", reports));
        Assert.That(reports[^1].Loss, Is.LessThan(0.5 * reports[0].Loss));
        Assert.That(reports[^1].TestAccuracy, Is.GreaterThan(0.95));
        Assert.That(trainer.Finished, Is.True);
    }

    [Test]
    public void SameSeedGivesBitIdenticalWeightsAndAnotherSeedDoesNot()
    {
        var options = new TrainingOptions { Epochs = 2, BatchSize = 32, Seed = 8, NoisyCopies = 2, NoiseSigma = 0.3f, LabelSmoothing = 0.1f };
        var data = Bars(2, 100);
        float[] a = Train(options, data), b = Train(options, data), c = Train(options with { Seed = 9 }, data);
        Assert.That(b, Is.EqualTo(a).AsCollection);
        Assert.That(c, Is.Not.EqualTo(a).AsCollection);
    }

    [TestCase(LearningRateSchedule.Constant)]
    [TestCase(LearningRateSchedule.Cosine)]
    public void ResumedRunEqualsUninterruptedRun(string schedule)
    {
        var options = new TrainingOptions { Epochs = 3, BatchSize = 24, Seed = 4, NoisyCopies = 1, NoiseSigma = 0.2f, LearningRateSchedule = schedule };
        var data = Bars(3, 96);
        float[] uninterrupted = Train(options, data);

        // Interrupted after epoch 2 of 3: the checkpoint's options still say 3 epochs.
        string checkpoint = Path.Combine(_dir, "run.ckpt.safetensors");
        using (var trainer = NewTrainer(options))
        {
            trainer.RunEpoch(data);
            trainer.RunEpoch(data);
            trainer.SaveCheckpoint(checkpoint);
            trainer.Network.Dispose();
        }
        using var resumed = TrainingCheckpoint.Resume(checkpoint, _ctx);
        Assert.That(resumed.CompletedEpochs, Is.EqualTo(2));
        resumed.RunEpoch(data);
        Assert.That(Weights(resumed.Network), Is.EqualTo(uninterrupted).AsCollection);
        Assert.That(resumed.Finished, Is.True);
    }

    [Test]
    public void FinishedRunIsExtendedByResumingWithMoreEpochs()
    {
        var options = new TrainingOptions { Epochs = 3, BatchSize = 24, Seed = 6 };
        var data = Bars(4, 96);
        float[] threeEpochs = Train(options, data);

        string checkpoint = Path.Combine(_dir, "short.ckpt.safetensors");
        Train(options with { Epochs = 2 }, data, checkpoint);
        using (var finished = TrainingCheckpoint.Resume(checkpoint, _ctx))
            Assert.That(() => finished.RunEpoch(data), Throws.InvalidOperationException.With.Message.Contains("all 2 epochs are done"));
        Assert.That(() => TrainingCheckpoint.Resume(checkpoint, _ctx, epochs: 1),
            Throws.InstanceOf<InvalidArgumentException>().With.Message.Contains("cannot shorten the run to 1"));
        using var extended = TrainingCheckpoint.Resume(checkpoint, _ctx, epochs: 3);
        Assert.That(extended.Options, Is.EqualTo(options));
        extended.RunEpoch(data);
        Assert.That(Weights(extended.Network), Is.EqualTo(threeEpochs).AsCollection, "a constant rate does not depend on the run's length");
    }

    [Test]
    public void CosineScheduleFallsFromTheBaseRateTowardsZero()
    {
        const long total = 100;
        float[] rates = Enumerable.Range(0, (int)total).Select(s => LearningRateSchedule.Rate(LearningRateSchedule.Cosine, 2e-3f, s, total)).ToArray();
        Assert.That(rates[0], Is.EqualTo(2e-3f));
        Assert.That(rates[50], Is.EqualTo(1e-3f).Within(1e-9f));
        Assert.That(rates[^1], Is.GreaterThan(0f).And.LessThan(1e-6f));
        for (int i = 1; i < rates.Length; i++) Assert.That(rates[i], Is.LessThan(rates[i - 1]), $"step {i}");
        Assert.That(LearningRateSchedule.Rate(LearningRateSchedule.Constant, 2e-3f, 99, total), Is.EqualTo(2e-3f));
        Assert.That(() => LearningRateSchedule.Rate(LearningRateSchedule.Cosine, 2e-3f, total, total),
            Throws.InstanceOf<InvalidArgumentException>().With.Message.Contains("outside a run of 100 steps"));
    }

    [Test]
    public void CosineScheduleChangesTheTrainedWeights()
    {
        var options = new TrainingOptions { Epochs = 2, BatchSize = 32, Seed = 3 };
        var data = Bars(5, 96);
        Assert.That(Train(options with { LearningRateSchedule = LearningRateSchedule.Cosine }, data), Is.Not.EqualTo(Train(options, data)).AsCollection);
    }

    [Test]
    public void ModelFileIsNotACheckpoint()
    {
        using var trainer = NewTrainer(new TrainingOptions { Epochs = 1 });
        string model = Path.Combine(_dir, "model.safetensors");
        ModelFile.Save(model, trainer.Architecture, trainer.Network);
        trainer.Network.Dispose();
        Assert.That(() => TrainingCheckpoint.Resume(model, _ctx),
            Throws.InstanceOf<AdvCore.IO.SafeTensorsFormatException>().With.Message.Contains("not an AdvCore training checkpoint"));
    }

    [TestCase(0, 128, "adam", 1e-3f, "epochs must be >= 1")]
    [TestCase(1, 0, "adam", 1e-3f, "batch size must be >= 1")]
    [TestCase(1, 128, "rmsprop", 1e-3f, "optimizer must be 'adam' or 'sgd'")]
    [TestCase(1, 128, "sgd", -1f, "learning rate must be > 0")]
    [TestCase(1, 128, "sgd", float.NaN, "learning rate must be > 0")]
    public void BadOptionsAreRefused(int epochs, int batch, string optimizer, float lr, string message)
    {
        var options = new TrainingOptions { Epochs = epochs, BatchSize = batch, Optimizer = optimizer, LearningRate = lr };
        Assert.That(options.Validate, Throws.InstanceOf<InvalidArgumentException>().With.Message.Contains(message));
    }

    [Test]
    public void ImagesOfTheWrongShapeAreRefused()
    {
        using var trainer = NewTrainer(new TrainingOptions { Epochs = 1 });
        var wrong = new LabeledImages("wide", 1, 8, 9, 3, new float[2 * 72], [0, 1]);
        Assert.That(() => trainer.RunEpoch(wrong), Throws.InstanceOf<ShapeMismatchException>().With.Message.Contains("[1x8x9]"));
        trainer.Network.Dispose();
    }

    [Test]
    public void EvaluatorCountsEveryImageOnceInTheConfusionMatrix()
    {
        var arch = Small();
        using var network = Network.Build(_ctx, arch.InputShape, arch.Layers, seed: 1);
        var data = Bars(7, 101);
        var report = Evaluator.Evaluate(network, data, batchSize: 16);
        long sum = 0;
        foreach (var v in report.Confusion) sum += v;
        Assert.That(sum, Is.EqualTo(101));
        int[] predicted = [.. Enumerable.Range(0, data.Count).Select(i =>
        {
            using var x = Tensor.FromSpan(_ctx, data.Image(i), [1, 1, 8, 8]);
            return network.Predict(x)[0];
        })];
        int correct = predicted.Where((p, i) => p == data.Labels.Span[i]).Count();
        Assert.That(report.Correct, Is.EqualTo(correct));
        Assert.That(report.ToJson(), Does.Contain("\"confusion\""));
    }
}
