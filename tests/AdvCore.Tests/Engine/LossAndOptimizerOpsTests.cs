using NUnit.Framework;

namespace AdvCore.Tests.Engine;

/// <summary>
/// Losses, argmax and optimiser updates: fast against reference kernels (1e-5 relative) and
/// against a float64 host computation of the documented formulas (1e-5 relative).
/// </summary>
public class LossAndOptimizerOpsTests
{
    private DualContext _dual = null!;

    [SetUp]
    public void SetUp() => _dual = new DualContext();

    [TearDown]
    public void TearDown() => _dual.Dispose();

    private static double[] LogSoftmax(float[] logits, int row, int k)
    {
        double max = double.NegativeInfinity;
        for (int j = 0; j < k; j++) max = Math.Max(max, logits[row * k + j]);
        double sum = 0;
        for (int j = 0; j < k; j++) sum += Math.Exp(logits[row * k + j] - max);
        double lse = max + Math.Log(sum);
        return Enumerable.Range(0, k).Select(j => logits[row * k + j] - lse).ToArray();
    }

    private static double ExpectedLoss(LossKind kind, float param, float[] logits, int row, int k, int label)
    {
        double[] logp = LogSoftmax(logits, row, k);
        switch (kind)
        {
            case LossKind.CrossEntropy:
                double loss = 0;
                for (int j = 0; j < k; j++)
                {
                    double target = j == label ? 1 - param : param / (k - 1);
                    loss -= target * logp[j];
                }
                return loss;
            case LossKind.LogProbMargin:
                return logp[label] - Enumerable.Range(0, k).Where(j => j != label).Max(j => logp[j]);
            default:
                double other = Enumerable.Range(0, k).Where(j => j != label).Max(j => (double)logits[row * k + j]);
                return Math.Max(logits[row * k + label] - other + param, 0);
        }
    }

    [TestCase(LossKind.CrossEntropy, 0f, 1, 10)]
    [TestCase(LossKind.CrossEntropy, 0.1f, 67, 10)]
    [TestCase(LossKind.CrossEntropy, 0f, 5, 2)]
    [TestCase(LossKind.LogProbMargin, 0f, 67, 10)]
    [TestCase(LossKind.LogProbMargin, 0f, 3, 2)]
    [TestCase(LossKind.CwMargin, 0f, 67, 10)]
    [TestCase(LossKind.CwMargin, 5f, 4, 7)]
    public void LossMatchesReferenceAndFormula(LossKind kind, float param, int n, int k)
    {
        float[] logitsData = TestData.Uniform(71, n * k, -4f, 4f);
        int[] labelData = TestData.Labels(72, n, k);
        var logits = _dual.Input(logitsData, n, k);
        var labels = _dual.Labels(labelData);
        var loss = _dual.Zeros(n);
        var dlogits = _dual.Zeros(n, k);
        Ops.Loss(kind, param, logits.Fast, labels.Fast, loss.Fast, dlogits.Fast);
        Ops.Loss(kind, param, logits.Ref, labels.Ref, loss.Ref, dlogits.Ref);
        DualContext.AssertClose(loss, 1e-6, 1e-5, $"{kind} loss");
        DualContext.AssertClose(dlogits, 1e-6, 1e-5, $"{kind} dlogits");

        float[] expected = Enumerable.Range(0, n).Select(i => (float)ExpectedLoss(kind, param, logitsData, i, k, labelData[i])).ToArray();
        Close.Assert(expected, loss.Ref.ToArray(), 1e-5, 1e-5, $"{kind} loss vs float64 formula");

        // dlogits against central differences of the float64 formula (smooth away from ties).
        float[] grad = dlogits.Ref.ToArray();
        var fd = new float[n * k];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < k; j++)
            {
                float[] plus = (float[])logitsData.Clone(), minus = (float[])logitsData.Clone();
                const float h = 1e-3f;
                plus[i * k + j] += h;
                minus[i * k + j] -= h;
                fd[i * k + j] = (float)((ExpectedLoss(kind, param, plus, i, k, labelData[i]) -
                                         ExpectedLoss(kind, param, minus, i, k, labelData[i])) / (plus[i * k + j] - minus[i * k + j]));
            }
        Close.Assert(fd, grad, 2e-3, 1e-3, $"{kind} dlogits vs finite differences");
    }

    [Test]
    public void LossWithoutGradientOnlyWritesTheLoss()
    {
        var logits = _dual.Random(73, 3, 4);
        var labels = _dual.Labels([0, 3, 1]);
        var loss = _dual.Zeros(3);
        Ops.Loss(LossKind.CrossEntropy, 0, logits.Fast, labels.Fast, loss.Fast, null);
        Ops.Loss(LossKind.CrossEntropy, 0, logits.Ref, labels.Ref, loss.Ref, null);
        DualContext.AssertClose(loss, 1e-6, 1e-5, "loss without dlogits");
    }

    [Test]
    public void LossRejectsBadLabelsAndLogits()
    {
        var logits = _dual.Random(74, 2, 10);
        var loss = _dual.Zeros(2);
        var bad = _dual.Labels([3, 11]);
        var negative = _dual.Labels([-1, 0]);
        var e = Assert.Throws<LabelOutOfRangeException>(() => Ops.Loss(LossKind.CrossEntropy, 0, logits.Fast, bad.Fast, loss.Fast, null));
        Assert.That(e!.Status, Is.EqualTo(AdvCoreStatus.LabelRange));
        Assert.Throws<LabelOutOfRangeException>(() => Ops.Loss(LossKind.CwMargin, 0, logits.Fast, negative.Fast, loss.Fast, null));
        var nan = _dual.Input([1f, float.NaN, 0f, 0f], 2, 2);
        var ok = _dual.Labels([0, 1]);
        Assert.Throws<NonFiniteException>(() => Ops.Loss(LossKind.CrossEntropy, 0, nan.Fast, ok.Fast, loss.Fast, null));
        Assert.Throws<InvalidArgumentException>(() => Ops.Loss(LossKind.CrossEntropy, 1f, logits.Fast, ok.Fast, loss.Fast, null));
        var floatLabels = _dual.Zeros(2);
        Assert.Throws<ShapeMismatchException>(() => Ops.Loss(LossKind.CrossEntropy, 0, logits.Fast, floatLabels.Fast, loss.Fast, null));
    }

    [TestCase(1, 10)]
    [TestCase(67, 10)]
    [TestCase(9, 2)]
    public void ArgMaxTakesTheFirstMaximiser(int n, int k)
    {
        float[] data = TestData.Uniform(75, n * k);
        data[k - 1] = 5f; // row 0: tie between the first and last class, the first wins
        data[0] = 5f;
        var logits = _dual.Input(data, n, k);
        var pred = _dual.Zeros(DType.I32, n);
        Ops.ArgMax(logits.Fast, pred.Fast);
        Ops.ArgMax(logits.Ref, pred.Ref);
        int[] expected = Enumerable.Range(0, n).Select(i =>
        {
            int best = 0;
            for (int j = 1; j < k; j++) if (data[i * k + j] > data[i * k + best]) best = j;
            return best;
        }).ToArray();
        Assert.That(pred.Ref.ToInt32Array(), Is.EqualTo(expected));
        Assert.That(pred.Fast.ToInt32Array(), Is.EqualTo(expected));
    }

    [TestCase(1L, 0f)]
    [TestCase(7L, 0.01f)]
    public void AdamMatchesReferenceAndFormula(long step, float weightDecay)
    {
        const int Count = 1001;
        float[] p0 = TestData.Uniform(81, Count), g = TestData.Uniform(82, Count);
        float[] m0 = TestData.Uniform(83, Count, -0.1f, 0.1f), v0 = TestData.Uniform(84, Count, 0f, 0.1f);
        var p = _dual.Input(p0, 7, 11, 13);
        var grad = _dual.Input(g, 7, 11, 13);
        var m = _dual.Input(m0, 7, 11, 13);
        var v = _dual.Input(v0, 7, 11, 13);
        const float Lr = 0.01f, B1 = 0.9f, B2 = 0.999f, Eps = 1e-8f;
        Ops.AdamUpdate(p.Fast, grad.Fast, m.Fast, v.Fast, Lr, B1, B2, Eps, weightDecay, step);
        Ops.AdamUpdate(p.Ref, grad.Ref, m.Ref, v.Ref, Lr, B1, B2, Eps, weightDecay, step);
        DualContext.AssertClose(p, 1e-6, 1e-5, "adam param");
        DualContext.AssertClose(m, 1e-7, 1e-5, "adam m");
        DualContext.AssertClose(v, 1e-7, 1e-5, "adam v");

        var expected = new float[Count];
        for (int i = 0; i < Count; i++)
        {
            double gi = g[i] + (double)weightDecay * p0[i];
            double mi = B1 * m0[i] + (1 - B1) * gi, vi = B2 * v0[i] + (1 - B2) * gi * gi;
            double mHat = mi / (1 - Math.Pow(B1, step)), vHat = vi / (1 - Math.Pow(B2, step));
            expected[i] = (float)(p0[i] - Lr * mHat / (Math.Sqrt(vHat) + Eps));
        }
        Close.Assert(expected, p.Ref.ToArray(), 1e-6, 1e-5, "adam param vs formula");
    }

    [TestCase(false, 0f)]
    [TestCase(true, 0.001f)]
    public void SgdMatchesReferenceAndFormula(bool nesterov, float weightDecay)
    {
        const int Count = 333;
        float[] p0 = TestData.Uniform(85, Count), g = TestData.Uniform(86, Count), vel0 = TestData.Uniform(87, Count);
        var p = _dual.Input(p0, Count);
        var grad = _dual.Input(g, Count);
        var vel = _dual.Input(vel0, Count);
        const float Lr = 0.05f, Mu = 0.9f;
        Ops.SgdUpdate(p.Fast, grad.Fast, vel.Fast, Lr, Mu, weightDecay, nesterov);
        Ops.SgdUpdate(p.Ref, grad.Ref, vel.Ref, Lr, Mu, weightDecay, nesterov);
        DualContext.AssertClose(p, 1e-6, 1e-5, "sgd param");
        DualContext.AssertClose(vel, 1e-6, 1e-5, "sgd velocity");

        var expected = new float[Count];
        for (int i = 0; i < Count; i++)
        {
            double gi = g[i] + (double)weightDecay * p0[i];
            double vi = Mu * vel0[i] + gi;
            expected[i] = (float)(p0[i] - Lr * (nesterov ? gi + Mu * vi : vi));
        }
        Close.Assert(expected, p.Ref.ToArray(), 1e-6, 1e-5, "sgd param vs formula");
    }

    [Test]
    public void OptimizerArgumentsAreChecked()
    {
        var p = _dual.Random(88, 4);
        Assert.Throws<InvalidArgumentException>(() => Ops.AdamUpdate(p.Fast, p.Fast, p.Fast, p.Fast, 0.1f, 0.9f, 0.999f, 1e-8f, 0, 0));
        Assert.Throws<InvalidArgumentException>(() => Ops.AdamUpdate(p.Fast, p.Fast, p.Fast, p.Fast, float.NaN, 0.9f, 0.999f, 1e-8f, 0, 1));
        Assert.Throws<InvalidArgumentException>(() => Ops.SgdUpdate(p.Fast, p.Fast, p.Fast, 0.1f, -1f, 0, false));
    }
}
