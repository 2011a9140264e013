using System.Diagnostics;
using AdvCore.Data;
using AdvCore.Models;
using NUnit.Framework;

namespace AdvCore.Tests.Data;

/// <summary>
/// Inputs afl++ found (scripts/fuzz.sh, issue 17) that made a reader throw an undocumented
/// exception or stall; each must now be refused with the reader's own exception, at once.
/// </summary>
public class FuzzFindingsTests
{
    private string _dir = null!;

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("advcore-fuzz-findings-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    // Header dims whose product overflowed a long: OverflowException from `new byte[negative]`.
    [TestCase("000008030000c7dd01e48875340e000200000004000000044420823cfde6f1c26b30", "more than one array can hold")]
    // A header claiming ~1 GB in a 43-byte file: the buffer was allocated before the truncation showed.
    [TestCase("00000803000000110000000400e4ff1f823cfde6f1c27501c7887534a20f0b9604c36ec36eeb0e71e0fd77", "truncated")]
    public void ImageHeadersAreRefusedWithTheFileNamed(string hex, string expected)
    {
        string path = Write("images-idx3-ubyte", Convert.FromHexString(hex));
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<DatasetFormatException>(() => IdxReader.ReadImages(path))!;
        Assert.That(e.Message, Does.Contain(path).And.Contain(expected));
        Assert.That(clock.Elapsed.TotalSeconds, Is.LessThan(2), "refused before allocating what the header claims");
    }

    [Test]
    public void ALabelHeaderClaimingGigabytesIsRefusedAtOnce()
    {
        string path = Write("labels-idx1-ubyte", Convert.FromHexString("000008015e0000f2f00904"));
        var e = Assert.Throws<DatasetFormatException>(() => IdxReader.ReadLabels(path))!;
        Assert.That(e.Message, Does.Contain("truncated: expected 1577058554 bytes, found 11"));
    }

    [Test]
    public void AGzipStreamWithAnOverflowingHeaderIsRefused()
    {
        string path = Write("images-idx3-ubyte.gz", Convert.FromHexString(
            "1f8b08000000000002036360e06066606091919191919191919191919191919191919191919191916002621610765168b2f9fbece3a16c839f7cc7ef323e10283559c4cfcdcb7238ef065fe183bfe5"));
        Assert.Throws<DatasetFormatException>(() => IdxReader.ReadImages(path));
    }

    // A gzip whose content inflates without end ran the reader out of memory: refused past 60 000 records.
    [Test]
    public void ACifarGzipInflatingPastTheTrainingSetIsRefused()
    {
        string path = Path.Combine(_dir, "data_batch_1.bin.gz");
        using (var file = File.Create(path))
        using (var gz = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionLevel.Fastest))
        {
            var records = new byte[CifarReader.RecordSize * 1000]; // label 0, black pixels: compresses to little
            for (int i = 0; i < 61; i++) gz.Write(records);
        }
        var e = Assert.Throws<DatasetFormatException>(() => CifarReader.ReadBatch(path))!;
        Assert.That(e.Message, Does.Contain(path).And.Contain("holds more than 60000 records"));
    }

    // A corrupt gzip trailer (ISIZE) claimed ~4 GB: the buffer it sized was allocated before reading.
    // Now the hint is capped by deflate's ~1032:1 bound on the file's size, and the inflater's length
    // check refuses the file as corrupt.
    [Test]
    public void ACifarGzipWhoseTrailerClaimsGigabytesIsRefusedAtOnce()
    {
        var content = new byte[2 * CifarReader.RecordSize];
        new Random(5).NextBytes(content);
        content[0] = 3;
        content[CifarReader.RecordSize] = 7;
        var buffer = new MemoryStream();
        using (var gz = new System.IO.Compression.GZipStream(buffer, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
            gz.Write(content);
        byte[] bytes = buffer.ToArray();
        bytes.AsSpan(bytes.Length - 4).Fill(0xFF); // ISIZE = 2³² − 1; the deflate data and CRC stay valid
        string path = Write("test_batch.bin.gz", bytes);
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var e = Assert.Throws<DatasetFormatException>(() => CifarReader.ReadBatch(path))!;
        Assert.That(e.Message, Does.StartWith($"{path}: corrupt or truncated gzip file"));
        Assert.That(GC.GetTotalAllocatedBytes(precise: true) - before, Is.LessThan(32L << 20), "no buffer of the size the trailer claims");
    }

    // A duplicate key (ArgumentException from JsonNode) and a value of the wrong JSON kind (InvalidOperationException).
    [TestCase("{\"name\":\"c4\",\"input\":[1,28,28],\"classes\":10,\"layers\":[{\"type\":\"conv2d\",\"out_channels\":64,\"kernel\":8,\"stnnels\":64,\"kernel\":8,\"stribias\":true},{\"type\":\"flatten\"},{\"type\":\"linear\",\"out_features\":10,\"bias\":true}]}")]
    [TestCase("{\"oame\":\"c4\",\"input\":[1,28,28],\"classes\":10,\"layers\":[{\"type\":\"conv2d\",\"out_channels\":64,\"kernel\":8,\"stride\":2,\"padding\":\"same\",\"bias\":true},{\"type\":[1,28,28],\"classes\":10,\"layers\":\"linear\"}]}")]
    public void MalformedArchitectureJsonIsAFormatException(string json)
    {
        var e = Assert.Throws<FormatException>(() => ArchitectureJson.Parse(json))!;
        Assert.That(e.Message, Does.StartWith("architecture"));
    }

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
