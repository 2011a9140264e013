using AdvCore.Attacks;
using NUnit.Framework;

namespace AdvCore.Tests.Attacks;

/// <summary>
/// <see cref="AttackCriterion"/> and <see cref="AttackOperands"/> through the C ABI: keep best
/// under targeted and margin criteria on hand-made logits whose verdicts are known, the old
/// untargeted overloads unchanged, and refusals (bad margins, unread operands) as typed
/// exceptions naming the problem.
/// </summary>
public class CriterionInteropTests
{
    private Context _ctx = null!;

    [OneTimeSetUp]
    public void SetUp() => _ctx = Context.Create(Device.Cpu, threads: 1, seed: 3);

    [OneTimeTearDown]
    public void TearDown() => _ctx.Dispose();

    private const int N = 3, D = 4, K = 3;

    // Row 0 predicts class 0 (gap 1), row 1 class 2 (gap 4), row 2 class 1 (gap 0.1 over class 0).
    private static readonly float[] LogitValues = [2, 1, 0, 0, 1, 5, 1, 1.1f, 0];

    private static float[] Random(int count, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => 0.2f + 0.6f * rng.NextSingle()).ToArray();
    }

    private int[] Flags(AttackCriterion criterion, int[] labels, out float[] bestNorm)
    {
        using var x = Tensor.FromArray(_ctx, Random(N * D, 1), N, D);
        using var y = Tensor.FromArray(_ctx, Random(N * D, 2), N, D);
        using var logits = Tensor.FromArray(_ctx, LogitValues, N, K);
        using var labelT = Tensor.FromArray(_ctx, labels);
        using var bestY = Tensor.Zeros(_ctx, [N, D]);
        using var bestNormT = Tensor.FromArray(_ctx, Enumerable.Repeat(float.PositiveInfinity, N).ToArray());
        using var adversarial = Tensor.Zeros(_ctx, [N], DType.I32);
        var ops = new AttackOperands
        {
            X = x, Y = y, Logits = logits, Labels = labelT, BestY = bestY, BestNorm = bestNormT, Criterion = criterion,
        };
        AttackSteps.KeepBest(ops, adversarial);
        bestNorm = bestNormT.ToArray();
        return adversarial.ToInt32Array();
    }

    [Test]
    public void TargetedSucceedsOnlyWhereTheArgmaxIsTheTarget()
    {
        int[] flags = Flags(new AttackCriterion(Targeted: true), [0, 2, 0], out float[] norms);
        Assert.That(flags, Is.EqualTo(new[] { 1, 1, 0 }));
        Assert.That(float.IsFinite(norms[0]) && float.IsFinite(norms[1]), Is.True);
        Assert.That(norms[2], Is.EqualTo(float.PositiveInfinity), "a sample that missed its target keeps no best");
    }

    [Test]
    public void MarginsAskForAConfidentGap()
    {
        Assert.That(Flags(new AttackCriterion(true, Margin: 2f), [0, 2, 0], out _), Is.EqualTo(new[] { 0, 1, 0 }));
        // Untargeted, true labels [0, 2, 0]: only row 2 is misclassified, by 0.1.
        Assert.That(Flags(new AttackCriterion(false, Margin: 0.05f), [0, 2, 0], out _), Is.EqualTo(new[] { 0, 0, 1 }));
        Assert.That(Flags(new AttackCriterion(false, Margin: 0.5f), [0, 2, 0], out _), Is.EqualTo(new[] { 0, 0, 0 }));
    }

    [Test]
    public void UntargetedDefaultEqualsTheOriginalOverload()
    {
        int[] viaOperands = Flags(AttackCriterion.Untargeted, [1, 2, 0], out float[] n1);
        using var x = Tensor.FromArray(_ctx, Random(N * D, 1), N, D);
        using var y = Tensor.FromArray(_ctx, Random(N * D, 2), N, D);
        using var logits = Tensor.FromArray(_ctx, LogitValues, N, K);
        using var labels = Tensor.FromArray(_ctx, new[] { 1, 2, 0 });
        using var bestY = Tensor.Zeros(_ctx, [N, D]);
        using var bestNorm = Tensor.FromArray(_ctx, Enumerable.Repeat(float.PositiveInfinity, N).ToArray());
        using var adversarial = Tensor.Zeros(_ctx, [N], DType.I32);
        AttackSteps.KeepBest(x, y, logits, labels, bestY, bestNorm, adversarial);
        Assert.That(adversarial.ToInt32Array(), Is.EqualTo(viaOperands));
        Assert.That(viaOperands, Is.EqualTo(new[] { 1, 0, 1 }));
        Assert.That(bestNorm.ToArray(), Is.EqualTo(n1));
        Assert.That(AttackCriterion.Untargeted, Is.EqualTo(new AttackCriterion(false, 0)));
    }

    [TestCase(-0.1f)]
    [TestCase(float.NaN)]
    [TestCase(float.PositiveInfinity)]
    public void BadMarginsAreRefusedBeforeTheNativeCall(float margin)
    {
        var criterion = new AttackCriterion(true, margin);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => criterion.Validate())!;
        Assert.That(e.ParamName, Is.EqualTo("Margin"));
        Assert.Throws<ArgumentOutOfRangeException>(() => Flags(criterion, [0, 2, 0], out _));
    }

    [Test]
    public void UnreadOperandsAndTargetedDeepFoolAreRefused()
    {
        using var x = Tensor.FromArray(_ctx, Random(N * D, 1), N, D);
        using var y = Tensor.FromArray(_ctx, Random(N * D, 2), N, D);
        using var logits = Tensor.FromArray(_ctx, LogitValues, N, K);
        using var labels = Tensor.FromArray(_ctx, new[] { 0, 2, 0 });
        var withGrad = new AttackOperands { X = x, Y = y, Grad = x, Logits = logits, Labels = labels };
        var e = Assert.Throws<InvalidArgumentException>(() => AttackSteps.KeepBest(withGrad, null))!;
        Assert.That(e.Message, Does.Contain("attack_keep_best: ops->grad must be NULL"));

        using var rTotal = Tensor.Zeros(_ctx, [N, D]);
        using var jacobian = Tensor.Zeros(_ctx, [K, N, D]);
        using var active = Tensor.FromArray(_ctx, new[] { 1, 1, 1 });
        var targeted = new AttackOperands { X = x, Y = y, Logits = logits, Labels = labels, Criterion = new AttackCriterion(true) };
        var df = Assert.Throws<InvalidArgumentException>(() => AttackSteps.DeepFoolStep(targeted, rTotal, jacobian, active, 0.02f))!;
        Assert.That(df.Message, Does.Contain("deepfool_step: the criterion must be untargeted"));
    }

    [Test]
    public void DisposedOperandIsAnObjectDisposedException()
    {
        using var x = Tensor.FromArray(_ctx, Random(N * D, 1), N, D);
        var y = Tensor.FromArray(_ctx, Random(N * D, 2), N, D);
        y.Dispose();
        using var logits = Tensor.FromArray(_ctx, LogitValues, N, K);
        using var labels = Tensor.FromArray(_ctx, new[] { 0, 2, 0 });
        var ops = new AttackOperands { X = x, Y = y, Logits = logits, Labels = labels };
        Assert.Throws<ObjectDisposedException>(() => AttackSteps.KeepBest(ops, null));
        // The lease released what it had taken: x still works.
        Assert.That(x.ToArray(), Has.Length.EqualTo(N * D));
    }
}
