using AdvCore.Models;
using AdvCore.Tests.Onnx;
using NUnit.Framework;

namespace AdvCore.Tests.Cli;

/// <summary>
/// <c>advcore export --onnx</c> and <c>advcore import</c> on the small trained MNIST CNN: ONNX
/// Runtime agrees with us on real test images, every command reads the .onnx file, and importing
/// it back gives the same logits.
/// </summary>
public class OnnxCliTests() : TinyModelCliTest("advcore-onnx-cli-")
{
    [Test]
    public void ExportedModelAgreesWithOnnxRuntimeOnRealImagesAndImportsBack()
    {
        string model = Model();
        string onnx = Path.Combine(Dir, "tiny.onnx");
        var export = CliRunner.Run("export", "--model", model, "--onnx", onnx);
        Assert.That(export.Code, Is.Zero, export.Error);
        Assert.That(export.Out, Does.StartWith($"{onnx}: tiny-c4, input [N, 1, 28, 28], 10 classes"));

        var images = Trained.TestImages;
        int n = images.Length / 784;
        var ours = OnnxReference.Logits(Trained.Network, images);
        var ort = OnnxReference.Logits(File.ReadAllBytes(onnx), images, [n, 1, 28, 28]);
        double diff = OnnxReference.MaxAbsDiff(ours, ort);
        TestContext.Out.WriteLine($"tiny-c4 (trained): ours -> ONNX -> ONNX Runtime, max |dlogit| = {diff:G3} over {n} MNIST test images (logits up to {ours.Max(Math.Abs):G3})");
        Assert.That(diff, Is.LessThan(1e-4));
        Assert.That(OnnxReference.Classes(ort, 10), Is.EqualTo(Trained.TestPredictions));

        var eval = CliRunner.Run("eval", "--model", onnx, "--dataset", "mnist", "--count", "200", "--data", Data, "--threads", "1");
        Assert.That(eval.Code, Is.Zero, eval.Error);
        Assert.That(eval.Out, Does.Contain($"accuracy {Trained.Accuracy:F4}"), "the .onnx file evaluates like the model it came from");

        string back = Path.Combine(Dir, "back.safetensors");
        var import = CliRunner.Run("import", "--onnx", onnx, "--out", back, "--name", "tiny-again");
        Assert.That(import.Code, Is.Zero, import.Error);
        Assert.That(import.Out, Does.Contain("tiny-again, input [1x28x28], 10 classes"));
        // On the trained network's own context (same threads, so the same summation order): bit for bit.
        using var loaded = ModelFile.Load(back, Trained.Context);
        Assert.That(OnnxReference.Logits(loaded.Network, images), Is.EqualTo(ours));
        Assert.That(loaded.Training, Does.Contain("\"imported_from\":\"tiny.onnx\""));
    }

    [Test]
    public void BadOnnxFilesGetOneClearLine()
    {
        string junk = Path.Combine(Dir, "junk.onnx");
        File.WriteAllText(junk, "not a model");
        foreach (var args in new[]
        {
            new[] { "import", "--onnx", junk, "--out", Path.Combine(Dir, "x.safetensors") },
            ["info", "--model", junk],
            ["export", "--model", junk, "--onnx", Path.Combine(Dir, "y.onnx")],
        })
        {
            var (code, _, error) = CliRunner.Run(args);
            Assert.That(code, Is.EqualTo(1), string.Join(" ", args));
            Assert.That(error, Does.StartWith($"advcore: {junk}: not a valid ONNX model"), string.Join(" ", args));
            Assert.That(error.TrimEnd().Split('\n'), Has.Length.EqualTo(1), "one line, no stack trace");
        }
        var wrong = CliRunner.Run("export", "--model", junk, "--onnx", Path.Combine(Dir, "y.bin"));
        Assert.That(wrong.Error, Does.Contain("--onnx must name a .onnx file"));
    }
}
