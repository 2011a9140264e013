using AdvCore.Attacks;
using NUnit.Framework;

namespace AdvCore.Tests.Attacks;

/// <summary>FMN (Pintor et al. 2021) against the small trained CNN, its cost, and one step recomputed in double precision.</summary>
public class FmnTests
{
    private static double Median(IEnumerable<double> values)
    {
        var v = values.OrderBy(t => t).ToArray();
        if (v.Length == 0) return double.NaN;
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }

    private static double MedianOverSuccesses(AttackResult r, double[] distortion) => Median(distortion.Where((_, i) => r.Success[i]));

    /// <summary>
    /// adv-lib's 10 steps on this smooth little CNN: FMN-L2's iterates approach the decision boundary
    /// from the clean side (each ε is the linearised distance, and clipping to [0,1] shortens every
    /// step), so few cross it; the margin still falls to a small fraction of its clean value.
    /// </summary>
    [Test]
    public void FmnL2DrivesTheMarginTowardsTheBoundary()
    {
        var model = TrainedMnistModel.Get();
        var (x, labels) = model.Correct(AttackRuns.Images);
        using (x)
        {
            using var labelTensor = Tensor.FromArray(model.Context, labels);
            var classifier = new NetworkClassifier(model.Network);
            double before = Median(classifier.Gradient(x, labelTensor, LossKind.LogProbMargin).Loss.ToArray().Select(v => (double)v));
            using var result = new Fmn(new FmnOptions { Quantize = false }).Run(model.Network, x, labels);
            double after = Median(classifier.Gradient(result.Adversarials, labelTensor, LossKind.LogProbMargin).Loss.ToArray().Select(v => (double)v));
            var registry = AttackRuns.Get("fmn-l2").Result;
            var ddn = AttackRuns.Get("ddn").Result;
            TestContext.Out.WriteLine($"fmn-l2 (real-valued): median margin {before:F4} -> {after:F4}, P_suc {result.SuccessRate:F3}, median L2 {Median(result.L2):F4}; " +
                                      $"registry run (8-bit): P_suc {registry.SuccessRate:F3}, median L2 over successes {MedianOverSuccesses(registry, registry.L2):F4}; " +
                                      $"ddn-20: P_suc {ddn.SuccessRate:F3}, median L2 {MedianOverSuccesses(ddn, ddn.L2):F4}");
            Assert.That(before, Is.GreaterThan(1));
            Assert.That(after, Is.LessThan(0.1 * before));
            Assert.That(Median(result.L2), Is.LessThan(3), "a minimum-norm attack stays close");
        }
    }

    [Test]
    public void FmnLinfRealValuedFoolsEveryImageWithLessLinfThanFmnL2()
    {
        var model = TrainedMnistModel.Get();
        var (x, labels) = model.Correct(AttackRuns.Images);
        using (x)
        {
            using var linf = new Fmn(new FmnOptions { Norm = AttackNorm.Linf, Quantize = false }).Run(model.Network, x, labels);
            using var l2 = new Fmn(new FmnOptions { Norm = AttackNorm.L2, Quantize = false }).Run(model.Network, x, labels);
            var registry = AttackRuns.Get("fmn-linf").Result;
            double linfMedian = MedianOverSuccesses(linf, linf.Linf), l2Median = Median(l2.Linf);
            TestContext.Out.WriteLine($"fmn-linf (real-valued): P_suc {linf.SuccessRate:F3}, median Linf {linfMedian:F4}; fmn-l2's median Linf {l2Median:F4}; " +
                                      $"registry run (8-bit): P_suc {registry.SuccessRate:F3}, median Linf {MedianOverSuccesses(registry, registry.Linf):F4}");
            Assert.That(linf.SuccessRate, Is.EqualTo(1.0));
            Assert.That(linfMedian, Is.LessThan(l2Median));
        }
    }

    [TestCase(AttackNorm.L2, 1)]
    [TestCase(AttackNorm.L2, 10)]
    [TestCase(AttackNorm.Linf, 7)]
    public void SpendsOneGradientPerStepAndThreeForwardPasses(AttackNorm norm, int steps)
    {
        var model = TrainedMnistModel.Get();
        var (x, labels) = model.Correct(5);
        using (x)
        {
            var counting = new CountingModel(new NetworkClassifier(model.Network));
            using var result = new Fmn(new FmnOptions { Norm = norm, Iterations = steps }).Run(counting, x, labels);
            Assert.That(counting.Gradients, Is.EqualTo(steps), "gradient evaluations");
            Assert.That(counting.Forwards, Is.EqualTo(3), "forward passes: two offers and the session's final check");
            Assert.That(result.Gradients, Is.All.EqualTo(steps), "charged per image");
        }
    }

    [TestCase(AttackNorm.L2)]
    [TestCase(AttackNorm.Linf)]
    public void TwoRunsAreBitIdentical(AttackNorm norm)
    {
        var model = TrainedMnistModel.Get();
        var (x, labels) = model.Correct(8);
        using (x)
        {
            var attack = new Fmn(new FmnOptions { Norm = norm, Quantize = false });
            using var a = attack.Run(model.Network, x, labels);
            using var b = attack.Run(model.Network, x, labels);
            Assert.That(b.CopyAdversarials(), Is.EqualTo(a.CopyAdversarials()));
            Assert.That(b.CopyAdversarials(), Is.Not.EqualTo(x.ToArray()), "the attack moved the images");
        }
    }

    private static IEnumerable<TestCaseData> BadOptions()
    {
        yield return new TestCaseData(new FmnOptions { Iterations = 0 }, "Iterations must be >= 1 (got 0)").SetName("FMN zero steps");
        yield return new TestCaseData(new FmnOptions { AlphaInit = 0 }, "AlphaInit must be a finite number > 0 (got 0)").SetName("FMN zero alpha");
        yield return new TestCaseData(new FmnOptions { AlphaFinal = 2 }, "AlphaFinal (2) must not exceed AlphaInit (1)").SetName("FMN alphas reversed");
        yield return new TestCaseData(new FmnOptions { GammaInit = 1 }, "GammaInit must be in (0, 1) (got 1)").SetName("FMN gamma 1");
        yield return new TestCaseData(new FmnOptions { GammaFinal = 0.1f }, "GammaFinal (0.1) must not exceed GammaInit (0.05)").SetName("FMN gammas reversed");
        yield return new TestCaseData(new FmnOptions { Norm = (AttackNorm)7 }, "Norm has no value 7").SetName("FMN unknown norm");
    }

    [TestCaseSource(nameof(BadOptions))]
    public void BadOptionsAreRefused(FmnOptions options, string message)
    {
        var e = Assert.Throws(Is.InstanceOf<ArgumentException>(), () => new Fmn(options))!;
        Assert.That(e.Message, Does.Contain(message));
    }

    [Test]
    public void RegistryNamesAndDefaultsAreAdvLibs()
    {
        Assert.That(AttackFactory.Create("fmn").Name, Is.EqualTo("fmn-l2"));
        Assert.That(AttackFactory.Create("FMN-Linf").Name, Is.EqualTo("fmn-linf"));
        var o = (FmnOptions)AttackFactory.DefaultOptions("fmn-linf");
        Assert.That((o.Norm, o.Iterations, o.AlphaInit, o.AlphaFinalOrDefault, o.GammaInit, o.GammaFinal),
                    Is.EqualTo((AttackNorm.Linf, 10, 1f, 0.01f, 0.05f, 0.001f)));
        Assert.That(o.AlphaAt(0), Is.EqualTo(1.0).Within(1e-7));
        Assert.That(o.AlphaAt(5), Is.EqualTo(0.505).Within(1e-7), "cosine half-way");
        Assert.That(o.GammaAt(5), Is.EqualTo(0.0255).Within(1e-7));
    }

    /// <summary>
    /// One FMN step from δ = 0 recomputed in plain double precision from the model's margin gradient
    /// at x: ε₀ = |m|/‖∇m‖_* (capped by ‖max(x, 1 − x)‖), δ = −α∇m/‖∇m‖₂ projected on the ε₀-ball,
    /// x + δ clipped. With Quantize off and one step the attack returns exactly that iterate.
    /// </summary>
    [TestCase(AttackNorm.L2, 1f)]
    [TestCase(AttackNorm.L2, 0.3f)]
    [TestCase(AttackNorm.Linf, 1f)]
    public void OneStepAgreesWithADoublePrecisionReimplementation(AttackNorm norm, float alpha)
    {
        var model = TrainedMnistModel.Get();
        var (x, labels) = model.Correct(6, skip: 30);
        using (x)
        {
            using var labelTensor = Tensor.FromArray(model.Context, labels);
            var g = new NetworkClassifier(model.Network).Gradient(x, labelTensor, LossKind.LogProbMargin);
            float[] grad = g.Gradient.ToArray(), margin = g.Loss.ToArray(), xs = x.ToArray();
            const int d = 784;
            var expected = new double[xs.Length];
            int projected = 0;
            for (int i = 0; i < labels.Length; i++)
            {
                double l2 = 0, l1 = 0, worst = 0;
                for (int k = i * d; k < (i + 1) * d; k++)
                {
                    l2 += (double)grad[k] * grad[k];
                    l1 += Math.Abs((double)grad[k]);
                    double m = Math.Max(xs[k], 1.0 - xs[k]);
                    worst = norm == AttackNorm.L2 ? worst + m * m : Math.Max(worst, m);
                }
                l2 = Math.Sqrt(l2);
                if (norm == AttackNorm.L2) worst = Math.Sqrt(worst);
                double eps = Math.Min(Math.Abs(margin[i]) / (norm == AttackNorm.L2 ? l2 : l1), worst);
                var delta = new double[d];
                double dn = 0;
                for (int k = 0; k < d; k++)
                {
                    delta[k] = -alpha * grad[i * d + k] / l2;
                    dn += delta[k] * delta[k];
                }
                dn = Math.Sqrt(dn);
                double scale = norm == AttackNorm.L2 && dn > eps ? eps / dn : 1;
                if (scale < 1 || (norm == AttackNorm.Linf && delta.Any(v => Math.Abs(v) > eps))) projected++;
                for (int k = 0; k < d; k++)
                {
                    double r = norm == AttackNorm.L2 ? delta[k] * scale : Math.Clamp(delta[k], -eps, eps);
                    expected[i * d + k] = Math.Clamp(xs[i * d + k] + r, 0, 1);
                }
            }
            using var result = new Fmn(new FmnOptions { Norm = norm, Iterations = 1, AlphaInit = alpha, Quantize = false }).Run(model.Network, x, labels);
            float[] actual = result.CopyAdversarials();
            double maxError = actual.Select((v, k) => Math.Abs(v - expected[k])).Max();
            double moved = actual.Select((v, k) => Math.Abs(v - xs[k])).Max();
            TestContext.Out.WriteLine($"{norm}, alpha {alpha}: max |attack - double| = {maxError:E2}, largest move {moved:F4}, {projected} of {labels.Length} projected");
            Assert.That(moved, Is.GreaterThan(1e-3), "the step moved the images");
            Assert.That(maxError, Is.LessThan(2e-6));
        }
    }
}
