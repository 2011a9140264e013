using AdvCore.Models;
using AdvCore.Nn;
using AdvCore.Onnx;
using NUnit.Framework;

namespace AdvCore.Tests.Onnx;

/// <summary>Operators we do not cover are refused by name and node; broken files give a format error, never a crash.</summary>
public class OnnxImportErrorTests
{
    private Context _ctx = null!;
    private string _dir = null!;

    [OneTimeSetUp]
    public void SetUp()
    {
        _ctx = Context.Create(Device.Cpu, threads: 1, seed: 1);
        _dir = Directory.CreateTempSubdirectory("advcore-onnx-errors-").FullName;
    }

    [OneTimeTearDown]
    public void TearDown()
    {
        _ctx.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private OnnxModelProto ExportedC4()
    {
        var arch = ModelZoo.C4([1, 28, 28]);
        using var network = Network.Build(_ctx, arch.InputShape, arch.Layers, seed: 2);
        return OnnxProtoReader.ReadModel(OnnxExport.ToBytes(arch, network));
    }

    [Test]
    public void UnsupportedOperatorIsRefusedWithItsNameAndNode()
    {
        var model = ExportedC4();
        var nodes = model.Graph.Nodes;
        nodes[^1].Outputs[0] = "scores";
        var softmax = new OnnxNodeProto { Name = "head/softmax", OpType = "Softmax" };
        softmax.Inputs.Add("scores");
        softmax.Outputs.Add("logits");
        nodes.Add(softmax);

        var e = Assert.Throws<OnnxUnsupportedException>(() => OnnxImport.Read(OnnxProtoWriter.WriteModel(model), "net.onnx"))!;
        Assert.That(e.OpType, Is.EqualTo("Softmax"));
        Assert.That(e.Node, Is.EqualTo("'head/softmax'"));
        Assert.That(e.Message, Does.StartWith("net.onnx: node 'head/softmax' (Softmax): operator Softmax is not supported; AdvCore imports Conv, Gemm"));
    }

    [TestCase("group", 2, "grouped convolution (group = 2) is not supported")]
    [TestCase("dilations", 2, "dilated convolution is not supported")]
    public void ConvolutionSettingsOurLayerLacksAreRefused(string attribute, long value, string expected)
    {
        var model = ExportedC4();
        var conv = model.Graph.Nodes.First(n => n.OpType == "Conv");
        var a = new OnnxAttribute { Name = attribute, Type = attribute == "group" ? OnnxAttributeType.Int : OnnxAttributeType.Ints, I = value };
        if (a.Type == OnnxAttributeType.Ints) a.Ints.AddRange([value, value]);
        conv.Attributes.Add(a);
        var e = Assert.Throws<OnnxUnsupportedException>(() => OnnxImport.Read(OnnxProtoWriter.WriteModel(model), "net.onnx"))!;
        Assert.That(e.Message, Does.Contain($"node '{conv.Name}' (Conv): {expected}"));
    }

    [Test]
    public void ClipOtherThanABoundedReluIsRefused()
    {
        var arch = new ModelArchitecture("clip", [1, 6, 6], 3,
            [new Conv2dLayer(2, 3), ActivationLayer.BoundedReLU(2), new FlattenLayer(), new LinearLayer(3)]);
        using var network = Network.Build(_ctx, arch.InputShape, arch.Layers);
        var model = OnnxProtoReader.ReadModel(OnnxExport.ToBytes(arch, network));
        model.Graph.Initializers.First(t => t.Name == "1.min").Floats![0] = -1f;
        var e = Assert.Throws<OnnxUnsupportedException>(() => OnnxImport.Read(OnnxProtoWriter.WriteModel(model), "net.onnx"))!;
        Assert.That(e.Message, Does.Contain("(Clip): Clip to [-1, 2]: only [0, t] (bounded ReLU) and [0, inf) (ReLU) are supported"));
    }

    [Test]
    public void ACycleInTheGraphIsAFormatErrorNotAHang()
    {
        var model = ExportedC4();
        var relu = model.Graph.Nodes.First(n => n.OpType == "LeakyRelu");
        relu.Outputs[0] = relu.Inputs[0];
        var e = Assert.Throws<OnnxFormatException>(() => OnnxImport.Read(OnnxProtoWriter.WriteModel(model), "net.onnx"))!;
        Assert.That(e.Message, Is.EqualTo($"net.onnx: the graph has a cycle through node '{relu.Name}' (LeakyRelu)"));
    }

    [Test]
    public void AFileThatIsNotOnnxGetsAFormatError()
    {
        string text = Path.Combine(_dir, "notes.onnx");
        File.WriteAllText(text, "this is not a protobuf\n");
        var e = Assert.Throws<OnnxFormatException>(() => ModelFile.Load(text, _ctx))!;
        Assert.That(e.Message, Does.StartWith($"{text}: not a valid ONNX model: ModelProto:"));

        string empty = Path.Combine(_dir, "empty.onnx");
        File.WriteAllBytes(empty, []);
        Assert.That(Assert.Throws<OnnxFormatException>(() => ModelFile.Load(empty, _ctx))!.Message, Does.Contain("no graph"));
        Assert.That(Assert.Throws<OnnxFormatException>(() => ModelFile.Load(Path.Combine(_dir, "missing.onnx"), _ctx))!.Message,
            Does.Contain("cannot read the file"));
    }

    private const int MutationCount = 300;

    private byte[] ExportedAllLayers()
    {
        var arch = OnnxExportTests.AllLayers();
        using var network = Network.Build(_ctx, arch.InputShape, arch.Layers, seed: 3);
        return OnnxExport.ToBytes(arch, network);
    }

    /// <summary>Every truncation point and random byte changes of a valid file: only our two exceptions, or a model that loads.</summary>
    [TestCase("all-layers")]
    [TestCase("torch_small")]
    public void TruncatedOrCorruptFilesNeverCrash(string source)
    {
        byte[] good = source == "torch_small"
            ? File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Onnx", "Data", "torch_small.onnx"))
            : ExportedAllLayers();
        var rng = new Random(17);
        var cases = new List<(string What, byte[] Bytes)>();
        for (int i = 0; i < 150; i++)
        {
            int length = (int)((long)good.Length * i / 150);
            cases.Add(($"truncated to {length} bytes", good[..length]));
        }
        for (int i = 0; i < MutationCount; i++)
        {
            var bad = (byte[])good.Clone();
            int at = rng.Next(bad.Length);
            bad[at] = (byte)rng.Next(256);
            cases.Add(($"byte {at} set to {bad[at]}", bad));
        }
        int refused = 0;
        string path = Path.Combine(_dir, "fuzz.onnx");
        foreach (var (what, bytes) in cases)
        {
            File.WriteAllBytes(path, bytes);
            try
            {
                using var loaded = ModelFile.Load(path, _ctx);
            }
            catch (Exception e) when (e is OnnxFormatException or OnnxUnsupportedException)
            {
                Assert.That(e.Message, Does.StartWith(path + ": "), what);
                Assert.That(e.Message, Does.Not.Contain("\n"), what);
                refused++;
            }
            catch (Exception e)
            {
                Assert.Fail($"{what}: {e.GetType().Name}: {e.Message}");
            }
        }
        Assert.That(refused, Is.GreaterThan(150), "every truncation but the whole file, and many changed bytes, are refused");
    }
}
