using System.Text.Json;
using AdvCore.Attacks;
using AdvCore.Data;
using AdvCore.Evaluation;
using AdvCore.Nn;
using AdvCore.Tests.Cli;
using NUnit.Framework;

namespace AdvCore.Tests.Evaluation;

/// <summary>
/// Black-box transfer on random linear classifiers (their predictions have a float64 closed form)
/// and the command line on the small trained CNN.
/// </summary>
public class TransferEvaluationTests
{
    private const int Classes = 4, Side = 6, D = Side * Side, N = 24;

    private static Network Linear(Context ctx, ulong seed, int side = Side) =>
        Network.Build(ctx, [1, side, side], [new LinearLayer(Classes)], seed: seed);

    private static float[] Random01(int count, int seed)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => 0.05f + 0.9f * r.NextSingle()).ToArray();
    }

    // argmax of W x + b in float64.
    private static int Predict64(Network net, ReadOnlySpan<float> x)
    {
        var state = net.GetState().Values.ToArray();
        float[] w = state[0].Data, b = state[1].Data;
        int best = 0;
        double bestZ = double.NegativeInfinity;
        for (int c = 0; c < Classes; c++)
        {
            double z = b[c];
            for (int k = 0; k < D; k++) z += (double)w[c * D + k] * x[k];
            if (z > bestZ) (best, bestZ) = (c, z);
        }
        return best;
    }

    // Labels: the source's own predictions, but for two images (which the harness must skip).
    private static LabeledImages Images(Network source, float[] x)
    {
        int[] labels = Enumerable.Range(0, N).Select(i => Predict64(source, x.AsSpan(i * D, D))).ToArray();
        labels[5] = (labels[5] + 1) % Classes;
        labels[17] = (labels[17] + 2) % Classes;
        return new LabeledImages("rand/test", 1, Side, Side, Classes, x, labels);
    }

    private static IAttack Ddn() => AttackRegistry.Create("ddn", "mnist", iterations: 30);

    [Test]
    public void RowsEqualAPlainFloat64LoopOverTheSourcesAdversarialImages()
    {
        using var ctx = Context.Create(Device.Cpu, threads: 1, seed: 1);
        using var source = Linear(ctx, 11);
        using var a = Linear(ctx, 12);
        using var b = Linear(ctx, 13);
        float[] x = Random01(N * D, 3);
        var images = Images(source, x);
        var report = TransferEvaluation.Evaluate(new TransferTarget("src", new NetworkClassifier(source)),
            [new TransferTarget("a", new NetworkClassifier(a)), new TransferTarget("b", new NetworkClassifier(b))], Ddn(), images,
            new AttackRunnerOptions { BatchSize = 7 }, firstIndex: 100);

        // The same attack run again (deterministic), its images judged by a float64 loop.
        var run = new AttackRunner(new NetworkClassifier(source), Ddn(), new AttackRunnerOptions { BatchSize = 7, KeepExamples = int.MaxValue })
            .Run(x, images.Labels.ToArray(), [.. Enumerable.Range(100, N)]);
        var adversarial = run.Examples.Where(e => e.Success).ToDictionary(e => e.Index - 100, e => e.Adversarial);
        Assert.That(adversarial, Has.Count.GreaterThan(N / 2), "DDN fools a linear source on most images");
        Assert.That(report.Rows.Select(r => r.Model), Is.EqualTo(new[] { "src", "a", "b" }));
        var labels = images.Labels.Span;
        foreach (var (row, net) in report.Rows.Skip(1).Zip(new[] { a, b }))
        {
            int clean = 0, transferable = 0, transferred = 0, robust = 0;
            for (int i = 0; i < N; i++)
            {
                bool right = Predict64(net, x.AsSpan(i * D, D)) == labels[i];
                int after = adversarial.TryGetValue(i, out var adv) ? Predict64(net, adv) : Predict64(net, x.AsSpan(i * D, D));
                clean += right ? 1 : 0;
                robust += after == labels[i] ? 1 : 0;
                if (adv is null || !right) continue;
                transferable++;
                transferred += after != labels[i] ? 1 : 0;
            }
            Assert.That((row.CleanCorrect, row.Transferable, row.Transferred, row.AdversarialCorrect),
                        Is.EqualTo((clean, transferable, transferred, robust)), row.Model);
        }
        // The white-box row: every success fools the source when judged afresh.
        var self = report.Rows[0];
        Assert.That(self.IsSource && !report.Rows[1].IsSource, Is.True);
        Assert.That(self.CleanCorrect, Is.EqualTo(N - 2));
        Assert.That(self.Transferable, Is.EqualTo(report.Source.Images.Count(i => i.Success)));
        Assert.That(self.TransferRate, Is.EqualTo(1.0));
        Assert.That(self.AdversarialCorrect, Is.EqualTo(N - 2 - self.Transferable));
        Assert.That(report.Source.Images.Select(i => i.Index), Is.EqualTo(Enumerable.Range(100, N).Where(i => i != 105 && i != 117)));
    }

    [Test]
    public void AnIdenticalCopyIsFooledExactlyLikeTheSource()
    {
        using var ctx = Context.Create(Device.Cpu, threads: 1, seed: 1);
        using var source = Linear(ctx, 21);
        using var copy = Linear(ctx, 21);
        using var other = Linear(ctx, 22);
        var images = Images(source, Random01(N * D, 4));
        var report = TransferEvaluation.Evaluate(new TransferTarget("src", new NetworkClassifier(source)),
            [new TransferTarget("copy", new NetworkClassifier(copy)), new TransferTarget("other", new NetworkClassifier(other))], Ddn(), images);
        Assert.That(report.Rows[1] with { Model = "src", IsSource = true }, Is.EqualTo(report.Rows[0]));
        Assert.That(report.Rows[2].TransferRate, Is.LessThan(1.0), "an independent random model is not fooled by every minimal perturbation");
        using var doc = JsonDocument.Parse(report.ToJson());
        Assert.That(doc.RootElement.GetProperty("rows").GetArrayLength(), Is.EqualTo(3));
        Assert.That(doc.RootElement.GetProperty("rows")[1].GetProperty("transfer_rate").GetDouble(), Is.EqualTo(1.0));
    }

    [Test]
    public void ModelsThatDoNotFitAndEmptyTargetListsAreRefused()
    {
        using var ctx = Context.Create(Device.Cpu, threads: 1, seed: 1);
        using var source = Linear(ctx, 31);
        using var wide = Linear(ctx, 32, side: 7);
        var images = Images(source, Random01(N * D, 5));
        var src = new TransferTarget("src", new NetworkClassifier(source));
        var e = Assert.Throws<ShapeMismatchException>(() => TransferEvaluation.Evaluate(src, [new TransferTarget("wide", new NetworkClassifier(wide))], Ddn(), images));
        Assert.That(e!.Message, Does.Contain("wide takes images of shape [1,7,7], rand/test has [1,6,6]"));
        Assert.Throws<InvalidArgumentException>(() => TransferEvaluation.Evaluate(src, [], Ddn(), images));
    }

    [Test]
    public void CancellationStopsBetweenBatches()
    {
        using var ctx = Context.Create(Device.Cpu, threads: 1, seed: 1);
        using var source = Linear(ctx, 41);
        using var target = Linear(ctx, 42);
        var images = Images(source, Random01(N * D, 6));
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        Assert.Throws<OperationCanceledException>(() => TransferEvaluation.Evaluate(new TransferTarget("src", new NetworkClassifier(source)),
            [new TransferTarget("t", new NetworkClassifier(target))], Ddn(), images, new AttackRunnerOptions { BatchSize = 4 }, cancel: cancel.Token));
    }
}

public class TransferCliTests() : TinyModelCliTest("advcore-transfer-cli-")
{
    [Test]
    public void TransferPrintsOneRowPerModelAndWritesJson()
    {
        string model = Model();
        string copy = Path.Combine(Dir, "copy.safetensors");
        File.Copy(model, copy, overwrite: true);
        string json = Path.Combine(Dir, "transfer.json");
        var (code, output, error) = CliRunner.Run("transfer", "--source-model", model, "--target-model", copy, "--dataset", "mnist", "--attack", "fgsm",
                                                  "--param", "epsilons=0.2", "--count", "12", "--batch", "5", "--json", json, "--data", Data);
        Assert.That(code, Is.EqualTo(0), error + output);
        Assert.That(output, Does.Contain("tiny.safetensors (source)").And.Contain("copy.safetensors").And.Contain("transfer rate"));
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var rows = doc.RootElement.GetProperty("rows");
        Assert.That(rows.GetArrayLength(), Is.EqualTo(2));
        // The copy has the source's weights: it judges every image as the source does.
        foreach (string key in new[] { "clean_correct", "transferable", "transferred", "adversarial_correct" })
            Assert.That(rows[1].GetProperty(key).GetInt32(), Is.EqualTo(rows[0].GetProperty(key).GetInt32()), key);
        Assert.That(rows[0].GetProperty("transferable").GetInt32(), Is.GreaterThan(0), "FGSM ε 0.2 fools the tiny model on some images");
        Assert.That(doc.RootElement.GetProperty("run").GetProperty("command").GetString(), Does.Contain("transfer"));
    }

    [Test]
    public void TargetSqueezeJudgesWithTheDefendedTargets()
    {
        string model = Model();
        var (code, output, error) = CliRunner.Run("transfer", "--source-model", model, "--target-model", model, "--target-squeeze", "bit-depth:1",
                                                  "--dataset", "mnist", "--attack", "fgsm", "--param", "epsilons=0.2", "--count", "12", "--data", Data);
        Assert.That(code, Is.EqualTo(0), error + output);
        Assert.That(output, Does.Contain("tiny.safetensors + bit-depth:1"));
    }

    [Test]
    public void AnInterruptedTransferWritesNothingAndSaysSo()
    {
        string model = Model(), json = Path.Combine(Dir, "interrupted.json");
        var (code, output, error) = CliRunner.RunInterrupted("5/12 images", "transfer", "--source-model", model, "--target-model", model,
            "--dataset", "mnist", "--attack", "fgsm", "--param", "epsilons=0.2", "--count", "12", "--batch", "5", "--json", json, "--data", Data);
        Assert.That(code, Is.EqualTo(130), error + output);
        Assert.That(output, Does.Contain("transfer: interrupted after 5 of 12 images: nothing written"));
        Assert.That(File.Exists(json), Is.False);
    }

    [TestCase(new[] { "--count", "0" }, "--count must be >= 1")]
    [TestCase(new[] { "--attack", "nope" }, "unknown attack 'nope'")]
    [TestCase(new[] { "--target-model", "/nonexistent/t.safetensors" }, "/nonexistent/t.safetensors: no such file")]
    public void BadOptionsGiveOneLine(string[] args, string expected)
    {
        string model = Model();
        var defaults = new Dictionary<string, string> { ["--attack"] = "fgsm", ["--target-model"] = model, ["--count"] = "4" };
        for (int i = 0; i < args.Length; i += 2) defaults[args[i]] = args[i + 1];
        var (code, _, error) = CliRunner.Run(["transfer", "--source-model", model, "--dataset", "mnist", "--data", Data,
                                              .. defaults.SelectMany(kv => new[] { kv.Key, kv.Value })]);
        Assert.That(code, Is.Not.EqualTo(0));
        Assert.That(error, Does.Contain(expected));
        Assert.That(error.TrimEnd().Split('\n'), Has.Length.EqualTo(1), error);
    }
}
