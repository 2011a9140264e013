using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using AdvCore.Data;
using NUnit.Framework;

namespace AdvCore.Tests.Data;

/// <summary>The checksum path of the downloader, fed from memory instead of the network.</summary>
public sealed class ChecksumAndDownloadTests
{
    private SyntheticFiles _files = null!;

    [SetUp] public void SetUp() => _files = new SyntheticFiles();
    [TearDown] public void TearDown() => _files.Dispose();

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    [Test]
    public void VerifierAcceptsTheRightHashAndNamesEverythingOnAWrongOne()
    {
        byte[] content = SyntheticFiles.IdxLabels(1, 2, 3);
        string path = _files.Write("labels.gz", content);
        string right = Sha(content);
        string wrong = new('0', 64);

        Assert.That(() => Sha256Verifier.VerifyContent(path, right), Throws.Nothing);
        Assert.That(() => Sha256Verifier.VerifyContent(path, right.ToUpperInvariant()), Throws.Nothing);
        Assert.That(() => Sha256Verifier.Verify(path, Sha(File.ReadAllBytes(path))), Throws.Nothing);

        var e = Assert.Throws<ChecksumMismatchException>(() => Sha256Verifier.VerifyContent(path, wrong));
        Assert.That(e.Message, Does.Contain(path).And.Contain(wrong).And.Contain(right));
        Assert.That(e.ActualSha256, Is.EqualTo(right));
    }

    [Test]
    public void DownloadedFileIsMovedIntoPlaceOnlyWhenItsHashMatches()
    {
        byte[] content = SyntheticFiles.IdxLabels(4, 5);
        var served = new DatasetDownloader(_ => new MemoryStream(SyntheticFiles.Gzip(content)));
        string folder = Path.Combine(_files.Folder, "cache", "mnist");

        var bad = new RemoteFile("bad.gz", new Uri("https://example.invalid/bad.gz"), new string('f', 64));
        var e = Assert.Throws<ChecksumMismatchException>(() => served.FetchFile(bad, folder, null));
        Assert.That(e.Message, Does.Contain("https://example.invalid/bad.gz").And.Contain(Sha(content)));
        Assert.That(Directory.Exists(Path.Combine(_files.Folder, "cache")), Is.False, "neither the file, its temp copy nor the folders made for it may remain");

        var good = new RemoteFile("good.gz", new Uri("https://example.invalid/good.gz"), Sha(content));
        served.FetchFile(good, folder, null);
        Assert.That(IdxReader.ReadLabels(Path.Combine(folder, "good.gz")), Is.EqualTo(new byte[] { 4, 5 }));
        Assert.That(Directory.GetFiles(folder), Has.Length.EqualTo(1));
    }

    [Test]
    public void CifarArchiveMembersAreExtractedVerifiedAndFlattened()
    {
        byte[] test = SyntheticFiles.CifarBatch(3, 8);
        byte[] archive = TarGz(("cifar-10-batches-bin/test_batch.bin", test), ("cifar-10-batches-bin/readme.html", [1, 2]));
        var served = new DatasetDownloader(_ => new MemoryStream(archive));
        string folder = Path.Combine(_files.Folder, "cifar10");
        var url = new Uri("https://example.invalid/cifar.tar.gz");

        served.FetchArchive(new RemoteArchive(url, new Dictionary<string, string> { ["test_batch.bin"] = Sha(test) }), folder, null);
        Assert.That(CifarReader.ReadBatch(Path.Combine(folder, "test_batch.bin")).Labels, Is.EqualTo(new byte[] { 3, 8 }));
        Assert.That(Directory.GetFiles(folder).Select(Path.GetFileName), Is.EqualTo(new[] { "test_batch.bin" }));

        var missing = new RemoteArchive(url, new Dictionary<string, string> { ["data_batch_1.bin"] = Sha(test) });
        var e = Assert.Throws<DatasetFormatException>(() => served.FetchArchive(missing, folder, null));
        Assert.That(e.Message, Does.Contain("archive lacks data_batch_1.bin"));
    }

    [Test]
    public void OfflineDownloadLeavesNoEmptyCacheFolder()
    {
        var offline = new DatasetDownloader(url => throw new HttpRequestException($"no route to {url.Host}"));
        string root = Path.Combine(_files.Folder, "fresh-cache", "datasets");
        foreach (string dataset in new[] { "mnist", "cifar10" })
        {
            Assert.Throws<HttpRequestException>(() => offline.Download(dataset, root));
            Assert.That(Directory.Exists(Path.Combine(_files.Folder, "fresh-cache")), Is.False, dataset);
        }

        // A folder that was there before stays, and so does anything already in it.
        string existing = Path.Combine(_files.Folder, "kept", "mnist");
        Directory.CreateDirectory(existing);
        Assert.Throws<HttpRequestException>(() => offline.Download("mnist", Path.GetDirectoryName(existing)));
        Assert.That(Directory.Exists(existing), Is.True);
    }

    private static byte[] TarGz(params (string Name, byte[] Content)[] entries)
    {
        using var buffer = new MemoryStream();
        using (var gz = new GZipStream(buffer, CompressionLevel.Fastest))
        using (var tar = new TarWriter(gz, TarEntryFormat.Pax))
            foreach (var (name, content) in entries)
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content) });
        return buffer.ToArray();
    }
}
