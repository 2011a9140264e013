using AdvCore.Evaluation;
using NUnit.Framework;

namespace AdvCore.Tests.Evaluation;

public class TargetSelectionTests
{
    [Test]
    public void RandomTargetsAreOtherClassesFixedBySeedAndIndex()
    {
        var random = TargetSelection.Parse("random", seed: 11);
        float[] logits = new float[10];
        var counts = new int[10];
        for (int index = 0; index < 5000; index++)
        {
            int label = index % 10;
            int t = random.For(index, label, logits);
            Assert.That(t, Is.InRange(0, 9).And.Not.EqualTo(label));
            Assert.That(random.For(index, label, logits), Is.EqualTo(t), "a pure function of (seed, index)");
            counts[t]++;
        }
        Assert.That(counts, Is.All.InRange(400, 600), "about uniform over the classes");
        Assert.That(Enumerable.Range(0, 50).Count(i => TargetSelection.Parse("random", 12).For(i, 0, logits) != random.For(i, 0, logits)), Is.GreaterThan(20));
    }

    [Test]
    public void LeastLikelyAndFixedLabels()
    {
        float[] logits = [0.5f, -2f, 3f, -1f];
        Assert.That(TargetSelection.Parse("least-likely").For(0, 2, logits), Is.EqualTo(1));
        Assert.That(TargetSelection.Parse("3").For(0, 2, logits), Is.EqualTo(3));
        Assert.That(TargetSelection.Parse("3").For(0, 3, logits), Is.EqualTo(-1), "an image of the target class is not attacked");
        Assert.Throws<ArgumentOutOfRangeException>(() => TargetSelection.Parse("7").For(0, 2, logits));
        var e = Assert.Throws<ArgumentException>(() => TargetSelection.Parse("most-likely"))!;
        Assert.That(e.Message, Does.Contain("--target must be random, least-likely or a class label"));
    }
}
