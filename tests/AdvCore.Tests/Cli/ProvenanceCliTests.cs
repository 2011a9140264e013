using System.Text.Json;
using NUnit.Framework;

namespace AdvCore.Tests.Cli;

/// <summary>
/// What the tool says about itself: the usage line, the attack table in <c>attack --help</c>, the
/// command and full option set in every JSON it writes, and the demo's offline Fashion-MNIST fallback.
/// </summary>
public class ProvenanceCliTests() : TinyModelCliTest("advcore-provenance-cli-")
{
    [Test]
    public void UsageLineSaysAdvcore()
    {
        var (code, output, _) = CliRunner.Run("--help");
        Assert.That(code, Is.Zero);
        Assert.That(output, Does.Contain("  advcore [command] [options]").And.Not.Contain("AdvCore.Cli"));
        Assert.That(CliRunner.Run("eval", "--help").Out, Does.Contain("  advcore eval [options]"));
    }

    [Test]
    public void AttackHelpListsThesisIterationsAndParamKeys()
    {
        var (code, output, _) = CliRunner.Run("attack", "--help");
        Assert.That(code, Is.Zero);
        foreach (var a in AdvCore.Attacks.AttackRegistry.All) Assert.That(output, Does.Contain($"  {a.Name,-10} "), a.Name);
        // Thesis §5.3.1: BP and DDN at 20, DeepFool at most 50; keys are the options' kebab-case names.
        Assert.That(output, Does.Match(@"\n\s+bp\s+20 / 20\s+alpha, beta-min, gamma-min, iterations"));
        Assert.That(output, Does.Match(@"\n\s+deepfool\s+50 / 50\s+max-iterations, overshoot"));
        Assert.That(output, Does.Match(@"\n\s+cw\s+20 / 20\s+schedule=5x20\|1x100"));
        Assert.That(output, Does.Match(@"\n\s+fgsm\s+—\s+epsilons"));
    }

    [Test]
    public void AttackAndEvalJsonCarryVersionDeviceThreadsSeedAndEveryOption()
    {
        string model = Model(), json = Path.Combine(Dir, "fgsm.json"), eval = Path.Combine(Dir, "eval.json");
        var (code, _, error) = CliRunner.Run("attack", "--model", model, "--dataset", "mnist", "--attack", "fgsm", "--count", "12",
            "--batch", "5", "--threads", "1", "--param", "epsilons=0.3", "--out", json, "--data", Data);
        Assert.That(code, Is.Zero, error);
        using (var doc = JsonDocument.Parse(File.ReadAllText(json)))
        {
            var run = doc.RootElement.GetProperty("run");
            Assert.That(run.GetProperty("version").GetString(), Is.EqualTo(AdvCore.Evaluation.RunProvenance.LibraryVersion));
            Assert.That((run.GetProperty("device").GetString(), run.GetProperty("threads").GetInt32()), Is.EqualTo(("cpu", 1)));
            Assert.That(run.TryGetProperty("seed", out _), Is.True);
            Assert.That(run.GetProperty("command").GetString(), Is.EqualTo("advcore attack"));
            var settings = run.GetProperty("settings");
            Assert.That(settings.GetProperty("count").GetString(), Is.EqualTo("12"));
            Assert.That(settings.GetProperty("batch").GetString(), Is.EqualTo("5"));
            Assert.That(settings.GetProperty("param").GetString(), Is.EqualTo("epsilons=0.3"));
            Assert.That(settings.GetProperty("no-quantize").GetString(), Is.EqualTo("false"));
            Assert.That(settings.GetProperty("start").GetString(), Is.EqualTo("0"), "defaults are recorded too");
            Assert.That(doc.RootElement.GetProperty("options").GetProperty("epsilons").GetString(), Is.EqualTo("0.3"));
        }
        (code, _, error) = CliRunner.Run("eval", "--model", model, "--dataset", "mnist", "--count", "50", "--threads", "1", "--json", eval, "--data", Data);
        Assert.That(code, Is.Zero, error);
        using var report = JsonDocument.Parse(File.ReadAllText(eval));
        var evalRun = report.RootElement.GetProperty("run");
        Assert.That(evalRun.GetProperty("command").GetString(), Is.EqualTo("advcore eval"));
        Assert.That(evalRun.GetProperty("settings").GetProperty("count").GetString(), Is.EqualTo("50"));
    }

    [Test]
    public void DemoFallsBackToFashionMnistOfflineAndSaysSo()
    {
        const string fashion = "/usr/share/datasets/fashion-mnist";
        if (!Directory.Exists(fashion)) Assert.Ignore($"{fashion} missing (Debian's dataset-fashion-mnist)");
        string model = Model(), empty = Directory.CreateDirectory(Path.Combine(Dir, "no-data")).FullName;
        string? savedData = Environment.GetEnvironmentVariable("ADVCORE_DATA"), savedHome = Environment.GetEnvironmentVariable("HOME");
        try
        {
            // Nowhere to find MNIST: not in --data, ADVCORE_DATA or the (empty) cache; --offline forbids the download.
            Environment.SetEnvironmentVariable("ADVCORE_DATA", empty);
            Environment.SetEnvironmentVariable("HOME", empty);
            var (code, output, error) = CliRunner.Run("demo", "--offline", "--model", model, "--count", "4", "--threads", "1", "--out", Path.Combine(Dir, "demo"));
            Assert.That(code, Is.Zero, error);
            Assert.That(output, Does.Contain($"falling back to Fashion-MNIST from {fashion}"));
            Assert.That(output, Does.Contain("on fashion-mnist test: accuracy"));
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir, "demo", "bp-20.json")));
            Assert.That(doc.RootElement.GetProperty("dataset").GetString(), Is.EqualTo("fashion-mnist"));
            Assert.That(doc.RootElement.GetProperty("run").GetProperty("command").GetString(), Is.EqualTo("advcore demo"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("ADVCORE_DATA", savedData);
            Environment.SetEnvironmentVariable("HOME", savedHome);
        }
    }
}
