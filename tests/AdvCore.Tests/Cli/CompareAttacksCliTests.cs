using System.Text.Json;
using AdvCore.Evaluation;
using AdvCore.Tests.Attacks;
using NUnit.Framework;

namespace AdvCore.Tests.Cli;

/// <summary><c>advcore compare-attacks</c> on the small CNN of <see cref="TrainedMnistModel"/> saved as a model file.</summary>
public class CompareAttacksCliTests() : TinyModelCliTest("advcore-compare-cli-")
{
    [Test]
    public void ComparesTheAttacksAndWritesEveryFile()
    {
        string model = Model();
        string folder = Path.Combine(Dir, "cmp");
        string[] attacks = ["ddn", "bp", "cw", "deepfool", "pgd2"];
        var (code, output, error) = CliRunner.Run("compare-attacks", "--model", model, "--dataset", "mnist", "--budget", "60", "--count", "16",
                                                  "--batch", "8", "--attacks", string.Join(",", attacks), "--out", folder, "--data", Data);
        TestContext.Out.WriteLine(output);
        Assert.That(code, Is.Zero, error);
        Assert.That(output, Does.Contain("optimality").And.Contain("median L2").And.Contain("ε_max").And.Contain("distance per image: min(returned"));
        foreach (string a in attacks) Assert.That(File.Exists(Path.Combine(folder, a + ".json")), Is.True, a);
        var csv = File.ReadAllLines(Path.Combine(folder, "comparison.csv"));
        Assert.That(csv, Has.Length.EqualTo(attacks.Length + 1));
        Assert.That(csv[0], Is.EqualTo(AttackComparisonResult.CsvHeader));
        Assert.That(File.ReadAllBytes(Path.Combine(folder, "robust-accuracy.png")).Take(4), Is.EqualTo(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }));

        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "comparison.json")));
        var root = doc.RootElement;
        Assert.That(root.GetProperty("budget").GetInt64(), Is.EqualTo(60));
        Assert.That(root.GetProperty("count").GetInt32(), Is.EqualTo(16));
        var entries = root.GetProperty("entries");
        Assert.That(entries.GetArrayLength(), Is.EqualTo(attacks.Length));
        Assert.That(entries.EnumerateArray().Select(e => e.GetProperty("attack").GetString()), Is.EqualTo(attacks));
        var optimalities = entries.EnumerateArray().Select(e => e.GetProperty("optimality").GetDouble()).ToList();
        Assert.That(optimalities, Has.All.InRange(0.0, 1.0));
        Assert.That(entries.EnumerateArray().Select(e => e.GetProperty("max_propagations").GetInt64()), Has.All.LessThanOrEqualTo(60));
        // The records say what they ran with: DDN 29 iterations at 60 propagations.
        var ddn = AttackRunRecord.Load(Path.Combine(folder, "ddn.json"));
        Assert.That(ddn.Iterations, Is.EqualTo(29));
        Assert.That(ddn.Images.Where(i => i.Success).Select(i => i.QueryBestL2), Has.All.Not.Null);
    }

    [Test]
    public void AnAttackThatDoesNotFitIsReportedAndSkipped()
    {
        string model = Model();
        string folder = Path.Combine(Dir, "skip");
        var (code, output, error) = CliRunner.Run("compare-attacks", "--model", model, "--dataset", "mnist", "--budget", "12", "--count", "6",
                                                  "--attacks", "cw,ddn", "--out", folder, "--data", Data);
        Assert.That(code, Is.EqualTo(1));
        Assert.That(error, Does.Contain("cw failed: cw does not fit the budget of 12"));
        Assert.That(error, Does.Not.Contain("   at "));
        Assert.That(File.Exists(Path.Combine(folder, "ddn.json")), Is.True);
        Assert.That(File.Exists(Path.Combine(folder, "cw.json")), Is.False);
        Assert.That(File.ReadAllLines(Path.Combine(folder, "comparison.csv")), Has.Length.EqualTo(2));
        Assert.That(output, Does.Contain("DDN"));
    }

    [TestCase(new[] { "--attacks", "zoo" }, "unknown attack 'zoo' (expected one of")]
    [TestCase(new[] { "--attacks", "fgsm" }, "attack 'fgsm' is neither a minimum-norm attack nor a budgeted L2 attack")]
    [TestCase(new[] { "--attacks", "ddn,DDN" }, "attack 'ddn' is listed twice")]
    [TestCase(new[] { "--budget", "0" }, "--budget must be >= 1")]
    [TestCase(new[] { "--count", "0" }, "--count must be >= 1")]
    public void BadArgumentsGetOneClearLine(string[] args, string expected)
    {
        string model = Model();
        string folder = Path.Combine(Dir, "never");
        string[] common = ["compare-attacks", "--model", model, "--dataset", "mnist", "--out", folder, "--data", Data];
        if (!args.Contains("--budget")) common = [.. common, "--budget", "60"];
        var (code, _, error) = CliRunner.Run([.. common, .. args]);
        Assert.That(code, Is.Not.Zero);
        Assert.That(error, Does.Contain(expected));
        Assert.That(error.TrimEnd().Split('\n'), Has.Length.EqualTo(1), error);
        Assert.That(Directory.Exists(folder), Is.False);
    }
}
