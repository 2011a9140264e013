using NUnit.Framework;

namespace AdvCore.Tests.Cli;

public class TrainEvalInfoTests
{
    private string _dir = null!;

    [OneTimeSetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("advcore-cli-").FullName;

    [OneTimeTearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    [TestCase(new[] { "train", "--model", "c5", "--dataset", "mnist", "--out", "x" }, "unknown model 'c5'")]
    [TestCase(new[] { "train", "--model", "c4", "--dataset", "mnist", "--epochs", "0", "--out", "x" }, "epochs must be >= 1")]
    [TestCase(new[] { "train", "--model", "c4", "--dataset", "svhn", "--out", "x" }, "svhn")]
    [TestCase(new[] { "train", "--model", "c4", "--dataset", "mnist" }, "--out")]
    [TestCase(new[] { "eval", "--model", "/nonexistent/m.safetensors", "--dataset", "mnist" }, "m.safetensors")]
    [TestCase(new[] { "info", "--model", "/nonexistent/m.safetensors" }, "m.safetensors")]
    [TestCase(new[] { "train", "--model", "c4", "--dataset", "mnist", "--out", "x", "--device", "tpu" }, "unknown device 'tpu'")]
    [TestCase(new[] { "train", "--model", "c4", "--dataset", "mnist", "--out", "x", "--lr-schedule", "step" }, "learning-rate schedule must be one of constant, cosine (got 'step')")]
    public void BadArgumentsGetOneClearLineAndANonZeroExit(string[] args, string expected)
    {
        var (code, _, error) = CliRunner.Run(args);
        Assert.That(code, Is.Not.Zero);
        Assert.That(error, Does.Contain(expected));
        Assert.That(error, Does.Not.Contain("   at "), "no stack trace");
    }

    [Test]
    public void TrainThenInfoThenEvalOnRealMnist()
    {
        string? data = CliRunner.DataRoot();
        if (data is null) Assert.Ignore("ADVCORE_DATA with mnist/ is not set");
        string model = Path.Combine(_dir, "c4.safetensors");
        var train = CliRunner.Run("train", "--model", "c4", "--dataset", "mnist", "--epochs", "1", "--max-images", "512",
                                  "--batch", "64", "--out", model, "--data", data!);
        Assert.That(train.Code, Is.Zero, train.Error);
        Assert.That(File.Exists(model) && File.Exists(model + ".ckpt"), Is.True);
        Assert.That(train.Out, Does.Contain("epoch 1/1: loss"));

        var info = CliRunner.Run("info", "--model", model);
        Assert.That(info.Code, Is.Zero, info.Error);
        Assert.That(info.Out, Does.Contain("710218 parameters, 8586496 MACs per image"));
        using (var context = Context.Create(Device.Cpu, threads: 1))
        using (var loaded = AdvCore.Models.ModelFile.Load(model, context))
        {
            // The training record says how the weights were made, as every result's run section does.
            var training = System.Text.Json.JsonDocument.Parse(loaded.Training!).RootElement;
            Assert.That(training.GetProperty("version").GetString(), Is.EqualTo(AdvCore.Evaluation.RunProvenance.LibraryVersion));
            Assert.That(training.GetProperty("device").GetString(), Is.EqualTo("cpu"));
            Assert.That(int.Parse(training.GetProperty("threads").GetString()!), Is.GreaterThan(0));
        }

        string json = Path.Combine(_dir, "eval.json");
        var eval = CliRunner.Run("eval", "--model", model, "--dataset", "mnist", "--count", "300", "--json", json, "--data", data!);
        Assert.That(eval.Code, Is.Zero, eval.Error);
        Assert.That(File.ReadAllText(json), Does.Contain("\"count\": 300"));

        // A finished run resumed asks for nothing more and leaves the model as it was.
        byte[] before = File.ReadAllBytes(model);
        var resumed = CliRunner.Run("train", "--model", "c4", "--dataset", "mnist", "--epochs", "1", "--max-images", "512",
                                    "--batch", "64", "--out", model, "--data", data!, "--resume");
        Assert.That(resumed.Code, Is.Zero, resumed.Error);
        Assert.That(resumed.Out, Does.Contain("resuming from"));
        Assert.That(File.ReadAllBytes(model), Is.EqualTo(before));

        // A larger --epochs extends the finished run; any other changed option is refused.
        var extended = CliRunner.Run("train", "--model", "c4", "--dataset", "mnist", "--epochs", "2", "--max-images", "512",
                                     "--batch", "64", "--out", model, "--data", data!, "--resume", "--test-count", "200");
        Assert.That(extended.Code, Is.Zero, extended.Error);
        Assert.That(extended.Out, Does.Contain("after epoch 1 of 2"));
        Assert.That(extended.Out, Does.Contain("epoch 2/2: loss"));
        Assert.That(File.ReadAllBytes(model), Is.Not.EqualTo(before));
        var changed = CliRunner.Run("train", "--model", "c4", "--dataset", "mnist", "--epochs", "3", "--max-images", "512",
                                    "--batch", "64", "--out", model, "--data", data!, "--resume", "--lr", "0.01");
        Assert.That(changed.Code, Is.Not.Zero);
        Assert.That(changed.Error, Does.Contain("other options"));
    }
}
