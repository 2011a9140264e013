using System.Diagnostics;
using System.Text.Json;
using AdvCore.Models;
using NUnit.Framework;

namespace AdvCore.Tests.Onnx;

/// <summary>
/// Models exported by PyTorch's own ONNX exporter import and classify like PyTorch: the
/// committed one (Onnx/Data/torch_small.onnx, made by make_torch_models.py with torch 1.13,
/// opset 13) always, and fresh exports at several opsets and reshape styles when python3 with
/// torch is installed (Debian: apt-get install python3-torch python3-onnx).
/// </summary>
public class TorchExportedModelTests
{
    private static readonly string DataDir = Path.Combine(AppContext.BaseDirectory, "Onnx", "Data");
    private static readonly Lazy<(string? Dir, string? Problem)> FreshExports = new(ExportWithTorch, LazyThreadSafetyMode.ExecutionAndPublication);

    // name:opset:flatten style:dynamic batch — the styles give Flatten, Shape→Gather→Concat→Reshape, constant Reshape, GlobalAveragePool.
    private static readonly string[] Specs =
        ["o7:7:flatten:1", "o9:9:view:1", "o11:11:view:0", "o13:13:gap:1", "o14:14:view:1", "o17:17:gap:0"];

    private Context _ctx = null!;

    [OneTimeSetUp]
    public void SetUp() => _ctx = Context.Create(Device.Cpu, threads: 1);

    [OneTimeTearDown]
    public void TearDown()
    {
        _ctx.Dispose();
        if (FreshExports.IsValueCreated && FreshExports.Value.Dir is { } dir) Directory.Delete(dir, recursive: true);
    }

    [Test]
    public void CommittedTorchModelClassifiesLikePyTorch() => CheckAgainstTorch(Path.Combine(DataDir, "torch_small.onnx"));

    [TestCase("o7")]
    [TestCase("o9")]
    [TestCase("o11")]
    [TestCase("o13")]
    [TestCase("o14")]
    [TestCase("o17")]
    public void FreshTorchExportClassifiesLikePyTorch(string name)
    {
        var (dir, problem) = FreshExports.Value;
        if (dir is null) Assert.Ignore(problem ?? "no PyTorch exports");
        string refused = Path.Combine(dir, name + ".error");
        if (File.Exists(refused)) Assert.Ignore(File.ReadAllText(refused));
        CheckAgainstTorch(Path.Combine(dir, name + ".onnx"));
    }

    private void CheckAgainstTorch(string onnxPath)
    {
        using var record = JsonDocument.Parse(File.ReadAllText(Path.ChangeExtension(onnxPath, ".json")));
        var root = record.RootElement;
        var x = root.GetProperty("input").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        var torchLogits = root.GetProperty("logits").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        var shape = root.GetProperty("input_shape").EnumerateArray().Select(v => v.GetInt32()).ToArray();

        using var model = ModelFile.Load(onnxPath, _ctx);
        Assert.That(model.Architecture.InputShape, Is.EqualTo(shape[1..]));
        var ours = OnnxReference.Logits(model.Network, x);
        var ort = OnnxReference.Logits(File.ReadAllBytes(onnxPath), x, shape);
        int k = model.Network.OutputClasses;
        double diff = OnnxReference.MaxAbsDiff(ours, torchLogits);
        TestContext.Out.WriteLine($"{Path.GetFileName(onnxPath)} (torch {root.GetProperty("torch")}, opset {root.GetProperty("opset")}, {root.GetProperty("flatten")}): " +
            $"max |dlogit| ours vs PyTorch {diff:G3}, ONNX Runtime vs PyTorch {OnnxReference.MaxAbsDiff(ort, torchLogits):G3}, " +
            $"{shape[0]} images, logits up to {torchLogits.Max(Math.Abs):G3}; classes {string.Join(" ", OnnxReference.Classes(ours, k))}");
        TestContext.Out.WriteLine(model.Network.Summary());
        Assert.That(diff, Is.LessThan(1e-4));
        Assert.That(OnnxReference.Classes(ours, k), Is.EqualTo(OnnxReference.Classes(torchLogits, k)));
    }

    /// <summary>Runs make_torch_models.py once for all <see cref="Specs"/>; null with the reason when python3 or torch is missing.</summary>
    private static (string? Dir, string? Problem) ExportWithTorch()
    {
        const string python = "/usr/bin/python3";
        if (!File.Exists(python)) return (null, $"{python} not found: PyTorch exports are checked only where python3-torch is installed");
        var dir = Directory.CreateTempSubdirectory("advcore-torch-onnx-").FullName;
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(DataDir, "make_torch_models.py"));
        start.ArgumentList.Add(dir);
        foreach (var spec in Specs) start.ArgumentList.Add(spec);
        start.Environment["OMP_NUM_THREADS"] = "1";
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3))) { process.Kill(); return (null, "the PyTorch export took over 3 minutes"); }
        if (process.ExitCode == 0) return (dir, null);
        string error = stderr.Result;
        Directory.Delete(dir, recursive: true);
        if (error.Contains("No module named 'torch'", StringComparison.Ordinal))
            return (null, "python3 has no torch module (apt-get install python3-torch python3-onnx): fresh PyTorch exports not checked");
        throw new InvalidOperationException($"make_torch_models.py failed: {error}");
    }
}
