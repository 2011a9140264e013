using AdvCore.Data;
using NUnit.Framework;

namespace AdvCore.Tests.Data;

public sealed class LabeledImagesTests
{
    // 4 images of 1×2×2 whose pixels encode (image, position) so copies can be checked exactly.
    private static LabeledImages Sample() =>
        new("s/test", 1, 2, 2, 3, [.. Enumerable.Range(0, 16).Select(i => i / 16f)], [0, 1, 2, 1]);

    [Test]
    public void ExposesShapeAndImages()
    {
        var set = Sample();
        Assert.That(set.Count, Is.EqualTo(4));
        Assert.That(set.ImageSize, Is.EqualTo(4));
        Assert.That(set.Shape, Is.EqualTo(new[] { 1, 2, 2 }));
        Assert.That(set.Image(2).ToArray(), Is.EqualTo(new[] { 8 / 16f, 9 / 16f, 10 / 16f, 11 / 16f }));
    }

    [Test]
    public void TakeSelectAndCopyBatchGather()
    {
        var set = Sample();
        var slice = set.Take(1, 2);
        Assert.That(slice.Labels.ToArray(), Is.EqualTo(new[] { 1, 2 }));
        Assert.That(slice.Image(0).ToArray(), Is.EqualTo(set.Image(1).ToArray()));

        var picked = set.Select([3, 0, 3]);
        Assert.That(picked.Labels.ToArray(), Is.EqualTo(new[] { 1, 0, 1 }));
        Assert.That(picked.Image(2).ToArray(), Is.EqualTo(set.Image(3).ToArray()));

        var pixels = new float[12];
        var labels = new int[3];
        set.CopyBatch([2, 1], pixels, labels); // a short last batch into a reused buffer
        Assert.That(pixels[..8], Is.EqualTo(set.Image(2).ToArray().Concat(set.Image(1).ToArray()).ToArray()));
        Assert.That(labels[..2], Is.EqualTo(new[] { 2, 1 }));
    }

    [Test]
    public void OutOfRangeAccessThrows()
    {
        var set = Sample();
        Assert.That(() => set.Take(3, 2), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => set.Select([4]), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("index 4"));
        Assert.That(() => set.CopyBatch([0, 1], new float[7], new int[2]), Throws.ArgumentException);
    }

    [Test]
    public void ConstructorRejectsBadInputWithSpecifics()
    {
        Assert.That(() => new LabeledImages("x", 1, 2, 2, 3, new float[7], [0, 1]),
            Throws.ArgumentException.With.Message.Contains("2 labels need 8 pixels"));
        var nan = new float[40];
        nan[33] = float.NaN;
        Assert.That(() => new LabeledImages("x", 1, 2, 2, 3, nan, new int[10]),
            Throws.ArgumentException.With.Message.Contains("pixel 33 (image 8) is NaN"));
        Assert.That(() => new LabeledImages("x", 1, 2, 2, 3, [0, 0, 0, 1.5f], [0]),
            Throws.ArgumentException.With.Message.Contains("pixel 3 (image 0) is 1.5"));
        Assert.That(() => new LabeledImages("x", 1, 1, 1, 3, [0, 1], [2, 3]),
            Throws.ArgumentException.With.Message.Contains("label 3 at index 1 is outside 0..2"));
    }
}
