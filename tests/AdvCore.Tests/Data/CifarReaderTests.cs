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

    // Load reads batches in parallel: the caller must still get the documented exception, not an
    // AggregateException, and the first bad batch in order whatever the thread timing.
    [Test]
    public void LoadThrowsTheFirstBadBatchsOwnError()
    {
        string good = _files.Write("data_batch_1.bin", SyntheticFiles.CifarBatch(1, 2));
        string wrongLength = _files.Write("data_batch_2.bin", SyntheticFiles.CifarBatch(3)[..^1]);
        string badLabel = _files.Write("data_batch_3.bin.gz", SyntheticFiles.CifarBatch(4, 12));

        var e = Assert.Throws<DatasetFormatException>(() => CifarReader.Load("cifar10/train", [good, badLabel]));
        Assert.That(e.Message, Is.EqualTo($"{badLabel}: label 12 at index 1 is outside 0..9"));
        for (int repeat = 0; repeat < 5; repeat++)
        {
            e = Assert.Throws<DatasetFormatException>(() => CifarReader.Load("cifar10/train", [good, wrongLength, badLabel, good]));
            Assert.That(e.FilePath, Is.EqualTo(wrongLength));
        }
    }

    [Test]
    public void CorruptGzipBatchIsReportedAsCorruptNotAsUnsupported()
    {
        byte[] gz = SyntheticFiles.Gzip(SyntheticFiles.CifarBatch(1, 2, 3));
        for (int i = 12; i < gz.Length - 8; i++) gz[i] ^= 0x5a;
        string path = Path.Combine(_files.Folder, "test_batch.bin.gz");
        File.WriteAllBytes(path, gz);
        var e = Assert.Throws<DatasetFormatException>(() => CifarReader.Load("cifar10/test", [path]));
        Assert.That(e.Message, Does.StartWith($"{path}: corrupt or truncated gzip file"));
        Assert.That(e.Message, Does.Not.Contain("unsupported compression method"));
    }
}
