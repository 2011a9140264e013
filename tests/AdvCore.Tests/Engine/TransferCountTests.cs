using AdvCore.Attacks;
using NUnit.Framework;

namespace AdvCore.Tests.Engine;

/// <summary>
/// <see cref="Context.TransferCounts"/> and <see cref="Context.ValueChecks"/>: downloads and uploads
/// are counted, and a device-resident attack loop (forward, loss, backward to the input, fused
/// step) makes no device→host read once value checks are off.
/// </summary>
public class TransferCountTests
{
    [Test]
    public void DownloadsAndUploadsAreCounted()
    {
        using var ctx = Context.Create(Device.Cpu, threads: 1);
        using var t = Tensor.FromArray(ctx, new float[] { 1, 2, 3 });
        ctx.ResetTransferCounts();
        Assert.That(ctx.TransferCounts(), Is.EqualTo(new TransferCounts(0, 0, 0)));
        _ = t.ToArray();
        _ = t.ToArray();
        Assert.That(ctx.TransferCounts().DeviceToHost, Is.EqualTo(2));
        t.CopyFrom(new float[] { 4, 5, 6 });
        Assert.That(ctx.TransferCounts().HostToDevice, Is.EqualTo(1));
        ctx.Synchronize();
        Assert.That(ctx.TransferCounts().Synchronizations, Is.EqualTo(1));
        ctx.ResetTransferCounts();
        Assert.That(ctx.TransferCounts(), Is.EqualTo(default(TransferCounts)));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void DeviceLoopMakesNoReadsWithValueChecksOff(bool referenceKernels)
    {
        using var ctx = Context.Create(Device.Cpu, threads: 2, referenceKernels: referenceKernels);
        Assert.That(ctx.ValueChecks, Is.True, "on by default");
        const int n = 4, d = 12, k = 3;
        var rng = new Random(11);
        float[] R(int count, float lo, float hi) => Enumerable.Range(0, count).Select(_ => lo + (hi - lo) * rng.NextSingle()).ToArray();
        using var x = Tensor.FromArray(ctx, R(n * d, 0.1f, 0.9f), n, d);
        using var y = Tensor.Zeros(ctx, [n, d]);
        y.CopyFrom(x);
        using var w = Tensor.FromArray(ctx, R(k * d, -1, 1), k, d);
        using var b = Tensor.FromArray(ctx, R(k, -1, 1));
        using var logits = Tensor.Zeros(ctx, [n, k]);
        using var labels = Tensor.FromArray(ctx, new[] { 0, 1, 2, 1 });
        using var loss = Tensor.Zeros(ctx, [n]);
        using var dlogits = Tensor.Zeros(ctx, [n, k]);
        using var grad = Tensor.Zeros(ctx, [n, d]);
        using var bestY = Tensor.Zeros(ctx, [n, d]);
        using var bestNorm = Tensor.FromArray(ctx, Enumerable.Repeat(float.PositiveInfinity, n).ToArray());
        using var stage = Tensor.Zeros(ctx, [n], DType.I32);
        var ops = new AttackOperands { X = x, Y = y, Grad = grad, Logits = logits, Labels = labels, BestY = bestY, BestNorm = bestNorm };

        void Iterate()
        {
            Ops.LinearForward(y, w, b, logits);
            Ops.Loss(LossKind.CrossEntropy, 0f, logits, labels, loss, dlogits);
            Ops.LinearBackward(y, w, dlogits, grad, null, null);
            AttackSteps.BpStep(ops, stage, 0.8f, 0.5f, 0.1f, -1f, BpRounding.EachIteration);
        }

        ctx.ValueChecks = false;
        Assert.That(ctx.ValueChecks, Is.False);
        ctx.ResetTransferCounts();
        for (int i = 0; i < 3; i++) Iterate();
        TransferCounts afterK = ctx.TransferCounts();
        for (int i = 0; i < 3; i++) Iterate();
        Assert.That(ctx.TransferCounts(), Is.EqualTo(afterK));
        Assert.That(afterK, Is.EqualTo(new TransferCounts(0, 0, 0)));

        ctx.ValueChecks = true;
        ctx.ResetTransferCounts();
        Iterate();
        // The loss reads labels and the finiteness flag, BP reads labels.
        Assert.That(ctx.TransferCounts().DeviceToHost, Is.GreaterThanOrEqualTo(3));
    }
}
