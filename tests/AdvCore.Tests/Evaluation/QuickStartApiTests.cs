using AdvCore.Attacks;
using AdvCore.Data;
using AdvCore.Evaluation;
using AdvCore.Models;
using AdvCore.Tests.Attacks;
using NUnit.Framework;

namespace AdvCore.Tests.Evaluation;

/// <summary>
/// The quick-start API: a model file as a classifier, <see cref="AttackRunner.Run(LabeledImages, int, AttackRunRecord?, CancellationToken)"/>
/// on a dataset slice (the protocol's P_suc and D̄) against <see cref="IAttack.Run"/> on raw
/// tensors, LabeledImages → Tensor, and the provenance every record carries.
/// </summary>
public class QuickStartApiTests
{
    private static LabeledImages Slice(int count)
    {
        var m = TrainedMnistModel.Get();
        return new LabeledImages("mnist/test", 1, 28, 28, 10, m.TestImages.AsSpan(0, count * 784).ToArray(), m.TestLabels.AsSpan(0, count).ToArray());
    }

    [Test]
    public void ToTensorHoldsTheImagesAndLabels()
    {
        using var context = Context.Create(Device.Cpu, threads: 1);
        var rng = new Random(3);
        var pixels = Enumerable.Range(0, 5 * 2 * 3 * 4).Select(_ => (float)rng.NextDouble()).ToArray();
        var set = new LabeledImages("random", 2, 3, 4, 7, pixels, [6, 0, 3, 2, 5]);
        using var x = set.ToTensor(context);
        using var y = set.LabelTensor(context);
        Assert.That(x.Shape.ToArray(), Is.EqualTo(new long[] { 5, 2, 3, 4 }));
        Assert.That(x.ToArray(), Is.EqualTo(pixels));
        Assert.That(y.ToInt32Array(), Is.EqualTo(new[] { 6, 0, 3, 2, 5 }));
    }

    [Test]
    public void LoadedModelIsAClassifierForTheRunnerAndTheRawAttack()
    {
        var m = TrainedMnistModel.Get();
        string path = Path.Combine(Path.GetTempPath(), $"advcore-quickstart-{Environment.ProcessId}.safetensors");
        try
        {
            m.Save(path);
            using var model = ModelFile.Load(path, m.Context);
            var images = Slice(40);
            var attack = AttackRegistry.Create("bp", "mnist", iterations: 10);
            var slice = new AttackRunner(model, attack).Run(images, firstIndex: 7).Record;
            var arrays = new AttackRunner(new NetworkClassifier(m.Network), attack)
                .Run(images.Pixels.ToArray(), images.Labels.ToArray(), [.. Enumerable.Range(7, 40)]).Record;
            Assert.That(slice.Images, Is.EqualTo(arrays.Images), "the LabeledImages overload is the array one");
            Assert.That((slice.PSuc, slice.MeanL2, slice.Dataset), Is.EqualTo((arrays.PSuc, arrays.MeanL2, "mnist/test")));
            Assert.That(slice.Images.Select(i => i.Index).Concat(slice.Misclassified).Order(), Is.EqualTo(Enumerable.Range(7, 40)));

            // The raw call attacks every image, misclassified ones too: N results, no record.
            using var x = images.ToTensor(model.Context);
            using var result = attack.Run(model, x, images.Labels.ToArray());
            Assert.That(result.Count, Is.EqualTo(40));
            Assert.That(slice.Correct, Is.LessThanOrEqualTo(40));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void RunnerRefusesImagesOfAnotherShape()
    {
        var m = TrainedMnistModel.Get();
        var wrong = new LabeledImages("small", 1, 14, 14, 10, new float[2 * 196], [1, 2]);
        var e = Assert.Throws<ArgumentException>(() => new AttackRunner(new NetworkClassifier(m.Network), new BoundaryProjection()).Run(wrong))!;
        Assert.That(e.Message, Does.Contain("[1,14,14]").And.Contain("[1,28,28]"));
    }

    [Test]
    public void EveryRecordSaysHowItWasMadeAndKeepsItThroughJsonAndMerge()
    {
        var m = TrainedMnistModel.Get();
        var runner = new AttackRunner(new NetworkClassifier(m.Network), AttackRegistry.Create("fgsm", "mnist"));
        var a = runner.Run(Slice(20).Take(0, 10)).Record;
        var b = runner.Run(Slice(20).Take(10, 10), firstIndex: 10).Record;
        var run = a.Run!;
        // The release version (Directory.Build.props' VersionPrefix, the assembly's version) plus the commit.
        var v = typeof(Context).Assembly.GetName().Version!;
        Assert.That(run.Version, Does.Match($@"^{v.Major}\.{v.Minor}\.{v.Build}(\+[0-9a-f]{{7,}})?$"));
        Assert.That((run.Device, run.Threads, run.Seed), Is.EqualTo(("cpu", m.Context.Threads, m.Context.Seed)));
        Assert.That(run.Engine, Is.EqualTo(Context.EngineVersion));
        Assert.That(run.Created, Does.Match(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"));
        var back = AttackRunRecord.FromJson(a.ToJson());
        Assert.That(back.Run!.Version, Is.EqualTo(run.Version));
        Assert.That((back.Run.Device, back.Run.Threads, back.Run.Seed), Is.EqualTo((run.Device, run.Threads, run.Seed)));
        Assert.That(AttackRunRecord.Merge(a, b).Run, Is.EqualTo(a.Run));
        var report = Evaluator.Evaluate(m.Network, Slice(20));
        Assert.That(System.Text.Json.JsonDocument.Parse(report.ToJson()).RootElement.GetProperty("run").GetProperty("version").GetString(), Is.EqualTo(run.Version));
    }
}
