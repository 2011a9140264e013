using AdvCore.IO;
using AdvCore.Models;
using AdvCore.Nn;
using NUnit.Framework;

namespace AdvCore.Tests.Models;

public class ModelFileTests
{
    private Context _ctx = null!;
    private string _dir = null!;

    [OneTimeSetUp]
    public void SetUp()
    {
        _ctx = Context.Create(Device.Cpu, seed: 3);
        _dir = Directory.CreateTempSubdirectory("advcore-model-").FullName;
    }

    [OneTimeTearDown]
    public void TearDown()
    {
        _ctx.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static float[] Images(int n, int size, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n * size).Select(_ => (float)rng.NextDouble()).ToArray();
    }

    [TestCase("c4", 1, 28, 28)]
    [TestCase("cifar9", 3, 32, 32)]
    [TestCase("resnet-mnist", 1, 28, 28)]
    public void SavedModelRebuildsTheSameFunction(string name, int c, int h, int w)
    {
        var arch = ModelZoo.Create(name, [c, h, w]);
        using var original = Network.Build(_ctx, arch.InputShape, arch.Layers, seed: 11);
        string path = Path.Combine(_dir, name + ".safetensors");
        ModelFile.Save(path, arch, original, new Dictionary<string, string> { ["epochs"] = "2" });

        using var loaded = ModelFile.Load(path, _ctx);
        using var x = Tensor.FromArray(_ctx, Images(3, c * h * w, 4), 3, c, h, w);
        Assert.That(loaded.Network.Forward(x).ToArray(), Is.EqualTo(original.Forward(x).ToArray()));
        Assert.That(ArchitectureJson.Serialize(loaded.Architecture), Is.EqualTo(ArchitectureJson.Serialize(arch)));
        Assert.That(loaded.Training, Does.Contain("\"epochs\":\"2\""));
        Assert.That(ModelFile.ReadArchitecture(path).Name, Is.EqualTo(name));
    }

    [Test]
    public void PlainSafetensorsWithoutOurMetadataIsRefused()
    {
        string path = Path.Combine(_dir, "plain.safetensors");
        new SafeTensorWriter().Add("0.weight", new float[4], 2, 2).Save(path);
        var e = Assert.Throws<SafeTensorsFormatException>(() => ModelFile.Load(path, _ctx));
        Assert.That(e!.Message, Does.Contain("not an AdvCore model file"));
    }

    [Test]
    public void TensorsThatDoNotFitTheArchitectureAreNamed()
    {
        var arch = ModelZoo.C4([1, 28, 28]);
        string path = Path.Combine(_dir, "bad.safetensors");
        var writer = new SafeTensorWriter().Metadata("format", ModelFile.Format).Metadata("architecture", ArchitectureJson.Serialize(arch));
        using (var net = Network.Build(_ctx, arch.InputShape, arch.Layers))
            foreach (var (n, (shape, data)) in net.GetState())
                if (n == "0.weight") writer.Add(n, new float[data.Length / 2], shape[0] / 2, shape[1], shape[2], shape[3]);
                else writer.Add(n, data, shape);
        writer.Save(path);
        var e = Assert.Throws<SafeTensorsFormatException>(() => ModelFile.Load(path, _ctx));
        Assert.That(e!.Message, Does.Contain("0.weight").And.Contain("expected [64x1x8x8]"));
    }

    [Test]
    public void BrokenArchitectureJsonIsNamed()
    {
        string path = Path.Combine(_dir, "arch.safetensors");
        new SafeTensorWriter().Metadata("format", ModelFile.Format).Metadata("architecture", "{\"input\":[1,28]}").Save(path);
        Assert.That(Assert.Throws<SafeTensorsFormatException>(() => ModelFile.Load(path, _ctx))!.Message, Does.Contain("'input' must be [C, H, W]"));
    }
}
