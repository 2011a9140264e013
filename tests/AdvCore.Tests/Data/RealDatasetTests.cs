using AdvCore.Data;
using NUnit.Framework;

namespace AdvCore.Tests.Data;

/// <summary>
/// The real test splits, through the same search as users get (ADVCORE_DATA etc.; no download).
/// Expected class counts are from ../shared/datasets/README.md and the datasets' papers.
/// </summary>
public sealed class RealDatasetTests
{
    private static LabeledImages LoadOrIgnore(string dataset)
    {
        if (DatasetLocator.TryLocate(dataset, DatasetSplit.Test) is null)
            Assert.Ignore($"{dataset} test split not found in {string.Join(", ", DatasetLocator.SearchFolders(dataset))} " +
                          $"(set {DatasetLocator.EnvironmentVariable} to the shared datasets folder)");
        return DatasetCatalog.Load(dataset, DatasetSplit.Test, allowDownload: false);
    }

    private static int[] Histogram(LabeledImages set)
    {
        var counts = new int[set.Classes];
        foreach (int label in set.Labels.Span) counts[label]++;
        return counts;
    }

    [Test]
    public void MnistTestSplit()
    {
        var set = LoadOrIgnore("mnist");
        Assert.That(set.Count, Is.EqualTo(10000));
        Assert.That(set.Shape, Is.EqualTo(new[] { 1, 28, 28 }));
        Assert.That(Histogram(set), Is.EqualTo(new[] { 980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009 }));
        Assert.That(set.Labels.Span[0], Is.EqualTo(7), "test image 0 is a 7");
        Assert.That(Mean(set), Is.EqualTo(0.1325).Within(0.0005));
    }

    [Test]
    public void FashionMnistTestSplit()
    {
        var set = LoadOrIgnore("fashion-mnist");
        Assert.That(set.Count, Is.EqualTo(10000));
        Assert.That(set.Shape, Is.EqualTo(new[] { 1, 28, 28 }));
        Assert.That(Histogram(set), Is.All.EqualTo(1000));
    }

    [Test]
    public void Cifar10TestSplit()
    {
        var set = LoadOrIgnore("cifar10");
        Assert.That(set.Count, Is.EqualTo(10000));
        Assert.That(set.Shape, Is.EqualTo(new[] { 3, 32, 32 }));
        Assert.That(Histogram(set), Is.All.EqualTo(1000));
        Assert.That(set.Labels.Span[..10].ToArray(), Is.EqualTo(new[] { 3, 8, 8, 0, 6, 6, 1, 6, 3, 1 }));
        Assert.That(Mean(set), Is.EqualTo((0.4942 + 0.4851 + 0.4504) / 3).Within(0.0005));
    }

    private static double Mean(LabeledImages set)
    {
        double sum = 0;
        foreach (float p in set.Pixels.Span) sum += p;
        return sum / set.Pixels.Length;
    }
}
