using AdvCore.Data;
using NUnit.Framework;

namespace AdvCore.Tests.Data;

public sealed class DatasetLocatorTests
{
    private SyntheticFiles _files = null!;

    [SetUp] public void SetUp() => _files = new SyntheticFiles();
    [TearDown] public void TearDown() => _files.Dispose();

    private string Root(string name) => Path.Combine(_files.Folder, name);

    [Test]
    public void ExplicitFolderBeatsEnvironmentWhichBeatsCache()
    {
        _files.WriteMnistTest("explicit/mnist");
        _files.WriteMnistTest("env/mnist");
        _files.WriteMnistTest("cache/mnist");
        var info = DatasetInfo.Mnist;

        var folders = DatasetLocator.SearchFolders(info, Root("explicit"), Root("env"), Root("cache"));
        Assert.That(DatasetLocator.FindIn(info, DatasetSplit.Test, folders)![0], Does.StartWith(Root("explicit")));

        folders = DatasetLocator.SearchFolders(info, null, Root("env"), Root("cache"));
        Assert.That(DatasetLocator.FindIn(info, DatasetSplit.Test, folders)![0], Does.StartWith(Root("env")));

        folders = DatasetLocator.SearchFolders(info, Root("missing"), null, Root("cache"));
        Assert.That(DatasetLocator.FindIn(info, DatasetSplit.Test, folders)![0], Does.StartWith(Root("cache")));
    }

    [Test]
    public void FilesDirectlyInTheGivenFolderAndRawFilesAreFound()
    {
        _files.WriteMnistTest("flat", gz: false);
        var folders = DatasetLocator.SearchFolders(DatasetInfo.Mnist, Root("flat"), null, null);
        var found = DatasetLocator.FindIn(DatasetInfo.Mnist, DatasetSplit.Test, folders);
        Assert.That(found, Is.EqualTo(new[]
        {
            Path.Combine(Root("flat"), "t10k-images-idx3-ubyte"), Path.Combine(Root("flat"), "t10k-labels-idx1-ubyte"),
        }));
    }

    [Test]
    public void FolderMissingOneFileDoesNotQualify()
    {
        _files.Write("partial/mnist/t10k-images-idx3-ubyte.gz", SyntheticFiles.IdxImages(1, 28, 28));
        var folders = DatasetLocator.SearchFolders(DatasetInfo.Mnist, Root("partial"), null, null);
        Assert.That(DatasetLocator.FindIn(DatasetInfo.Mnist, DatasetSplit.Test, folders), Is.Null);
    }

    [Test]
    public void FashionMnistAlsoSearchesTheDebianFolderLast()
    {
        var folders = DatasetLocator.SearchFolders(DatasetInfo.FashionMnist, Root("a"), null, null);
        Assert.That(folders[0], Is.EqualTo(Path.Combine(Root("a"), "fashion-mnist")));
        Assert.That(folders[^1], Is.EqualTo("/usr/share/datasets/fashion-mnist"));
    }

    [Test]
    public void CatalogLoadsFromExplicitFolderAndReportsMissingData()
    {
        _files.WriteMnistTest("root/mnist", count: 5);
        var set = DatasetCatalog.Load("MNIST", DatasetSplit.Test, Root("root"), allowDownload: false);
        Assert.That(set.Name, Is.EqualTo("mnist/test"));
        Assert.That(set.Count, Is.EqualTo(5));

        // CIFAR-10 is nowhere under this root; the message must say where it looked and how to fix it.
        // (Other roots such as ADVCORE_DATA may hold it, so only check when it is really absent.)
        if (DatasetLocator.TryLocate("cifar10", DatasetSplit.Test, Root("root")) is not null) return;
        var e = Assert.Throws<DatasetNotFoundException>(() => DatasetCatalog.Load("cifar10", DatasetSplit.Test, Root("root"), allowDownload: false));
        Assert.That(e.Message, Does.Contain(Path.Combine(Root("root"), "cifar10")).And.Contain("--data").And.Contain("ADVCORE_DATA"));
        Assert.That(e.SearchedFolders[0], Is.EqualTo(Path.Combine(Root("root"), "cifar10")));
    }

    [Test]
    public void WrongImageSizeForTheDatasetIsAFormatError()
    {
        _files.Write("odd/mnist/t10k-images-idx3-ubyte.gz", SyntheticFiles.IdxImages(1, 32, 32));
        _files.Write("odd/mnist/t10k-labels-idx1-ubyte.gz", SyntheticFiles.IdxLabels(1));
        var e = Assert.Throws<DatasetFormatException>(() => DatasetCatalog.Load("mnist", DatasetSplit.Test, Root("odd"), allowDownload: false));
        Assert.That(e.Message, Does.Contain("images are 32x32, mnist images are 28x28"));
    }
}
