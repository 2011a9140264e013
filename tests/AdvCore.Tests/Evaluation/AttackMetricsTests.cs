using AdvCore.Evaluation;
using NUnit.Framework;

namespace AdvCore.Tests.Evaluation;

/// <summary>P_suc, D̄, P(D) and P_upp (thesis eqs. 3.1-3.2) on hand-made records.</summary>
public class AttackMetricsTests
{
    // Five attacked images: successes at distortions 0.5, 1.0, 1.0, 3.0; one failure (its L2 is ignored).
    private static readonly ImageRecord[] Images =
    [
        new(0, 1, true, 0.5, 2), new(1, 2, true, 1.0, 3), new(2, 3, false, 0.2, 3), new(3, 4, true, 1.0, 9), new(4, 5, true, 3.0, 1),
    ];

    [Test]
    public void GlobalStatisticsFollowEquation3_1()
    {
        Assert.That(AttackMetrics.SuccessProbability(Images), Is.EqualTo(0.8));
        Assert.That(AttackMetrics.MeanDistortion(Images), Is.EqualTo((0.5 + 1 + 1 + 3) / 4).Within(1e-15));
        Assert.That(AttackMetrics.MeanDistortion([new ImageRecord(0, 1, false, 1, 1)]), Is.Null);
        Assert.That(AttackMetrics.SuccessProbability([]), Is.EqualTo(0));
    }

    [Test]
    public void OperatingCharacteristicFollowsEquation3_2()
    {
        var curve = AttackMetrics.Curve(Images);
        Assert.That(curve.At(0), Is.EqualTo(0));
        Assert.That(curve.At(0.49), Is.EqualTo(0));
        Assert.That(curve.At(0.5), Is.EqualTo(0.2));
        Assert.That(curve.At(1.0), Is.EqualTo(0.6));
        Assert.That(curve.At(2.0), Is.EqualTo(0.6), "P_upp at D_upp = 2 (MNIST)");
        Assert.That(curve.At(3.0), Is.EqualTo(0.8), "P(D_max) = P_suc");
        Assert.That(curve.MaxDistortion, Is.EqualTo(3.0));
        Assert.That(curve.Points(), Is.EqualTo(new[] { (0.0, 0.0), (0.5, 0.2), (1.0, 0.6), (3.0, 0.8) }));
        Assert.That(AttackMetrics.ProbabilityAt(Images, 2.0), Is.EqualTo(0.6));
    }

    [Test]
    public void RecordComputesItsStatistics()
    {
        var record = AttackRunRecord.Create("bp", new Dictionary<string, string>(), "mnist", null, 20, true, 2.0, 1.5, Images, [7, 9]);
        Assert.That((record.Count, record.Correct), Is.EqualTo((7, 5)));
        Assert.That(record.PSuc, Is.EqualTo(0.8));
        Assert.That(record.MeanL2, Is.EqualTo(1.375).Within(1e-15));
        Assert.That(record.PUpp, Is.EqualTo(0.6));
        Assert.That(record.Label, Is.EqualTo("bp 20"));
    }
}
