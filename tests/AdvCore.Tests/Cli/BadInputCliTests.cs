using AdvCore.Tests.Data;
using NUnit.Framework;

namespace AdvCore.Tests.Cli;

/// <summary>
/// Bad input files and options given to the command line: each gets exit 1 (or a warning) and one
/// line naming the file and the problem, never an unhandled exception or a stack trace.
/// </summary>
public class BadInputCliTests() : TinyModelCliTest("advcore-bad-input-cli-")
{
    // A CIFAR-10 data root whose test batch has a label of 12 in its second record.
    private string BadCifarRoot(string name, byte[] batch)
    {
        string root = Path.Combine(Dir, name);
        Directory.CreateDirectory(Path.Combine(root, "cifar10"));
        File.WriteAllBytes(Path.Combine(root, "cifar10", "test_batch.bin"), batch);
        return root;
    }

    private static void AssertOneLineError((int Code, string Out, string Error) run, params string[] expected)
    {
        Assert.That(run.Code, Is.EqualTo(1), run.Error);
        string[] lines = run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1), run.Error);
        Assert.That(lines[0], Does.StartWith("advcore: "));
        foreach (string part in expected) Assert.That(lines[0], Does.Contain(part));
        Assert.That(run.Error, Does.Not.Contain("   at ").And.Not.Contain("AggregateException"));
    }

    [TestCase("eval")]
    [TestCase("attack")]
    public void CifarBatchWithALabelOutOfRangeIsOneLine(string command)
    {
        string model = Model();
        string root = BadCifarRoot($"label-{command}", SyntheticFiles.CifarBatch(3, 12));
        string[] args = command == "eval"
            ? ["eval", "--model", model, "--dataset", "cifar10", "--data", root]
            : ["attack", "--model", model, "--dataset", "cifar10", "--attack", "bp", "--count", "2", "--out", Path.Combine(Dir, "a.json"), "--data", root];
        AssertOneLineError(CliRunner.Run(args), Path.Combine(root, "cifar10", "test_batch.bin"), "label 12 at index 1 is outside 0..9");
    }

    [Test]
    public void CifarBatchOfTheWrongLengthIsOneLine()
    {
        string model = Model();
        string root = BadCifarRoot("length", SyntheticFiles.CifarBatch(1, 2)[..^5]);
        AssertOneLineError(CliRunner.Run("eval", "--model", model, "--dataset", "cifar10", "--data", root),
                           "test_batch.bin", "is not a multiple of the 3073-byte record");
    }

    [Test]
    public void CorruptGzipDatasetIsReportedAsSuchNamingTheFile()
    {
        string model = Model();
        string mnist = Path.Combine(Dir, "corrupt-gzip", "mnist");
        Directory.CreateDirectory(mnist);
        byte[] images = SyntheticFiles.Gzip(SyntheticFiles.IdxImages(3, 28, 28));
        for (int i = 12; i < images.Length - 8; i++) images[i] ^= 0x5a;
        string imagesPath = Path.Combine(mnist, "t10k-images-idx3-ubyte.gz");
        File.WriteAllBytes(imagesPath, images);
        File.WriteAllBytes(Path.Combine(mnist, "t10k-labels-idx1-ubyte.gz"), SyntheticFiles.Gzip(SyntheticFiles.IdxLabels(1, 2, 3)));
        var run = CliRunner.Run("eval", "--model", model, "--dataset", "mnist", "--data", Path.GetDirectoryName(mnist)!);
        AssertOneLineError(run, imagesPath, "corrupt or truncated gzip file");
        Assert.That(run.Error, Does.Not.Contain("unsupported compression method"));
    }

    [TestCase("{\"attack\": \"bp\", \"iterations\": 10, \"images\": [{\"index\": 0,")]
    [TestCase("")]
    [TestCase("[1, 2, 3]")]
    public void MergeOfATruncatedOrForeignRecordIsOneLineNamingTheFile(string content)
    {
        string bad = Path.Combine(Dir, $"bad-record-{content.Length}.json");
        File.WriteAllText(bad, content);
        string merged = Path.Combine(Dir, "merged.json");
        AssertOneLineError(CliRunner.Run("merge", bad, "--out", merged), bad, "not an attack result record");
        Assert.That(File.Exists(merged), Is.False, "no output on failure");
    }

    [Test]
    public void ThreadsAboveTheCoreCountAreCappedWithAWarning()
    {
        string model = Model();
        int cores = Environment.ProcessorCount;
        var (code, output, error) = CliRunner.Run("eval", "--model", model, "--dataset", "mnist", "--count", "20", "--threads", "100000", "--data", Data);
        Assert.That(code, Is.Zero, error);
        Assert.That(error.Trim(), Is.EqualTo($"advcore: warning: --threads 100000 is more than the {cores} cores of this machine; using {cores}"));
        Assert.That(output, Does.Contain("accuracy"));

        var atCores = CliRunner.Run("eval", "--model", model, "--dataset", "mnist", "--count", "20", "--threads", cores.ToString(), "--data", Data);
        Assert.That(atCores.Code, Is.Zero, atCores.Error);
        Assert.That(atCores.Error, Does.Not.Contain("warning"));
    }
}
