using System.Text;
using AdvCore.IO;
using NUnit.Framework;

namespace AdvCore.Tests.IO;

public class SafeTensorFileTests
{
    private string _dir = null!;

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("advcore-st-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    [Test]
    public void RoundTripKeepsTypesShapesValuesAndMetadata()
    {
        var rng = new Random(5);
        float[] w = Enumerable.Range(0, 24).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        long[] idx = [7, -3, 1L << 40];
        int[] labels = [1, 9];
        string path = PathOf("a.safetensors");
        new SafeTensorWriter().Add("w", w, 2, 3, 4).Add("idx", idx, 3).Add("labels", labels, 2)
            .Metadata("note", "héllo").Save(path);

        var file = SafeTensorFile.Read(path);
        Assert.That(file.Names, Is.EquivalentTo(new[] { "w", "idx", "labels" }));
        Assert.That(file["w"].Shape, Is.EqualTo(new long[] { 2, 3, 4 }));
        Assert.That(file["w"].DType, Is.EqualTo(SafeTensorDType.F32));
        Assert.That(file["w"].ToFloat32(path), Is.EqualTo(w));
        Assert.That(file["idx"].ToInt64(path), Is.EqualTo(idx));
        Assert.That(file["labels"].ToInt64(path), Is.EqualTo(new long[] { 1, 9 }));
        Assert.That(file.Metadata["note"], Is.EqualTo("héllo"));
        Assert.That((new FileInfo(path).Length - 8 - 24 * 4 - 3 * 8 - 2 * 4) % 8, Is.Zero, "header padded to 8 bytes");
    }

    [Test]
    public void WrongTypeRequestIsRefusedWithTheName()
    {
        string path = PathOf("b.safetensors");
        new SafeTensorWriter().Add("idx", new long[] { 1 }, 1).Save(path);
        var e = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorFile.Read(path)["idx"].ToFloat32(path));
        Assert.That(e!.Message, Does.Contain("'idx'").And.Contain("I64"));
        Assert.That(Assert.Throws<SafeTensorsFormatException>(() => _ = SafeTensorFile.Read(path)["nope"])!.Message, Does.Contain("no tensor named 'nope'"));
    }

    private string Raw(string header, int dataBytes, long? declaredLength = null)
    {
        string path = PathOf("raw.safetensors");
        byte[] text = Encoding.UTF8.GetBytes(header);
        using var s = File.Create(path);
        s.Write(BitConverter.GetBytes((ulong)(declaredLength ?? text.Length)));
        s.Write(text);
        s.Write(new byte[dataBytes]);
        return path;
    }

    [TestCase("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4, "truncated")]
    [TestCase("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 12, "bytes after the last tensor")]
    [TestCase("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, "needs 12 bytes")]
    [TestCase("{\"a\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4, "unsupported dtype 'BF16'")]
    [TestCase("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4, "negative dimension")]
    [TestCase("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "gap or overlap")]
    [TestCase("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, "missing data_offsets")]
    [TestCase("[1,2,3]", 0, "not a JSON object")]
    [TestCase("{\"a\": {", 0, "not valid JSON")]
    [TestCase("{\"__metadata__\":{\"k\":3}}", 0, "is not a string")]
    public void CorruptHeadersAreNamed(string header, int dataBytes, string problem)
    {
        string path = Raw(header, dataBytes);
        var e = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorFile.Read(path));
        Assert.That(e!.Message, Does.StartWith(path).And.Contain(problem));
    }

    [Test]
    public void HeaderLengthBeyondTheFileIsTruncation()
    {
        string path = Raw("{}", 0, declaredLength: 1 << 20);
        Assert.That(Assert.Throws<SafeTensorsFormatException>(() => SafeTensorFile.Read(path))!.Message, Does.Contain("exceeds the file"));
        File.WriteAllBytes(path, [1, 2, 3]);
        Assert.That(Assert.Throws<SafeTensorsFormatException>(() => SafeTensorFile.Read(path))!.Message, Does.Contain("truncated"));
    }

    [Test]
    public void WriterRefusesShapeThatDoesNotHoldTheValues()
    {
        Assert.Throws<ArgumentException>(() => new SafeTensorWriter().Add("w", new float[5], 2, 3));
        Assert.Throws<ArgumentException>(() => new SafeTensorWriter().Add("w", new float[1], 1).Add("w", new float[1], 1));
    }
}
