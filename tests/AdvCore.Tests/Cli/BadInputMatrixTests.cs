using System.Buffers.Binary;
using System.IO.Compression;
using AdvCore.IO;
using NUnit.Framework;

namespace AdvCore.Tests.Cli;

/// <summary>
/// The bad-input matrix (issue 17, DESIGN principle 7): corrupt dataset, model and record files,
/// labels out of range, wrong shapes, absurd sizes, bad options and unwritable outputs, each run
/// through the command line. Every case asserts the exit code (1 user error, 2 usage, 3 I/O), one
/// line naming the problem with no stack trace, and that nothing was written to the output folder.
/// </summary>
public class BadInputMatrixTests() : TinyModelCliTest("advcore-bad-input-")
{
    /// <summary>A case: its name, the arguments built from the fixture (bad files made on the way), the exit code and a fragment of the message.</summary>
    public sealed record Case(string Name, Func<BadInputMatrixTests, string[]> Args, int Exit, string Message)
    {
        public override string ToString() => Name;
    }

    private static readonly Case[] Cases =
    [
        // Corrupt dataset files (MNIST IDX, CIFAR-10 batches) in a --data folder of their own.
        new("idx truncated images", t => t.Attack(t.MnistData("truncated", images: Idx.Images(10, take: 5000))), 1, "t10k-images-idx3-ubyte"),
        new("idx wrong magic", t => t.Attack(t.MnistData("magic", images: Idx.WithMagic(Idx.Images(10), 0x0801))), 1, "wrong magic number"),
        new("idx label out of range", t => t.Attack(t.MnistData("label", labels: Idx.Labels(10, bad: 12))), 1, "label 12 at index 3 is outside 0..9"),
        new("idx label count mismatch", t => t.Attack(t.MnistData("counts", labels: Idx.Labels(7))), 1, "holds 7 labels but"),
        new("idx absurd image count", t => t.Attack(t.MnistData("absurd", images: Idx.WithCount(Idx.Images(10), int.MaxValue))), 1, "t10k-images-idx3-ubyte"),
        new("idx corrupt gzip", t => t.Attack(t.MnistData("gzip", gzipImages: true)), 1, "t10k-images-idx3-ubyte"),
        new("cifar wrong length", t => t.Eval(t.CifarData("length", Cifar.Batch(4, cut: 100))), 1, "test_batch.bin"),
        new("cifar label out of range", t => t.Eval(t.CifarData("label", Cifar.Batch(4, badLabel: 12))), 1, "12"),
        // Corrupt or unfitting model files.
        new("model missing", t => t.Attack(model: "/nonexistent/m.safetensors"), 3, "/nonexistent/m.safetensors: no such file"),
        new("model file missing", t => t.Attack(model: t.Out("absent.safetensors")), 3, "absent.safetensors: no such file"),
        new("model truncated", t => t.Attack(model: t.Bytes("truncated.safetensors", File.ReadAllBytes(t.Model())[..1000])), 1, "truncated.safetensors"),
        new("model absurd header size", t => t.Attack(model: t.Bytes("header.safetensors", Header(ulong.MaxValue / 2))), 1, "header.safetensors"),
        new("model header not json", t => t.Attack(model: t.Bytes("json.safetensors", [.. Header(4), .. "{{{{"u8])), 1, "json.safetensors"),
        new("model without architecture", t => t.Attack(model: t.Rewritten("noarch.safetensors", dropArchitecture: true)), 1, "architecture"),
        new("model NaN weight", t => t.Attack(model: t.Rewritten("nan.safetensors", nan: true)), 1, "must be finite"),
        new("model wrong weight shape", t => t.Attack(model: t.Rewritten("shape.safetensors", reshape: true)), 1, "expected ["),
        new("model for other images", t => t.Attack(model: t.Model(), dataset: "cifar10", data: t.CifarData("fine", Cifar.Batch(4))), 1, "takes images of shape [1,28,28]"),
        // Result records.
        new("merge truncated record", t => ["merge", t.Text("cut.json", "{\"attack\": \"bp\", \"images\": ["), "--out", t.Out("m.json")], 1, "cut.json"),
        new("merge not a record", t => ["merge", t.Text("list.json", "[1, 2, 3]"), "--out", t.Out("m.json")], 1, "not an attack result record: a value of the wrong type (line 1, byte 2)"),
        new("merge inconsistent record", t => ["merge", t.Text("inconsistent.json", "{\"attack\": \"bp\", \"count\": 5, \"correct\": 0, \"images\": [], \"misclassified\": []}"), "--out", t.Out("m.json")], 1, "inconsistent record"),
        // Absurd sizes and bad option values.
        new("count zero", t => t.Attack(extra: ["--count", "0"]), 1, "--count must be >= 1"),
        new("count beyond the split", t => t.Attack(extra: ["--count", "2000000000"]), 1, "goes beyond the 10000 images"),
        new("start negative", t => t.Attack(extra: ["--start", "-1"]), 1, "--start must be >= 0"),
        new("batch zero", t => t.Attack(extra: ["--batch", "0"]), 1, "--batch must be >= 1"),
        new("threads negative", t => t.Attack(extra: ["--threads", "-1"]), 1, "--threads must be >= 0"),
        new("margin not finite", t => t.Attack(extra: ["--margin", "NaN"]), 1, "--margin must be a finite number"),
        new("unknown attack", t => t.Attack(attack: "nope"), 1, "unknown attack 'nope'"),
        new("unknown parameter", t => t.Attack(extra: ["--param", "bogus=1"]), 1, "bogus"),
        new("parameter without value", t => t.Attack(extra: ["--param", "bogus"]), 1, "--param expects key=value"),
        new("target out of range", t => t.Attack(extra: ["--target", "12"]), 1, "12"),
        new("no GPU", t => t.Attack(extra: ["--device", "cuda"]), 1, "CUDA is not available"),
        new("count not a number", t => t.Attack(extra: ["--count", "many"]), 2, "'many' for option '--count' as an integer"),
        new("unknown option", t => t.Attack(extra: ["--bogus"]), 2, "--bogus"),
        // Outputs that cannot be written are refused before any work.
        new("out under a file", t => t.Attack(output: Path.Combine(t.Text("plain.txt", "x"), "r.json")), 3, "is a file, not a folder"),
        new("out is a folder", t => t.Attack(output: t.Folder("existing")), 3, "is a folder"),
        new("csv under a file", t => t.Attack(extra: ["--csv", Path.Combine(t.Text("plain2.txt", "x"), "c.csv")]), 3, "--csv"),
        new("two outputs one file", t => t.Attack(extra: ["--csv", t.Out("r.json")]), 1, "--out and --csv both name"),
        new("eval json under a file", t => [.. t.Eval(null), "--json", Path.Combine(t.Text("plain3.txt", "x"), "e.json")], 3, "--json"),
        new("train out under a file", t => ["train", "--model", "c4", "--dataset", "mnist", "--out", Path.Combine(t.Text("plain4.txt", "x"), "m.safetensors"), "--data", t.Data], 3, "--out"),
        new("reproduce out is a file", t => ["reproduce", "table-5.2", "--model", t.Model(), "--dataset", "mnist", "--out", t.Text("plain5.txt", "x"), "--data", t.Data], 3, "is a file; expected a folder"),
    ];

    private static IEnumerable<TestCaseData> All() => Cases.Select(c => new TestCaseData(c).SetName($"BadInput({c.Name})"));

    private string _case = "";

    [TestCaseSource(nameof(All))]
    public void FailsCleanlyAndWritesNothing(Case bad)
    {
        _case = Path.Combine(Dir, bad.Name.Replace(' ', '-'));
        Directory.CreateDirectory(Path.Combine(_case, "out"));
        var (code, output, error) = CliRunner.Run(bad.Args(this));
        TestContext.Out.WriteLine($"{bad.Name}: exit {code}: {error.Trim()}");
        Assert.That(code, Is.EqualTo(bad.Exit), $"{error}\n{output}");
        Assert.That(error, Does.Contain(bad.Message));
        if (bad.Exit != 2) Assert.That(error.TrimEnd().Split('\n'), Has.Length.EqualTo(1), "one line");
        Assert.That(error + output, Does.Not.Contain("   at ").And.Not.Contain("Exception:"), "no stack trace");
        Assert.That(Directory.GetFileSystemEntries(Path.Combine(_case, "out")), Is.Empty, "nothing written, not even a temporary file");
        Assert.That(output, Does.Not.Contain("images, P_suc"), "refused before any attack batch ran");
    }

    // ------------------------------------------------------------------ argument builders

    private string Out(string name) => Path.Combine(_case, "out", name);

    // An attack command that would succeed but for its one defect; `extra` options replace the defaults of the same name.
    private string[] Attack(string? data = null, string? model = null, string dataset = "mnist", string attack = "bp", string? output = null, string[]? extra = null)
    {
        extra ??= [];
        var args = new List<string> { "attack", "--model", model ?? Model(), "--dataset", dataset, "--attack", attack, "--out", output ?? Out("r.json"), "--data", data ?? Data };
        foreach (var (option, value) in new[] { ("--iterations", "2"), ("--count", "4") })
            if (!extra.Contains(option)) args.AddRange([option, value]);
        return [.. args, .. extra];
    }

    private string[] Eval(string? data) => ["eval", "--model", Model(), "--dataset", data is null ? "mnist" : "cifar10", "--data", data ?? Data];

    private string Text(string name, string text)
    {
        string path = Path.Combine(_case, name);
        File.WriteAllText(path, text);
        return path;
    }

    private string Bytes(string name, byte[] bytes)
    {
        string path = Path.Combine(_case, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    // A folder beside out/ (a folder named as --out must not count as written output).
    private string Folder(string name) => Directory.CreateDirectory(Path.Combine(_case, name)).FullName;

    // A --data folder whose mnist/ holds raw test files: good ones unless replaced.
    private string MnistData(string name, byte[]? images = null, byte[]? labels = null, bool gzipImages = false)
    {
        string folder = Directory.CreateDirectory(Path.Combine(_case, "data-" + name, "mnist")).FullName;
        byte[] imageBytes = images ?? Idx.Images(10);
        if (gzipImages)
        {
            using var buffer = new MemoryStream();
            using (var gz = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(imageBytes);
            byte[] compressed = buffer.ToArray();
            for (int i = 20; i < 60 && i < compressed.Length; i++) compressed[i] ^= 0x5A; // damage the deflate stream
            File.WriteAllBytes(Path.Combine(folder, "t10k-images-idx3-ubyte.gz"), compressed);
        }
        else File.WriteAllBytes(Path.Combine(folder, "t10k-images-idx3-ubyte"), imageBytes);
        File.WriteAllBytes(Path.Combine(folder, "t10k-labels-idx1-ubyte"), labels ?? Idx.Labels(10));
        return Path.GetDirectoryName(folder)!;
    }

    private string CifarData(string name, byte[] batch)
    {
        string folder = Directory.CreateDirectory(Path.Combine(_case, "data-" + name, "cifar10")).FullName;
        File.WriteAllBytes(Path.Combine(folder, "test_batch.bin"), batch);
        return Path.GetDirectoryName(folder)!;
    }

    // The tiny model rewritten with one defect.
    private string Rewritten(string name, bool dropArchitecture = false, bool nan = false, bool reshape = false)
    {
        string source = Model();
        var file = SafeTensorFile.Read(source);
        var writer = new SafeTensorWriter();
        bool first = true;
        foreach (string tensor in file.Names.Order(StringComparer.Ordinal))
        {
            float[] values = file[tensor].ToFloat32(source);
            long[] shape = [.. file[tensor].Shape];
            if (first && nan) values[1] = float.NaN;
            if (first && reshape) (values, shape) = (values[..^1], [values.Length - 1]);
            first = false;
            writer.Add(tensor, values, shape);
        }
        foreach (var (key, value) in file.Metadata)
            if (!(dropArchitecture && key == "architecture")) writer.Metadata(key, value);
        string path = Path.Combine(_case, name);
        writer.Save(path);
        return path;
    }

    private static byte[] Header(ulong length)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, length);
        return bytes;
    }

    /// <summary>Small IDX files (MNIST layout) with random pixels.</summary>
    private static class Idx
    {
        public static byte[] Images(int count, int take = int.MaxValue)
        {
            var bytes = new byte[16 + count * 784];
            BinaryPrimitives.WriteInt32BigEndian(bytes, 0x0803);
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), 28);
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), 28);
            new Random(count).NextBytes(bytes.AsSpan(16));
            return bytes[..Math.Min(take, bytes.Length)];
        }

        public static byte[] Labels(int count, int bad = -1)
        {
            var bytes = new byte[8 + count];
            BinaryPrimitives.WriteInt32BigEndian(bytes, 0x0801);
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
            for (int i = 0; i < count; i++) bytes[8 + i] = (byte)(i % 10);
            if (bad >= 0) bytes[8 + 3] = (byte)bad;
            return bytes;
        }

        public static byte[] WithMagic(byte[] file, int magic)
        {
            BinaryPrimitives.WriteInt32BigEndian(file, magic);
            return file;
        }

        public static byte[] WithCount(byte[] file, int count)
        {
            BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(4), count);
            return file;
        }
    }

    /// <summary>Small CIFAR-10 batches: one label byte then 3072 pixel bytes per record.</summary>
    private static class Cifar
    {
        public static byte[] Batch(int count, int cut = 0, int badLabel = -1)
        {
            var bytes = new byte[count * 3073];
            new Random(count).NextBytes(bytes);
            for (int i = 0; i < count; i++) bytes[i * 3073] = (byte)(i % 10);
            if (badLabel >= 0) bytes[2 * 3073] = (byte)badLabel;
            return bytes[..(bytes.Length - cut)];
        }
    }
}
