using System.Globalization;
using AdvCore.Nn;
using AdvCore.Tests.Nn;
using NUnit.Framework;

namespace AdvCore.Tests.Engine;

/// <summary>
/// The attack losses CwMarginTargeted, Dlr and DlrTargeted through <see cref="Ops.Loss"/> on the
/// fast and the reference CPU contexts, against plain float64 C# formulas (value and analytic
/// gradient: |a − e| ≤ 1e-6 + 1e-5·|e|) and central differences of those formulas
/// (h = 1e-6 in float64; random logits, so no ties or kinks within h); the label layout of
/// DlrTargeted ([N, 2] rows (y, t)); and Network.InputGradient with DlrTargeted.
/// </summary>
public class AttackLossTests
{
    private DualContext _dual = null!;

    [SetUp]
    public void SetUp() => _dual = new DualContext();

    [TearDown]
    public void TearDown() => _dual.Dispose();

    /// <summary>Row indices sorted by logit, largest first; equal logits keep index order.</summary>
    private static int[] Order(double[] z) =>
        Enumerable.Range(0, z.Length).OrderByDescending(j => z[j]).ToArray(); // LINQ's sort is stable

    private static int FirstMaxExcept(double[] z, int skip)
    {
        int best = -1;
        for (int j = 0; j < z.Length; j++)
            if (j != skip && (best < 0 || z[j] > z[best])) best = j;
        return best;
    }

    /// <summary>Loss of one row; <paramref name="grad"/> (when given) receives its analytic gradient.</summary>
    private static double Formula(LossKind kind, double mu, double[] z, int y, int t, double[]? grad)
    {
        if (grad != null) Array.Clear(grad);
        int[] p = Order(z);
        switch (kind)
        {
            case LossKind.CwMarginTargeted:
            {
                // labels = targets: here y holds the target.
                int j = FirstMaxExcept(z, y);
                double margin = z[j] - z[y] + mu;
                if (margin <= 0) return 0;
                if (grad != null)
                {
                    grad[j] += 1;
                    grad[y] -= 1;
                }
                return margin;
            }
            case LossKind.Dlr:
            {
                int j = FirstMaxExcept(z, y);
                double num = z[y] - z[j], den = z[p[0]] - z[p[2]] + 1e-12;
                if (grad != null)
                {
                    grad[j] += 1 / den;
                    grad[y] -= 1 / den;
                    grad[p[0]] += num / (den * den);
                    grad[p[2]] -= num / (den * den);
                }
                return -num / den;
            }
            case LossKind.DlrTargeted:
            {
                double num = z[y] - z[t], den = z[p[0]] - (z[p[2]] + z[p[3]]) / 2 + 1e-12;
                if (grad != null)
                {
                    grad[t] += 1 / den;
                    grad[y] -= 1 / den;
                    grad[p[0]] += num / (den * den);
                    grad[p[2]] -= num / (2 * den * den);
                    grad[p[3]] -= num / (2 * den * den);
                }
                return -num / den;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }

    /// <summary>Labels in the layout of <paramref name="kind"/>: [N], or [N, 2] rows (y, t ≠ y).</summary>
    private static int[] LabelData(LossKind kind, int seed, int n, int k)
    {
        int[] y = TestData.Labels(seed, n, k);
        if (kind != LossKind.DlrTargeted) return y;
        int[] offsets = TestData.Labels(seed + 1, n, k - 1);
        var pairs = new int[2 * n];
        for (int i = 0; i < n; i++)
        {
            pairs[2 * i] = y[i];
            pairs[2 * i + 1] = (y[i] + 1 + offsets[i]) % k;
        }
        return pairs;
    }

    private Pair LabelPair(LossKind kind, int[] data, int n) =>
        kind == LossKind.DlrTargeted ? _dual.Input(data, n, 2) : _dual.Labels(data);

    [TestCase(LossKind.CwMarginTargeted, 0f, 67, 10)]
    [TestCase(LossKind.CwMarginTargeted, 2f, 5, 3)]
    [TestCase(LossKind.Dlr, 0f, 67, 10)]
    [TestCase(LossKind.Dlr, 0.5f, 9, 3)]
    [TestCase(LossKind.DlrTargeted, 0f, 67, 10)]
    [TestCase(LossKind.DlrTargeted, 0f, 9, 4)]
    [TestCase(LossKind.DlrTargeted, 0f, 3, 100)]
    public void LossAndGradientMatchFloat64Formula(LossKind kind, float param, int n, int k)
    {
        float[] logitsData = TestData.Uniform(81, n * k, -4f, 4f);
        int[] labelData = LabelData(kind, 82, n, k);
        int per = kind == LossKind.DlrTargeted ? 2 : 1;
        var logits = _dual.Input(logitsData, n, k);
        var labels = LabelPair(kind, labelData, n);
        var loss = _dual.Zeros(n);
        var dlogits = _dual.Zeros(n, k);
        Ops.Loss(kind, param, logits.Fast, labels.Fast, loss.Fast, dlogits.Fast);
        Ops.Loss(kind, param, logits.Ref, labels.Ref, loss.Ref, dlogits.Ref);
        Close.AssertExact(loss.Ref.ToArray(), loss.Fast.ToArray(), $"{kind} loss fast vs reference");
        Close.AssertExact(dlogits.Ref.ToArray(), dlogits.Fast.ToArray(), $"{kind} dlogits fast vs reference");

        var expectedLoss = new float[n];
        var expectedGrad = new float[n * k];
        var fd = new float[n * k];
        var g = new double[k];
        int active = 0;
        for (int i = 0; i < n; i++)
        {
            double[] z = Enumerable.Range(0, k).Select(j => (double)logitsData[i * k + j]).ToArray();
            int y = labelData[i * per], t = per == 2 ? labelData[i * per + 1] : -1;
            double value = Formula(kind, param, z, y, t, g);
            expectedLoss[i] = (float)value;
            if (value != 0) active++;
            for (int j = 0; j < k; j++)
            {
                expectedGrad[i * k + j] = (float)g[j];
                const double H = 1e-6;
                double keep = z[j];
                z[j] = keep + H;
                double up = Formula(kind, param, z, y, t, null);
                z[j] = keep - H;
                double down = Formula(kind, param, z, y, t, null);
                z[j] = keep;
                fd[i * k + j] = (float)((up - down) / (2 * H));
            }
        }
        Assert.That(active, Is.GreaterThan(0), "every sample sits on the zero side of the hinge");
        Close.Assert(expectedLoss, loss.Ref.ToArray(), 1e-6, 1e-5, $"{kind} loss vs float64 formula");
        Close.Assert(expectedGrad, dlogits.Ref.ToArray(), 1e-6, 1e-5, $"{kind} dlogits vs float64 formula");
        Close.Assert(fd, dlogits.Ref.ToArray(), 1e-5, 1e-4, $"{kind} dlogits vs central differences");
    }

    [Test]
    public void DlrTargetedHandExample()
    {
        // z = (1, 4, 2, 0.5, 3), y = 1, t = 3: sorted 4 (π1 = 1), 3, 2 (π3 = 2), 1 (π4 = 0), 0.5.
        // N = 4 − 0.5 = 3.5, D = 4 − (2 + 1)/2 = 2.5: loss −1.4;
        // grad = (e_3 − e_1)/2.5 + (3.5/6.25)(e_1 − e_2/2 − e_0/2).
        var logits = _dual.Input([1f, 4f, 2f, 0.5f, 3f], 1, 5);
        var labels = _dual.Input(new[] { 1, 3 }, 1, 2);
        var loss = _dual.Zeros(1);
        var d = _dual.Zeros(1, 5);
        Ops.Loss(LossKind.DlrTargeted, 0, logits.Fast, labels.Fast, loss.Fast, d.Fast);
        Close.Assert([-1.4f], loss.Fast.ToArray(), 1e-7, 0, "loss");
        Close.Assert([-0.28f, 0.16f, -0.28f, 0.4f, 0f], d.Fast.ToArray(), 1e-7, 0, "dlogits");
    }

    [Test]
    public void AttackLossesRejectBadLayoutsAndArguments()
    {
        var logits = _dual.Random(83, 3, 5);
        var loss = _dual.Zeros(3);
        var flat = _dual.Labels([0, 1, 2]);
        var pairs = _dual.Input(new[] { 0, 1, 2, 2, 4, 0 }, 3, 2);
        var e = Assert.Throws<InvalidArgumentException>(() => Ops.Loss(LossKind.DlrTargeted, 0, logits.Fast, pairs.Fast, loss.Fast, null));
        Assert.That(e!.Message, Does.Contain("row 1"));
        Assert.Throws<ShapeMismatchException>(() => Ops.Loss(LossKind.DlrTargeted, 0, logits.Fast, flat.Fast, loss.Fast, null));
        Assert.Throws<ShapeMismatchException>(() => Ops.Loss(LossKind.Dlr, 0, logits.Fast, pairs.Fast, loss.Fast, null));
        var outOfRange = _dual.Input(new[] { 0, 1, 2, 5, 4, 0 }, 3, 2);
        Assert.Throws<LabelOutOfRangeException>(() => Ops.Loss(LossKind.DlrTargeted, 0, logits.Fast, outOfRange.Fast, loss.Fast, null));
        Assert.Throws<InvalidArgumentException>(() => Ops.Loss(LossKind.CwMarginTargeted, -1f, logits.Fast, flat.Fast, loss.Fast, null));
        Assert.DoesNotThrow(() => Ops.Loss(LossKind.Dlr, 7f, logits.Fast, flat.Fast, loss.Fast, null)); // param ignored

        var two = _dual.Random(84, 2, 2);
        var three = _dual.Random(85, 2, 3);
        var loss2 = _dual.Zeros(2);
        var y2 = _dual.Labels([0, 1]);
        var p2 = _dual.Input(new[] { 0, 1, 1, 0 }, 2, 2);
        Assert.Throws<ShapeMismatchException>(() => Ops.Loss(LossKind.Dlr, 0, two.Fast, y2.Fast, loss2.Fast, null));
        Assert.Throws<ShapeMismatchException>(() => Ops.Loss(LossKind.DlrTargeted, 0, three.Fast, p2.Fast, loss2.Fast, null));
    }

    [Test]
    public void InputGradientAcceptsLabelPairsForDlrTargeted()
    {
        const int N = 3, K = 5;
        long[] shape = [N, 1, 4, 4];
        var ctx = _dual.Fast;
        using var net = Network.Build(ctx, [1, 4, 4], [new FlattenLayer(), new LinearLayer(8), ActivationLayer.LeakyReLU(0.1f), new LinearLayer(K)], seed: 9);
        float[] x0 = TinyData.Images(86, shape);
        using var x = Tensor.FromArray(ctx, x0, shape);
        int[] pairData = [0, 3, 4, 1, 2, 0];
        using var pairs = Tensor.FromArray(ctx, pairData, N, 2);

        var r = net.InputGradient(x, pairs, LossKind.DlrTargeted);
        float[] logits = r.Logits.ToArray(), loss = r.Loss.ToArray(), grad = r.Gradient.ToArray();
        Assert.That(grad.Length, Is.EqualTo(N * 16));
        Assert.That(grad.Max(Math.Abs), Is.GreaterThan(1e-3f), "the gradient is not trivially small");
        for (int i = 0; i < N; i++)
        {
            double[] z = Enumerable.Range(0, K).Select(j => (double)logits[i * K + j]).ToArray();
            double want = Formula(LossKind.DlrTargeted, 0, z, pairData[2 * i], pairData[2 * i + 1], null);
            Assert.That(loss[i], Is.EqualTo(want).Within(1e-6 + 1e-5 * Math.Abs(want)), $"sample {i} loss");
        }

        // Directional derivative of each sample's loss along a random direction (float32 forward passes).
        var random = new Random(87);
        float[] dir = Enumerable.Range(0, N * 16).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        const float H = 1e-3f;
        float[] plus = x0.Select((v, q) => v + H * dir[q]).ToArray(), minus = x0.Select((v, q) => v - H * dir[q]).ToArray();
        x.CopyFrom(plus);
        float[] lp = net.InputGradient(x, pairs, LossKind.DlrTargeted).Loss.ToArray();
        x.CopyFrom(minus);
        float[] lm = net.InputGradient(x, pairs, LossKind.DlrTargeted).Loss.ToArray();
        for (int i = 0; i < N; i++)
        {
            double fd = ((double)lp[i] - lm[i]) / (2 * H), analytic = 0;
            for (int q = i * 16; q < (i + 1) * 16; q++) analytic += (double)grad[q] * dir[q];
            Assert.That(analytic, Is.EqualTo(fd).Within(1e-3 + 2e-2 * Math.Abs(fd)),
                string.Create(CultureInfo.InvariantCulture, $"sample {i}: <g, d> {analytic:G6} vs fd {fd:G6}"));
        }

        // [N] labels are refused for DlrTargeted, [N, 2] for the other losses.
        using var flat = Tensor.FromLabels(ctx, [0, 4, 2]);
        Assert.Throws<ShapeMismatchException>(() => net.InputGradient(x, flat, LossKind.DlrTargeted));
        Assert.Throws<ShapeMismatchException>(() => net.InputGradient(x, pairs, LossKind.Dlr));
        Assert.DoesNotThrow(() => net.InputGradient(x, flat, LossKind.Dlr));
    }
}
