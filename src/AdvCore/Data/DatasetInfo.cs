namespace AdvCore.Data;

/// <summary>
/// What AdvCore knows about each dataset: image shape, the folder names it lives under, and the
/// files each split needs (base names; the locator also accepts them gzipped).
/// </summary>
internal sealed record DatasetInfo(
    string Name, int Channels, int Height, int Width, int Classes,
    IReadOnlyList<string> Folders, IReadOnlyList<string> TrainFiles, IReadOnlyList<string> TestFiles,
    IReadOnlyList<string> ExtraRoots)
{
    internal IReadOnlyList<string> Files(DatasetSplit split) => split == DatasetSplit.Train ? TrainFiles : TestFiles;

    internal bool IsIdx => Channels == 1;

    private static readonly string[] IdxTrain = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte"];
    private static readonly string[] IdxTest = ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];

    internal static readonly DatasetInfo Mnist = new("mnist", 1, 28, 28, 10, ["mnist", "MNIST"], IdxTrain, IdxTest, []);

    // The Debian package dataset-fashion-mnist installs the four .gz files in this folder.
    internal static readonly DatasetInfo FashionMnist = new("fashion-mnist", 1, 28, 28, 10,
        ["fashion-mnist", "fashion_mnist", "FashionMNIST"], IdxTrain, IdxTest, ["/usr/share/datasets/fashion-mnist"]);

    // cifar-10-batches-bin is the folder inside the official tar.gz, so an unpacked download works as is.
    internal static readonly DatasetInfo Cifar10 = new("cifar10", 3, 32, 32, 10,
        ["cifar10", "cifar-10", "cifar10/cifar-10-batches-bin", "cifar-10-batches-bin"],
        ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"],
        ["test_batch.bin"], []);

    internal static readonly IReadOnlyList<DatasetInfo> All = [Mnist, FashionMnist, Cifar10];
}
