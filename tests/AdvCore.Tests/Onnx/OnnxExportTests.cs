using AdvCore.Models;
using AdvCore.Nn;
using AdvCore.Onnx;
using NUnit.Framework;

namespace AdvCore.Tests.Onnx;

/// <summary>
/// Every zoo architecture (and one that holds every layer kind) exported to ONNX runs the same in
/// ONNX Runtime as here, and imports back into the same network.
/// </summary>
public class OnnxExportTests
{
    private Context _ctx = null!;

    [OneTimeSetUp]
    public void SetUp() => _ctx = Context.Create(Device.Cpu, threads: 1, seed: 3);

    [OneTimeTearDown]
    public void TearDown() => _ctx.Dispose();

    /// <summary>Every layer kind and setting the exporter writes: explicit and 'same' padding, bounded ReLU, padded pools, batch norm on maps and on features, nested residuals, dropout, a bias-free linear layer; a non-square input.</summary>
    internal static ModelArchitecture AllLayers() => new("all-layers", [2, 13, 11], 5,
    [
        new Conv2dLayer(6, 3, 1, Padding.Explicit(1, 2, 0, 1)), ActivationLayer.BoundedReLU(1.5f),
        new MaxPoolLayer(3, 2, 1), new BatchNormLayer(0.2f, 1e-3f), ActivationLayer.LeakyReLU(0.05f),
        new AvgPoolLayer(3, 1, 1),
        new ResidualLayer(new Conv2dLayer(6, 3, 1, Padding.Same), ActivationLayer.ReLU(),
            new ResidualLayer(new Conv2dLayer(6, 1, 1, Padding.Valid, Bias: false))),
        new DropoutLayer(0.3f),
        new Conv2dLayer(8, 3, 2, Padding.Same), ActivationLayer.ReLU(),
        new GlobalAvgPoolLayer(),
        new LinearLayer(12), new BatchNormLayer(), ActivationLayer.ReLU(),
        new LinearLayer(5, Bias: false),
    ]);

    private static ModelArchitecture Architecture(string name) =>
        name == "all-layers" ? AllLayers() : ModelZoo.Create(name, name == "cifar9" ? [3, 32, 32] : [1, 28, 28]);

    [TestCase("c4")]
    [TestCase("cifar9")]
    [TestCase("resnet-mnist")]
    [TestCase("all-layers")]
    public void ExportedModelGivesOnnxRuntimeTheSameLogits(string name)
    {
        var arch = Architecture(name);
        using var network = Network.Build(_ctx, arch.InputShape, arch.Layers, seed: 21);
        OnnxReference.Randomize(network, 5);
        byte[] onnx = OnnxExport.ToBytes(arch, network);

        const int n = 3;
        var x = OnnxReference.Uniform(n * arch.InputShape.Aggregate(1, (a, d) => a * d), 8);
        var ours = OnnxReference.Logits(network, x);
        var ort = OnnxReference.Logits(onnx, x, [n, .. arch.InputShape]);
        double diff = OnnxReference.MaxAbsDiff(ours, ort);
        TestContext.Out.WriteLine($"{name}: ours -> ONNX -> ONNX Runtime, max |dlogit| = {diff:G3} over {n} random images (logits up to {ours.Max(Math.Abs):G3})");
        Assert.That(diff, Is.LessThan(1e-4));
    }

    [TestCase("c4")]
    [TestCase("cifar9")]
    [TestCase("resnet-mnist")]
    [TestCase("all-layers")]
    public void ExportedModelImportsBackToTheSameNetwork(string name)
    {
        var arch = Architecture(name);
        using var network = Network.Build(_ctx, arch.InputShape, arch.Layers, seed: 22);
        OnnxReference.Randomize(network, 6);
        byte[] onnx = OnnxExport.ToBytes(arch, network, training: "{\"epochs\":\"3\"}");

        var (imported, state, training) = OnnxImport.Read(onnx, name + ".onnx");
        using var back = Network.Build(_ctx, imported.InputShape, imported.Layers, seed: 99);
        back.LoadState(state);
        var x = OnnxReference.Uniform(2 * arch.InputShape.Aggregate(1, (a, d) => a * d), 9);
        var ours = OnnxReference.Logits(network, x);
        var again = OnnxReference.Logits(back, x);
        TestContext.Out.WriteLine($"{name}: ours -> ONNX -> ours, max |dlogit| = {OnnxReference.MaxAbsDiff(ours, again):G3}");
        // 'same' comes back as the explicit padding it resolves to: the same kernels run, bit for bit.
        Assert.That(again, Is.EqualTo(ours));
        Assert.That(imported.Name, Is.EqualTo(arch.Name));
        Assert.That(imported.Classes, Is.EqualTo(arch.Classes));
        Assert.That(imported.InputShape, Is.EqualTo(arch.InputShape));
        Assert.That(training, Is.EqualTo("{\"epochs\":\"3\"}"));
        Assert.That(state.Keys, Is.EquivalentTo(network.GetState().Keys), "the state_dict names survive");
        Assert.That(Kinds(imported.Layers), Is.EqualTo(Kinds(arch.Layers)), "the same layer kinds in the same order");
    }

    private static List<string> Kinds(IReadOnlyList<LayerSpec> layers) =>
        layers.SelectMany(l => l is ResidualLayer r ? ["residual[", .. Kinds(r.Body), "]"] : new[] { l.GetType().Name }).ToList();

    [Test]
    public void SaveOnnxWritesAFileModelFileLoads()
    {
        var arch = ModelZoo.C4([1, 28, 28]);
        using var network = Network.Build(_ctx, arch.InputShape, arch.Layers, seed: 4);
        var path = Path.Combine(Path.GetTempPath(), $"advcore-onnx-{Guid.NewGuid():N}.onnx");
        try
        {
            ModelFile.SaveOnnx(path, arch, network);
            using var loaded = ModelFile.Load(path, _ctx);
            Assert.That(ModelFile.ReadArchitecture(path).Name, Is.EqualTo("c4"));
            var x = OnnxReference.Uniform(784, 2);
            Assert.That(OnnxReference.Logits(loaded.Network, x), Is.EqualTo(OnnxReference.Logits(network, x)));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
