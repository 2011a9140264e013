using NUnit.Framework;

namespace AdvCore.Tests.Cli;

/// <summary><c>advcore smooth eval</c> and <c>advcore certify</c> on the small CNN: a real run, resume, bad options.</summary>
public class SmoothingCliTests() : TinyModelCliTest("advcore-smoothing-cli-")
{
    [Test]
    public void CertifyWritesOneLinePerImageAndResumes()
    {
        string model = Model(), jsonl = Path.Combine(Dir, "cert.jsonl"), png = Path.Combine(Dir, "cert.png");
        string[] args = ["certify", "--model", model, "--data", Data, "--sigma", "0.25", "--n", "200", "--n0", "20", "--quiet", "--out", jsonl];
        var (code, output, error) = CliRunner.Run([.. args, "--count", "2"]);
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(File.ReadAllLines(jsonl), Has.Length.EqualTo(2));
        string firstTwo = File.ReadAllText(jsonl);
        (code, output, error) = CliRunner.Run([.. args, "--count", "3", "--chart", png]);
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(File.ReadAllText(jsonl), Does.StartWith(firstTwo), "resumed: the first two lines are kept");
        Assert.That(File.ReadAllLines(jsonl), Has.Length.EqualTo(3));
        Assert.That(output, Does.Contain("3 images").And.Contain("certified accuracy"));
        Assert.That(new FileInfo(png).Length, Is.GreaterThan(1000));
        var (c2, _, e2) = CliRunner.Run(["certify", "--model", model, "--data", Data, "--sigma", "0.5", "--n", "200", "--out", jsonl]);
        Assert.That(c2, Is.EqualTo(1));
        Assert.That(e2, Does.Contain("holds certificates of σ 0.25"));
    }

    [Test]
    public void AnInterruptedCertifyKeepsItsLinesAndTheSameCommandFinishesIt()
    {
        string whole = Path.Combine(Dir, "cert-whole.jsonl"), parts = Path.Combine(Dir, "cert-parts.jsonl");
        string[] Args(string jsonl) => ["certify", "--model", Model(), "--data", Data, "--sigma", "0.25", "--n", "300", "--n0", "20", "--count", "6", "--out", jsonl];
        var reference = CliRunner.Run(Args(whole));
        Assert.That(reference.Code, Is.Zero, reference.Error);

        var stopped = CliRunner.RunInterrupted("2/6 images", Args(parts));
        Assert.That(stopped.Code, Is.EqualTo(130), stopped.Error);
        Assert.That(stopped.Out, Does.Contain("interrupted after 2 of 6 images").And.Contain("continue with: advcore certify"));
        Assert.That(stopped.Out, Does.Not.Contain("--resume"), "certify resumes from its own --out");
        Assert.That(File.ReadAllLines(parts), Has.Length.EqualTo(2), "the image after the signal is not started");

        var resumed = CliRunner.Run(Args(parts));
        Assert.That(resumed.Code, Is.Zero, resumed.Error);
        Assert.That(File.ReadAllLines(parts).Select(WithoutTiming), Is.EqualTo(File.ReadAllLines(whole).Select(WithoutTiming)),
                    "the same certificates as an uninterrupted run (noise drawn per image)");
        Assert.That(resumed.Out.Split('\n').Last(l => l.Contains("certified accuracy")),
                    Is.EqualTo(reference.Out.Split('\n').Last(l => l.Contains("certified accuracy"))));
    }

    [Test]
    public void CertifyRefusesAnUnwritableChartBeforeWork()
    {
        string blocker = Path.Combine(Dir, "plain-file");
        File.WriteAllText(blocker, "x");
        string jsonl = Path.Combine(Dir, "never-written.jsonl");
        var (code, _, error) = CliRunner.Run("certify", "--model", Model(), "--data", Data, "--sigma", "0.25", "--n", "100", "--count", "1",
                                             "--out", jsonl, "--chart", Path.Combine(blocker, "c.png"));
        Assert.That(code, Is.EqualTo(3), error);
        Assert.That(error, Does.Contain("--chart").And.Contain("is a file, not a folder"));
        Assert.That(File.Exists(jsonl), Is.False, "refused before the first certificate");
    }

    // A certificate line less its wall-time field.
    private static string WithoutTiming(string line) => System.Text.RegularExpressions.Regex.Replace(line, "\"Seconds\":[^,}]*", "");

    [Test]
    public void SmoothEvalReportsCleanAndAttackedAccuracy()
    {
        var (code, output, error) = CliRunner.Run("smooth", "eval", "--model", Model(), "--data", Data, "--sigma", "0.1", "--samples", "3",
                                                  "--vote", "soft", "--count", "20", "--attack", "epgd", "--iterations", "2");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain("clean accuracy").And.Contain("under epgd"));
    }

    [Test]
    public void AnInterruptedSmoothedInferenceSweepResumesToTheSameCells()
    {
        string whole = Path.Combine(Dir, "si-whole"), parts = Path.Combine(Dir, "si-parts");
        string[] Args(string folder) => ["reproduce", "smoothed-inference", "--model", Model(), "--dataset", "mnist", "--data", Data, "--count", "12", "--batch", "6",
                                         "--sigmas", "0,0.3", "--samples", "1,2", "--iterations", "2", "--out", folder];
        var reference = CliRunner.Run(Args(whole));
        Assert.That(reference.Code, Is.Zero, reference.Error);
        Assert.That(reference.Out, Does.Contain("prediction voting, best accuracy over σ by m"));
        Assert.That(File.ReadAllLines(Path.Combine(whole, "cells.jsonl")), Has.Length.EqualTo(2 * 2 * 3 * 3));
        foreach (string condition in new[] { "clean", "pgd", "epgd" })
            Assert.That(new FileInfo(Path.Combine(whole, $"accuracy-vs-sigma-{condition}-soft.png")).Length, Is.GreaterThan(1000));

        // Stopped after the fourth cell's line: the finished cells stay, and --resume completes the rest.
        var stopped = CliRunner.RunInterrupted("σ 0 m 1 soft pgd: accuracy", Args(parts));
        Assert.That(stopped.Code, Is.EqualTo(130), stopped.Error);
        Assert.That(stopped.Out, Does.Contain("continue with").And.Contain("--resume"));
        Assert.That(File.ReadAllLines(Path.Combine(parts, "cells.jsonl")), Has.Length.EqualTo(5));
        var resumed = CliRunner.Run([.. Args(parts), "--resume"]);
        Assert.That(resumed.Code, Is.Zero, resumed.Error);
        Assert.That(resumed.Out, Does.Contain("5 already done"));
        Assert.That(Cells(parts), Is.EqualTo(Cells(whole)), "the same accuracies as the uninterrupted sweep");

        var other = CliRunner.Run([.. Args(parts), "--resume", "--seed", "3"]);
        Assert.That(other.Code, Is.EqualTo(1));
        Assert.That(other.Error, Does.Contain("holds cells of other settings"));
    }

    // Every cell's grid point and count of correct images (wall time masked).
    private static List<string> Cells(string folder) =>
        [.. File.ReadAllLines(Path.Combine(folder, "smoothed-inference.csv")).Select(l => string.Join(',', l.Split(',')[..7]))];

    [TestCase("smooth eval --sigma -1", "sigma must be a finite number >= 0")]
    [TestCase("smooth eval --samples 0", "samples must be >= 1")]
    [TestCase("smooth eval --vote max", "unknown vote 'max'")]
    [TestCase("certify --sigma 0.25 --alpha 1.5", "--alpha must be in (0, 1)")]
    [TestCase("certify --sigma 0", "--sigma must be > 0")]
    public void BadOptionsAreOneLine(string command, string expected)
    {
        string[] args = command.Split(' ');
        if (args[0] == "certify") args = [.. args, "--out", Path.Combine(Dir, "never.jsonl")];
        var (code, _, error) = CliRunner.Run([.. args, "--model", Model(), "--data", Data]);
        Assert.That(code, Is.EqualTo(1), error);
        Assert.That(error, Does.Contain(expected));
        Assert.That(error.TrimEnd().Split('\n'), Has.Length.EqualTo(1), error);
    }
}
