using AdvCore.Data;
using NUnit.Framework;

namespace AdvCore.Tests.Data;

public sealed class IdxReaderTests
{
    private SyntheticFiles _files = null!;

    [SetUp] public void SetUp() => _files = new SyntheticFiles();
    [TearDown] public void TearDown() => _files.Dispose();

    [TestCase(false)]
    [TestCase(true)]
    public void RoundTripsImagesAndLabels(bool gz)
    {
        string ext = gz ? ".gz" : "";
        string images = _files.Write("img" + ext, SyntheticFiles.IdxImages(4, 3, 5));
        string labels = _files.Write("lbl" + ext, SyntheticFiles.IdxLabels(9, 0, 3, 5));

        var set = IdxReader.Load("tiny/test", images, labels);

        Assert.That(set.Name, Is.EqualTo("tiny/test"));
        Assert.That(set.Count, Is.EqualTo(4));
        Assert.That(set.Shape, Is.EqualTo(new[] { 1, 3, 5 }));
        Assert.That(set.Labels.ToArray(), Is.EqualTo(new[] { 9, 0, 3, 5 }));
        for (int n = 0; n < 4; n++)
            for (int i = 0; i < 15; i++)
                Assert.That(set.Image(n)[i], Is.EqualTo(SyntheticFiles.PixelByte(n, i) / 255f));
    }

    [Test]
    public void TruncatedImagesNameFileAndSizes()
    {
        byte[] full = SyntheticFiles.IdxImages(10, 28, 28);
        string path = _files.Write("t10k-images-idx3-ubyte.gz", full[..5000]);

        var e = Assert.Throws<DatasetFormatException>(() => IdxReader.ReadImages(path));
        Assert.That(e.Message, Does.StartWith(path));
        Assert.That(e.Message, Does.Contain($"truncated: expected {full.Length} bytes, found 5000"));
    }

    [Test]
    public void ExtraBytesAfterPayloadAreRejected()
    {
        string path = _files.Write("labels", [.. SyntheticFiles.IdxLabels(1, 2), 7]);
        var e = Assert.Throws<DatasetFormatException>(() => IdxReader.ReadLabels(path));
        Assert.That(e.Message, Does.Contain("expected 10 bytes, found 11"));
    }

    [Test]
    public void WrongMagicIsReportedInHex()
    {
        string path = _files.Write("images.gz", SyntheticFiles.IdxImages(1, 2, 2, magic: 0x12345678));
        var e = Assert.Throws<DatasetFormatException>(() => IdxReader.ReadImages(path));
        Assert.That(e.Message, Does.Contain("wrong magic number 0x12345678").And.Contain("0x00000803"));
    }

    [Test]
    public void LabelFileGivenAsImagesSaysSo()
    {
        string path = _files.Write("swapped", SyntheticFiles.IdxLabels(1, 2));
        var e = Assert.Throws<DatasetFormatException>(() => IdxReader.ReadImages(path));
        Assert.That(e.Message, Does.Contain("0x00000801 (an IDX label file)"));
    }

    [Test]
    public void CountMismatchBetweenImagesAndLabels()
    {
        string images = _files.Write("img.gz", SyntheticFiles.IdxImages(3, 2, 2));
        string labels = _files.Write("lbl.gz", SyntheticFiles.IdxLabels(1, 2));
        var e = Assert.Throws<DatasetFormatException>(() => IdxReader.Load("x", images, labels));
        Assert.That(e.Message, Does.StartWith(labels).And.Contain($"holds 2 labels but {images} holds 3 images"));
    }

    [Test]
    public void LabelElevenIsOutOfRange()
    {
        string path = _files.Write("t10k-labels-idx1-ubyte.gz", SyntheticFiles.IdxLabels(1, 2, 3, 11, 4));
        var e = Assert.Throws<DatasetFormatException>(() => IdxReader.ReadLabels(path));
        Assert.That(e.Message, Is.EqualTo($"{path}: label 11 at index 3 is outside 0..9"));
    }

    [Test]
    public void CorruptGzipNamesTheFile()
    {
        byte[] gz = SyntheticFiles.Gzip(SyntheticFiles.IdxImages(4, 8, 8));
        for (int i = 12; i < gz.Length - 8; i++) gz[i] ^= 0x5a;
        string path = Path.Combine(_files.Folder, "bad.gz");
        File.WriteAllBytes(path, gz);
        var e = Assert.Throws<DatasetFormatException>(() => IdxReader.ReadImages(path));
        Assert.That(e.Message, Does.StartWith($"{path}: corrupt or truncated gzip file"));
        Assert.That(e.Message, Does.Not.Contain("unsupported compression method"));
    }
}
