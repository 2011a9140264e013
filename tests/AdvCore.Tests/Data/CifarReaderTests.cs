using AdvCore.Data;
using NUnit.Framework;

namespace AdvCore.Tests.Data;

public sealed class CifarReaderTests
{
    private SyntheticFiles _files = null!;

    [SetUp] public void SetUp() => _files = new SyntheticFiles();
    [TearDown] public void TearDown() => _files.Dispose();

    [Test]
    public void ConcatenatesRawAndGzippedBatchesInOrder()
    {
        string first = _files.Write("data_batch_1.bin", SyntheticFiles.CifarBatch(6, 9));
        string second = _files.Write("data_batch_2.bin.gz", SyntheticFiles.CifarBatch(4));

        var set = CifarReader.Load("cifar10/train", [first, second]);

        Assert.That(set.Count, Is.EqualTo(3));
        Assert.That(set.Shape, Is.EqualTo(new[] { 3, 32, 32 }));
        Assert.That(set.Labels.ToArray(), Is.EqualTo(new[] { 6, 9, 4 }));
        // Record bytes 1..3072 are the R, G, B planes, i.e. already CHW.
        Assert.That(set.Image(1)[0], Is.EqualTo(SyntheticFiles.PixelByte(1, 0) / 255f));
        Assert.That(set.Image(1)[1024 + 33], Is.EqualTo(SyntheticFiles.PixelByte(1, 1024 + 33) / 255f));
        Assert.That(set.Image(2)[3071], Is.EqualTo(SyntheticFiles.PixelByte(0, 3071) / 255f));
    }

    [Test]
    public void LengthNotAMultipleOfTheRecordIsRejected()
    {
        byte[] batch = SyntheticFiles.CifarBatch(1, 2);
        string path = _files.Write("test_batch.bin.gz", batch[..^10]);
        var e = Assert.Throws<DatasetFormatException>(() => CifarReader.ReadBatch(path));
        Assert.That(e.Message, Does.StartWith(path).And.Contain("length 6136 is not a multiple of the 3073-byte record"));
    }

    [Test]
    public void LabelOutOfRangeNamesIndex()
    {
        string path = _files.Write("test_batch.bin", SyntheticFiles.CifarBatch(1, 10));
        var e = Assert.Throws<DatasetFormatException>(() => CifarReader.ReadBatch(path));
        Assert.That(e.Message, Is.EqualTo($"{path}: label 10 at index 1 is outside 0..9"));
    }
}
