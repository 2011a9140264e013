using System.Text.RegularExpressions;
using AdvCore.Evaluation;
using AdvCore.IO;
using NUnit.Framework;

namespace AdvCore.Tests.Cli;

/// <summary>
/// Interrupted runs keep their work: <c>attack</c>, <c>reproduce</c> and <c>train</c> are interrupted
/// (as by SIGINT) after N batches, exit with 130, leave a valid partial record and no side file, and
/// <c>--resume</c> gives the same files as an uninterrupted run (the records differ only in their
/// timing field <c>seconds</c>).
/// </summary>
public partial class InterruptResumeCliTests() : TinyModelCliTest("advcore-interrupt-cli-")
{
    private string[] AttackArgs(string folder) =>
        ["attack", "--model", Model(), "--dataset", "mnist", "--attack", "bp", "--iterations", "5", "--count", "40", "--batch", "10",
         "--out", Path.Combine(folder, "bp.json"), "--save-images", Path.Combine(folder, "bp.safetensors"),
         "--csv", Path.Combine(folder, "bp.csv"), "--grid", Path.Combine(folder, "grid.png"), "--data", Data];

    [Test]
    public void AnInterruptedAttackResumesToTheSameFiles()
    {
        string whole = Path.Combine(Dir, "whole"), parts = Path.Combine(Dir, "parts");
        var reference = CliRunner.Run(AttackArgs(whole));
        Assert.That(reference.Code, Is.Zero, reference.Error);

        var stopped = CliRunner.RunInterrupted("20/40 images", AttackArgs(parts));
        Assert.That(stopped.Code, Is.EqualTo(130), stopped.Error);
        Assert.That(stopped.Out, Does.Contain("interrupted after 20 of 40 images").And.Contain("continue with: advcore attack").And.Contain("--resume"));
        var partial = AttackRunRecord.Load(Path.Combine(parts, "bp.json"));
        Assert.That(partial.Count, Is.EqualTo(20), "two batches of 10 done, the third not started");
        Assert.That(Directory.GetFiles(parts).Select(Path.GetFileName), Is.EquivalentTo(new[] { "bp.json", "bp.json.partial-images.safetensors" }),
                    "no side file before the run is complete, no temporary file");

        var resumed = CliRunner.Run([.. AttackArgs(parts), "--resume"]);
        Assert.That(resumed.Code, Is.Zero, resumed.Error);
        Assert.That(resumed.Out, Does.Contain("resuming").And.Contain("20 of 40 images done"));
        foreach (string file in new[] { "bp.safetensors", "bp.csv", "grid.png" })
            Assert.That(File.ReadAllBytes(Path.Combine(parts, file)), Is.EqualTo(File.ReadAllBytes(Path.Combine(whole, file))), file);
        Assert.That(Comparable(parts, "bp.json"), Is.EqualTo(Comparable(whole, "bp.json")));
        Assert.That(File.Exists(Path.Combine(parts, "bp.json.partial-images.safetensors")), Is.False, "the side file goes once complete");
    }

    [Test]
    public void ResumeRefusesTheRecordOfAnotherRun()
    {
        string folder = Path.Combine(Dir, "other");
        var stopped = CliRunner.RunInterrupted("10/40 images", AttackArgs(folder));
        Assert.That(stopped.Code, Is.EqualTo(130), stopped.Error);
        string[] args = [.. AttackArgs(folder), "--resume"];
        args[Array.IndexOf(args, "5")] = "6"; // another iteration count
        var (code, _, error) = CliRunner.Run(args);
        Assert.That(code, Is.EqualTo(1));
        Assert.That(error, Does.Contain("--resume").And.Contain("is a run of bp 5").And.Contain("not of bp 6"));
        Assert.That(error.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
    }

    [Test]
    public void AnInterruptedReproduceResumesToTheSameRecords()
    {
        string whole = Path.Combine(Dir, "table-whole"), parts = Path.Combine(Dir, "table-parts");
        string[] Args(string folder) => ["reproduce", "table-5.1", "--model", Model(), "--dataset", "mnist", "--count", "4", "--batch", "2", "--out", folder, "--data", Data];
        var reference = CliRunner.Run(Args(whole));
        Assert.That(reference.Code, Is.Zero, reference.Error);

        // Interrupted in the first run of the table after its first batch.
        var stopped = CliRunner.RunInterrupted("2/4 images", Args(parts));
        Assert.That(stopped.Code, Is.EqualTo(130), stopped.Error);
        Assert.That(stopped.Out, Does.Contain("interrupted after 2 of 4 images").And.Contain("--resume"));
        Assert.That(File.Exists(Path.Combine(parts, "summary.csv")), Is.False, "the table's files wait for every run");

        var resumed = CliRunner.Run([.. Args(parts), "--resume"]);
        Assert.That(resumed.Code, Is.Zero, resumed.Error);
        var names = Directory.GetFiles(whole).Select(f => Path.GetFileName(f)).Order().ToList();
        Assert.That(Directory.GetFiles(parts).Select(f => Path.GetFileName(f)).Order(), Is.EqualTo(names), "the same files, no side file left");
        foreach (string name in names.Where(n => n.EndsWith(".json", StringComparison.Ordinal)))
            Assert.That(Comparable(parts, name), Is.EqualTo(Comparable(whole, name)), name);
        foreach (string name in new[] { "operating-characteristic.csv", "operating-characteristic.png", "adversarial-grid.png" })
            Assert.That(File.ReadAllBytes(Path.Combine(parts, name)), Is.EqualTo(File.ReadAllBytes(Path.Combine(whole, name))), name);
    }

    [Test]
    public void AnInterruptedTrainingKeepsTheLastEpochAndResumesToTheSameWeights()
    {
        string whole = Path.Combine(Dir, "train-whole.safetensors"), parts = Path.Combine(Dir, "train-parts.safetensors");
        string[] Args(string path) => ["train", "--model", "c4", "--dataset", "mnist", "--epochs", "2", "--max-images", "256", "--batch", "64",
                                       "--test-count", "50", "--out", path, "--data", Data];
        Model(); // the fixture's MNIST folder
        var reference = CliRunner.Run(Args(whole));
        Assert.That(reference.Code, Is.Zero, reference.Error);

        var stopped = CliRunner.RunInterrupted("epoch 1/2: loss", Args(parts));
        Assert.That(stopped.Code, Is.EqualTo(130), stopped.Error);
        Assert.That(stopped.Out, Does.Contain("interrupted in epoch 2").And.Contain("hold epoch 1 of 2").And.Contain("--resume"));
        Assert.That(SafeTensorFile.Read(parts).Metadata["training"], Does.Contain("\"epochs\":\"1\"").Or.Contain("\"epochs\": \"1\""));

        var resumed = CliRunner.Run([.. Args(parts), "--resume"]);
        Assert.That(resumed.Code, Is.Zero, resumed.Error);
        var a = SafeTensorFile.Read(whole);
        var b = SafeTensorFile.Read(parts);
        Assert.That(b.Names, Is.EquivalentTo(a.Names));
        foreach (string name in a.Names)
            Assert.That(b[name].ToFloat32(parts), Is.EqualTo(a[name].ToFloat32(whole)), name);
    }

    private static string WithoutSeconds(string path) => SecondsField().Replace(File.ReadAllText(path), "\"seconds\": _");

    // A record in `folder` with what may differ between the two runs masked: wall seconds, and the
    // output folder, the --resume flag and the creation time its provenance names. Everything else
    // must be equal.
    private static string Comparable(string folder, string name) =>
        CreatedField().Replace(ResumeOption().Replace(WithoutSeconds(Path.Combine(folder, name)).Replace(folder, "<out>"), "\"resume\": _"),
                               "\"created\": _");

    [GeneratedRegex("\"created\": \"[^\"]*\"")]
    private static partial Regex CreatedField();

    [GeneratedRegex("\"resume\": \"(true|false)\"")]
    private static partial Regex ResumeOption();

    [GeneratedRegex("\"seconds\": [-0-9.eE+]+")]
    private static partial Regex SecondsField();
}
