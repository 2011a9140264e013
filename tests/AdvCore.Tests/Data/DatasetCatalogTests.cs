using AdvCore.Data;
using NUnit.Framework;

namespace AdvCore.Tests.Data;

public sealed class DatasetCatalogTests
{
    [TestCase("mnist", "mnist")]
    [TestCase(" MNIST ", "mnist")]
    [TestCase("fashion_mnist", "fashion-mnist")]
    [TestCase("FashionMNIST", "fashion-mnist")]
    [TestCase("fmnist", "fashion-mnist")]
    [TestCase("cifar-10", "cifar10")]
    [TestCase("CIFAR10", "cifar10")]
    public void NormalizesAliases(string given, string expected) =>
        Assert.That(DatasetCatalog.Normalize(given), Is.EqualTo(expected));

    [Test]
    public void UnknownNameListsValidOnes() =>
        Assert.That(() => DatasetCatalog.Normalize("cifar100"),
            Throws.ArgumentException.With.Message.Contains("cifar100").And.Message.Contains("mnist, fashion-mnist, cifar10"));

    [Test]
    public void NamesAndShapes()
    {
        Assert.That(DatasetCatalog.Names, Is.EqualTo(new[] { "mnist", "fashion-mnist", "cifar10" }));
        Assert.That(DatasetCatalog.ShapeOf("fmnist"), Is.EqualTo((1, 28, 28, 10)));
        Assert.That(DatasetCatalog.ShapeOf("cifar10"), Is.EqualTo((3, 32, 32, 10)));
    }
}
