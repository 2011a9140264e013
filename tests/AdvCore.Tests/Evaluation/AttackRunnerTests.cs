using AdvCore.Attacks;
using AdvCore.Evaluation;
using AdvCore.Tests.Attacks;
using NUnit.Framework;

namespace AdvCore.Tests.Evaluation;

/// <summary>
/// The runner over a slice of MNIST test images: it attacks only the correctly classified ones,
/// reports progress, stops when cancelled and resumes, and shards merge into the whole run.
/// </summary>
public class AttackRunnerTests
{
    private const int Slice = 60;

    private static (float[] Images, int[] Labels, int[] Indices) Data(int from, int count)
    {
        var m = TrainedMnistModel.Get();
        return (m.TestImages.AsSpan(from * 784, count * 784).ToArray(), m.TestLabels.AsSpan(from, count).ToArray(),
                Enumerable.Range(from, count).ToArray());
    }

    private static AttackRunner Runner(Action<AttackProgress>? progress = null, int batch = 25) =>
        new(new NetworkClassifier(TrainedMnistModel.Get().Network), new BoundaryProjection(),
            new AttackRunnerOptions { BatchSize = batch, Dataset = "mnist", Model = "tiny-cnn", Progress = progress, KeepExamples = 5 });

    // The slice starts where the model makes mistakes, so X is a strict subset.
    private static int Start
    {
        get
        {
            var m = TrainedMnistModel.Get();
            int wrong = Enumerable.Range(0, TrainedMnistModel.TestCount).First(i => m.TestPredictions[i] != m.TestLabels[i]);
            return Math.Max(0, Math.Min(wrong - 10, TrainedMnistModel.TestCount - Slice));
        }
    }

    [Test]
    public void AttacksOnlyCorrectlyClassifiedImagesAndReportsProgress()
    {
        var m = TrainedMnistModel.Get();
        var (images, labels, indices) = Data(Start, Slice);
        var progress = new List<AttackProgress>();
        var run = Runner(progress.Add).Run(images, labels, indices);
        var wrong = indices.Where(i => m.TestPredictions[i] != m.TestLabels[i]).ToArray();
        Assert.That(wrong, Is.Not.Empty, "the slice should contain a misclassified image");
        Assert.That(run.Completed, Is.True);
        Assert.That(run.Record.Misclassified, Is.EqualTo(wrong));
        Assert.That(run.Record.Images.Select(i => i.Index), Is.EqualTo(indices.Except(wrong)));
        Assert.That((run.Record.Count, run.Record.Correct), Is.EqualTo((Slice, Slice - wrong.Length)));
        Assert.That((run.Record.Attack, run.Record.Iterations, run.Record.Quantized, run.Record.Dataset), Is.EqualTo(("bp", 20, true, "mnist")));
        Assert.That(run.Record.Gradients, Is.EqualTo(20));
        Assert.That(run.Record.PSuc, Is.GreaterThanOrEqualTo(0.9));
        Assert.That(run.Record.Seconds, Is.GreaterThan(0));
        Assert.That(progress.Select(p => p.Processed), Is.EqualTo(new[] { 25, 50, 60 }));
        Assert.That(progress[^1].Attacked, Is.EqualTo(run.Record.Correct));
        Assert.That(run.Examples, Has.Count.EqualTo(5));
        Assert.That(run.Examples[0].Original, Has.Length.EqualTo(784));
        TestContext.Out.WriteLine($"bp 20 on {Slice} images: P_suc {run.Record.PSuc:F3}, D̄ {run.Record.MeanL2:F3}, P_upp {run.Record.PUpp:F3}");
    }

    [Test]
    public void CancelledRunsResumeToTheSameRecord()
    {
        var (images, labels, indices) = Data(Start, Slice);
        var full = Runner().Run(images, labels, indices).Record;

        using var cancel = new CancellationTokenSource();
        var partial = Runner(p => { if (p.Processed >= 25) cancel.Cancel(); }).Run(images, labels, indices, cancel: cancel.Token);
        Assert.That(partial.Completed, Is.False);
        Assert.That(partial.Record.Count, Is.EqualTo(25));

        var resumed = Runner().Run(images, labels, indices, resume: partial.Record);
        Assert.That(resumed.Completed, Is.True);
        Assert.That(resumed.Record.Images, Is.EqualTo(full.Images));
        Assert.That(resumed.Record.Misclassified, Is.EqualTo(full.Misclassified));
    }

    [Test]
    public void ShardsMergeIntoTheWholeRun()
    {
        var (images, labels, indices) = Data(Start, Slice);
        var full = Runner().Run(images, labels, indices).Record;
        var first = Runner().Run(images[..(30 * 784)], labels[..30], indices[..30]).Record;
        var second = Runner().Run(images[(30 * 784)..], labels[30..], indices[30..]).Record;
        var merged = AttackRunRecord.Merge(second, first);
        Assert.That(merged.Images, Is.EqualTo(full.Images));
        Assert.That((merged.PSuc, merged.MeanL2, merged.PUpp), Is.EqualTo((full.PSuc, full.MeanL2, full.PUpp)));
    }

    [Test]
    public void ResumingAnotherAttackIsRefused()
    {
        var (images, labels, indices) = Data(0, 4);
        var record = Runner().Run(images, labels, indices).Record with { Attack = "ddn" };
        var e = Assert.Throws<ArgumentException>(() => Runner().Run(images, labels, indices, resume: record))!;
        Assert.That(e.Message, Does.Contain("cannot resume a ddn 20 run with bp 20"));
        Assert.Throws<ArgumentException>(() => Runner().Run(images, labels[..3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AttackRunner(new NetworkClassifier(TrainedMnistModel.Get().Network), new BoundaryProjection(),
                                                                            new AttackRunnerOptions { BatchSize = 0 }));
    }
}
