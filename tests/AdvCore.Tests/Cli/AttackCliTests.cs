using System.Text.Json;
using AdvCore.Evaluation;
using AdvCore.IO;
using AdvCore.Tests.Attacks;
using NUnit.Framework;

namespace AdvCore.Tests.Cli;

/// <summary>
/// <c>advcore attack</c>, <c>merge</c>, <c>reproduce</c> and <c>demo</c> on the small CNN of
/// <see cref="TrainedMnistModel"/> saved as a model file (no full training in tests).
/// </summary>
public class AttackCliTests() : TinyModelCliTest("advcore-attack-cli-")
{
    [Test]
    public void AttackWritesARecordAndImagesWhoseDistortionsAgree()
    {
        string model = Model();
        string json = Path.Combine(Dir, "bp.json"), images = Path.Combine(Dir, "bp.safetensors");
        string csv = Path.Combine(Dir, "bp.csv"), chart = Path.Combine(Dir, "bp.png"), grid = Path.Combine(Dir, "bp-grid.png");
        var (code, output, error) = CliRunner.Run("attack", "--model", model, "--dataset", "mnist", "--attack", "bp", "--iterations", "10",
            "--count", "40", "--batch", "16", "--out", json, "--save-images", images, "--csv", csv, "--chart", chart, "--grid", grid, "--data", Data);
        Assert.That(code, Is.Zero, error);
        Assert.That(output, Does.Contain("P_suc").And.Contain("D̄").And.Contain("P_upp").And.Contain("# grads 10"));

        using (var doc = JsonDocument.Parse(File.ReadAllText(json)))
        {
            var root = doc.RootElement;
            foreach (string field in new[] { "attack", "iterations", "gradients", "quantized", "count", "correct", "p_suc", "mean_l2", "d_upp", "p_upp", "seconds", "images" })
                Assert.That(root.TryGetProperty(field, out _), Is.True, field);
            var first = root.GetProperty("images")[0];
            foreach (string field in new[] { "index", "label", "success", "l2", "adv_label" })
                Assert.That(first.TryGetProperty(field, out _), Is.True, field);
            Assert.That(root.GetProperty("count").GetInt32(), Is.EqualTo(40));
        }
        var record = AttackRunRecord.Load(json);
        Assert.That(record.Attack, Is.EqualTo("bp"));
        Assert.That(record.Quantized, Is.True);
        Assert.That(record.Correct, Is.GreaterThan(30));
        Assert.That(record.PSuc, Is.GreaterThan(0.9));

        var file = SafeTensorFile.Read(images);
        float[] adversarial = file["images"].ToFloat32(images);
        long[] indices = file["indices"].ToInt64(images), labels = file["labels"].ToInt64(images);
        Assert.That(file["images"].Shape, Is.EqualTo(new long[] { record.Correct, 1, 28, 28 }));
        Assert.That(indices, Is.EqualTo(record.Images.Select(i => (long)i.Index).ToArray()));
        Assert.That(labels, Is.EqualTo(record.Images.Select(i => (long)i.Label).ToArray()));
        for (int k = 0; k < indices.Length; k++)
        {
            double sum = 0;
            for (int j = 0; j < 784; j++)
            {
                double r = adversarial[k * 784 + j] - (double)Trained.TestImages[indices[k] * 784 + j];
                sum += r * r;
            }
            Assert.That(Math.Sqrt(sum), Is.EqualTo(record.Images[k].L2).Within(1e-4), $"image {indices[k]}");
            for (int j = 0; j < 784; j++)
                Assert.That(adversarial[k * 784 + j] * 255, Is.EqualTo(MathF.Round(adversarial[k * 784 + j] * 255)).Within(1e-3), "on the 8-bit grid");
        }
        Assert.That(File.ReadAllLines(csv)[0], Is.EqualTo("attack,iterations,quantized,d,p,variant"));
        Assert.That(File.ReadAllBytes(chart).Take(4), Is.EqualTo(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }));
        Assert.That(File.ReadAllBytes(grid).Take(4), Is.EqualTo(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }));
    }

    [Test]
    public void ShardsMergeIntoOneRecord()
    {
        string model = Model();
        string a = Path.Combine(Dir, "shard-a.json"), b = Path.Combine(Dir, "shard-b.json"), merged = Path.Combine(Dir, "merged.json");
        foreach (var (start, path) in new[] { ("0", a), ("15", b) })
        {
            var run = CliRunner.Run("attack", "--model", model, "--dataset", "mnist", "--attack", "fgsm", "--count", "15", "--start", start,
                                    "--no-quantize", "--param", "epsilons=0.1,0.2,0.3", "--out", path, "--data", Data);
            Assert.That(run.Code, Is.Zero, run.Error);
        }
        var (code, output, error) = CliRunner.Run("merge", a, b, "--out", merged);
        Assert.That(code, Is.Zero, error);
        Assert.That(output, Does.Contain("2 shards"));
        var record = AttackRunRecord.Load(merged);
        Assert.That(record.Count, Is.EqualTo(30));
        Assert.That(record.Quantized, Is.False);
        Assert.That(record.Images.Concat(record.Misclassified.Select(i => new ImageRecord(i, 0, false, 0, 0))).Select(i => i.Index).Order(),
                    Is.EqualTo(Enumerable.Range(0, 30)));
        Assert.That(record.Options["epsilons"], Is.EqualTo("0.1,0.2,0.3"));
    }

    [TestCase(new[] { "--attack", "fgsm", "--param", "epsilons=-0.1" }, "Epsilons[0] must be a finite number > 0")]
    [TestCase(new[] { "--attack", "bp", "--iterations", "0" }, "--iterations must be >= 1")]
    [TestCase(new[] { "--attack", "zoo" }, "unknown attack 'zoo'")]
    [TestCase(new[] { "--attack", "bp", "--param", "gamma" }, "--param expects key=value")]
    [TestCase(new[] { "--attack", "bp", "--param", "nonsense=1" }, "has no option 'nonsense'")]
    [TestCase(new[] { "--attack", "bp", "--count", "10001" }, "goes beyond the 10000 images")]
    [TestCase(new[] { "--attack", "bp", "--start", "9990", "--count", "20" }, "goes beyond the 10000 images")]
    [TestCase(new[] { "--attack", "bp", "--count", "0" }, "--count must be >= 1")]
    public void BadArgumentsGetOneClearLineAndANonZeroExit(string[] args, string expected)
    {
        string model = Model();
        var (code, _, error) = CliRunner.Run(["attack", "--model", model, "--dataset", "mnist", "--out", Path.Combine(Dir, "never.json"), "--data", Data, .. args]);
        Assert.That(code, Is.Not.Zero);
        Assert.That(error, Does.Contain(expected));
        Assert.That(error.TrimEnd().Split('\n'), Has.Length.EqualTo(1), error);
        Assert.That(error, Does.Not.Contain("   at "), "no stack trace");
        Assert.That(File.Exists(Path.Combine(Dir, "never.json")), Is.False);
    }

    [TestCase(new[] { "attack", "--model", "/nonexistent/m.safetensors", "--dataset", "mnist", "--attack", "bp", "--out", "x.json" }, "m.safetensors")]
    [TestCase(new[] { "reproduce", "table-9.9", "--model", "m", "--dataset", "mnist", "--out", "x" }, "unknown table 'table-9.9'")]
    [TestCase(new[] { "merge", "/nonexistent/a.json", "--out", "x.json" }, "a.json")]
    [TestCase(new[] { "demo", "--count", "0" }, "--count must be >= 1")]
    public void BadArgumentsWithoutDataAlsoFailCleanly(string[] args, string expected)
    {
        var (code, _, error) = CliRunner.Run(args);
        Assert.That(code, Is.Not.Zero);
        Assert.That(error, Does.Contain(expected));
        Assert.That(error, Does.Not.Contain("   at "), "no stack trace");
    }

    [TestCase("table-5.1", 6)]
    [TestCase("table-5.2", 11)]
    public void ReproduceWritesEveryRunAndTheTable(string table, int runs)
    {
        string model = Model();
        string folder = Path.Combine(Dir, table);
        // Two images: Table 5.2 alone is 11 runs (I-FGSM and PGD over 10-11 budgets each).
        var (code, output, error) = CliRunner.Run("reproduce", table, "--model", model, "--dataset", "mnist", "--count", "2", "--batch", "2",
                                                  "--out", folder, "--data", Data);
        Assert.That(code, Is.Zero, error);
        var jsons = Directory.GetFiles(folder, "*.json");
        Assert.That(jsons, Has.Length.EqualTo(runs));
        foreach (string f in new[] { "summary.csv", "operating-characteristic.csv", "operating-characteristic.png", "adversarial-grid.png" })
            Assert.That(File.Exists(Path.Combine(folder, f)), Is.True, f);
        Assert.That(File.ReadAllLines(Path.Combine(folder, "summary.csv")), Has.Length.EqualTo(runs + 1));
        Assert.That(output, Does.Contain("thesis numbers: H. Zhang 2021"));
        if (table == "table-5.2")
        {
            Assert.That(jsons.Select(Path.GetFileName), Does.Contain("cw-5x20.json").And.Contain("cw-1x100.json").And.Contain("bp-100.json"));
            Assert.That(output, Does.Contain("  0.99   5.80   0.00"), "FGSM row of the thesis, MNIST column");
            Assert.That(AttackRunRecord.Load(Path.Combine(folder, "cw-1x100.json")).Iterations, Is.EqualTo(100));
        }
        else
        {
            Assert.That(jsons.Select(Path.GetFileName), Does.Contain("bp-20-rounding-at-end.json").And.Contain("bp-100-q_in-q_out.json"));
            Assert.That(AttackRunRecord.Load(Path.Combine(folder, "bp-20-rounding-at-end.json")).Options["rounding"], Is.EqualTo("AtEnd"));
        }
    }

    [Test]
    public void DemoRunsOnAGivenModel()
    {
        string model = Model();
        string folder = Path.Combine(Dir, "demo");
        var (code, output, error) = CliRunner.Run("demo", "--model", model, "--count", "20", "--out", folder, "--data", Data);
        Assert.That(code, Is.Zero, error);
        Assert.That(output, Does.Contain("accuracy").And.Contain("BP 20: P_suc").And.Contain("DDN 100: P_suc"));
        foreach (string f in new[] { "bp-20.json", "ddn-100.json", "operating-characteristic.png", "adversarial-grid.png" })
            Assert.That(File.Exists(Path.Combine(folder, f)), Is.True, f);
        Assert.That(AttackRunRecord.Load(Path.Combine(folder, "ddn-100.json")).Iterations, Is.EqualTo(100));
    }
}
