using AdvCore.Evaluation;
using NUnit.Framework;

namespace AdvCore.Tests.Cli;

/// <summary><c>advcore reproduce smoothfool-table-1|2</c> on the small CNN: the runs, the files and the paper's rows beside ours.</summary>
public class SmoothFoolCliTests() : TinyModelCliTest("advcore-smoothfool-cli-")
{
    [Test]
    public void Table1RunsDeepFoolAndSmoothFoolAndPrintsThePaperRows()
    {
        string model = Model(), folder = Path.Combine(Dir, "t1");
        var (code, output, error) = CliRunner.Run("reproduce", "smoothfool-table-1", "--model", model, "--dataset", "mnist", "--count", "4", "--batch", "4",
            "--sigmas", "2", "--out", folder, "--data", Data);
        Assert.That(code, Is.Zero, error);
        Assert.That(output, Does.Contain("not the paper's").And.Contain("1-FC2").And.Contain("2-LeNet").And.Contain("Ω_n×10³"));
        Assert.That(File.Exists(Path.Combine(folder, "smoothfool-table-1.csv")) && File.Exists(Path.Combine(folder, "summary.csv")));
        var df = AttackRunRecord.Load(Path.Combine(folder, "deepfool.json"));
        var sf = AttackRunRecord.Load(Path.Combine(folder, "smoothfool-sigma-2.json"));
        Assert.That(sf.Options["sigma_g"], Is.EqualTo("2"));
        Assert.That(df.MeanOmegaN, Is.Not.Null);
        Assert.That(File.ReadAllLines(Path.Combine(folder, "smoothfool-table-1.csv")), Has.Length.EqualTo(3));
    }

    [Test]
    public void Table2PrintsPerClassRatesAndBadSigmasAreRefused()
    {
        string model = Model(), folder = Path.Combine(Dir, "t2");
        var (code, output, error) = CliRunner.Run("reproduce", "smoothfool-table-2", "--model", model, "--dataset", "mnist", "--count", "3", "--batch", "3",
            "--sigmas", "20", "--out", folder, "--data", Data);
        Assert.That(code, Is.Zero, error);
        Assert.That(output, Does.Contain("per-class fooling rate").And.Contain("CIFAR-10 only"));
        Assert.That(File.ReadAllLines(Path.Combine(folder, "smoothfool-table-2.csv")), Has.Length.EqualTo(12)); // header, 10 classes, all
        var (bad, _, message) = CliRunner.Run("reproduce", "smoothfool-table-1", "--model", model, "--dataset", "mnist", "--count", "2",
            "--sigmas", "2,-1", "--out", folder, "--data", Data);
        Assert.That(bad, Is.Not.Zero);
        Assert.That(message, Does.Contain("--sigmas"));
    }
}
