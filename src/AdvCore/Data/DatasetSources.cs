namespace AdvCore.Data;

/// <summary>A file to download and the SHA-256 of its content (after gunzip).</summary>
internal sealed record RemoteFile(string FileName, Uri Url, string ContentSha256);

/// <summary>An archive to download and the content SHA-256 of each member to keep, by file name.</summary>
internal sealed record RemoteArchive(Uri Url, IReadOnlyDictionary<string, string> Members);

/// <summary>
/// Where the official files are and what they must hash to. The hashes are of the uncompressed
/// content, taken from copies whose MD5s equal the authors' published ones: MNIST and CIFAR-10 from
/// ../shared/datasets (see its README), Fashion-MNIST from Debian's dataset-fashion-mnist, which
/// re-gzipped the files (so .gz hashes differ) but whose content MD5s match Zalando's.
/// </summary>
internal static class DatasetSources
{
    // The LeCun site throttles and often fails; this mirror (used by torchvision) serves the original files.
    private const string MnistBase = "https://ossci-datasets.s3.amazonaws.com/mnist/";
    private const string FashionBase = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/";
    private const string CifarUrl = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz";

    internal static readonly IReadOnlyList<RemoteFile> Mnist =
    [
        Gz(MnistBase, "train-images-idx3-ubyte", "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
        Gz(MnistBase, "train-labels-idx1-ubyte", "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
        Gz(MnistBase, "t10k-images-idx3-ubyte", "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
        Gz(MnistBase, "t10k-labels-idx1-ubyte", "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
    ];

    internal static readonly IReadOnlyList<RemoteFile> FashionMnist =
    [
        Gz(FashionBase, "train-images-idx3-ubyte", "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"),
        Gz(FashionBase, "train-labels-idx1-ubyte", "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"),
        Gz(FashionBase, "t10k-images-idx3-ubyte", "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"),
        Gz(FashionBase, "t10k-labels-idx1-ubyte", "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"),
    ];

    // Only the archive's members are checked: no independently confirmed hash of the .tar.gz itself is at hand.
    internal static readonly RemoteArchive Cifar10 = new(new Uri(CifarUrl), new Dictionary<string, string>
    {
        ["data_batch_1.bin"] = "cee916563c9f80d84e3cc88e17fdc0941787f1244f00a67874d45b261883ada5",
        ["data_batch_2.bin"] = "a591ca11fa1708a91ee40f54b3da4784ccd871ecf2137de63f51ada8b3fa57ed",
        ["data_batch_3.bin"] = "bbe8596564c0f86427f876058170b84dac6670ddf06d79402899d93ceea26f67",
        ["data_batch_4.bin"] = "014e562d6e23c72197cc727519169a60359f5eccd8945ad5a09d710285ff4e48",
        ["data_batch_5.bin"] = "755304fc0b379caeae8c14f0dac912fbc7d6cd469eb67a1029a08a39453a9add",
        ["test_batch.bin"] = "8e2eb146ae340b09e24670f29cabc6326dba54da8789dab6768acf480273f65b",
    });

    private static RemoteFile Gz(string baseUrl, string name, string sha256) => new(name + ".gz", new Uri(baseUrl + name + ".gz"), sha256);
}
