using AdvCore.Attacks;
using AdvCore.Defenses;
using AdvCore.Tests.Attacks;
using NUnit.Framework;

namespace AdvCore.Tests.Defenses;

/// <summary>EPGD, Salman et al.'s attack and EOT against randomized smoothing: gradients, PGD equivalence, counting.</summary>
public class SmoothedAttackTests
{
    [Test]
    public void EpgdWithOneNoiselessSampleIsPgd()
    {
        var model = TrainedMnistModel.Get();
        var (x, labels) = model.Correct(16);
        using var _ = x;
        var net = new NetworkClassifier(model.Network);
        var pgd = new Pgd(new PgdOptions { Epsilons = [0.5f, 1.5f], Iterations = 5 }).Run(net, x, labels);
        var epgd = new ExpectationPgd(new ExpectationPgdOptions { Epsilons = [0.5f, 1.5f], Iterations = 5, Sigma = 0, Samples = 1 }).Run(net, x, labels);
        Assert.That(epgd.Adversarials.ToArray(), Is.EqualTo(pgd.Adversarials.ToArray()), "EPGD over a plain network");
        Assert.That(epgd.Success, Is.EqualTo(pgd.Success));
        Assert.That(pgd.Success.Count(s => s), Is.GreaterThan(0));
        using var smoothed = new SmoothedClassifier(net, new SmoothingOptions { Sigma = 0, Samples = 1 });
        var onSmoothed = new ExpectationPgd(new ExpectationPgdOptions { Epsilons = [0.5f, 1.5f], Iterations = 5 }).Run(smoothed, x, labels);
        Assert.That(onSmoothed.Adversarials.ToArray(), Is.EqualTo(pgd.Adversarials.ToArray()), "EPGD against a σ = 0, m = 1 smoothed classifier");
    }

    [TestCase(ExpectationHead.MeanLogits)]
    [TestCase(ExpectationHead.MeanSoftmax)]
    [TestCase(ExpectationHead.MeanLoss)]
    public void EveryHeadGradientMatchesFiniteDifferencesOnFixedNoise(ExpectationHead head)
    {
        var model = TrainedMnistModel.Get();
        var (x, labels) = model.Correct(4);
        using var _ = x;
        var net = new NetworkClassifier(model.Network);
        using var s = new SmoothedClassifier(net, new SmoothingOptions { Sigma = 0.3f, Samples = 6, Head = head, MaxBatch = 13, Seed = 2 });
        using var y = Tensor.FromLabels(model.Context, labels);
        ulong start = s.StreamPosition;
        var g = s.Gradient(x, y, LossKind.CrossEntropy);
        float[] grad = g.Gradient.ToArray(), loss = g.Loss.ToArray();
        Assert.That(loss.All(float.IsFinite), Is.True);
        var random = new Random(11);
        float[] v = [.. Enumerable.Range(0, grad.Length).Select(_ => (float)(random.NextDouble() * 2 - 1))];
        float[] x0 = x.ToArray();
        const float h = 2e-3f;
        double[] LossAt(float sign)
        {
            using var xh = Tensor.FromArray(model.Context, [.. x0.Select((p, i) => p + sign * h * v[i])], 4, 1, 28, 28);
            s.StreamPosition = start; // the same noise
            return [.. s.Gradient(xh, y, LossKind.CrossEntropy).Loss.ToArray().Select(f => (double)f)];
        }
        double[] plus = LossAt(1), minus = LossAt(-1);
        for (int i = 0; i < 4; i++)
        {
            double fd = (plus[i] - minus[i]) / (2 * h);
            double analytic = 0;
            for (int p = 0; p < 784; p++) analytic += grad[i * 784 + p] * v[i * 784 + p];
            Assert.That(analytic, Is.EqualTo(fd).Within(0.03 * Math.Abs(fd) + 2e-3), $"{head}, image {i}");
        }
    }

    [Test]
    public void HeadsDifferWhereTheirDefinitionsDo()
    {
        var model = TrainedMnistModel.Get();
        var (x, labels) = model.Correct(3);
        using var _ = x;
        var net = new NetworkClassifier(model.Network);
        using var y = Tensor.FromLabels(model.Context, labels);
        using var s = new SmoothedClassifier(net, new SmoothingOptions { Sigma = 0.5f, Samples = 5 });
        var results = new Dictionary<ExpectationHead, float[]>();
        foreach (var head in Enum.GetValues<ExpectationHead>())
        {
            s.StreamPosition = SmoothedClassifier.StreamStart(0);
            results[head] = s.Gradient(x, y, LossKind.CrossEntropy, 0, head).Loss.ToArray();
        }
        // Jensen: CE(mean softmax) ≤ mean CE; both differ from CE(mean logits) on real noise.
        for (int i = 0; i < 3; i++)
            Assert.That(results[ExpectationHead.MeanSoftmax][i], Is.LessThanOrEqualTo(results[ExpectationHead.MeanLoss][i] + 1e-5f));
        Assert.That(results[ExpectationHead.MeanLogits], Is.Not.EqualTo(results[ExpectationHead.MeanSoftmax]));
        Assert.Throws<ArgumentException>(() => s.Gradient(x, y, LossKind.CwMargin, 0, ExpectationHead.MeanSoftmax));
    }

    [Test]
    public void TheHarnessChargesEveryBasePassAndEotAveragesDraws()
    {
        var model = TrainedMnistModel.Get();
        var (x, labels) = model.Correct(5);
        using var _ = x;
        var net = new NetworkClassifier(model.Network);
        using var smoothed = new SmoothedClassifier(net, new SmoothingOptions { Sigma = 0.25f, Samples = 4 });
        var result = new ExpectationPgd(new ExpectationPgdOptions { Epsilons = [1f], Iterations = 3, Samples = 4 }).Run(net, x, labels);
        Assert.That(result.Gradients, Is.All.EqualTo(3 * 4), "3 iterations × m = 4 base gradients per image");
        var onDefense = new Pgd(new PgdOptions { Epsilons = [1f], Iterations = 3 }).Run(smoothed, x, labels);
        Assert.That(onDefense.Gradients, Is.All.EqualTo(3 * 4), "PGD on the defense: m base gradients per step");
        Assert.That(onDefense.Forwards, Is.All.EqualTo(2 * 4), "two judged offers, m passes each");

        // EOT over the defense: k draws of m copies; with σ = 0 the draws agree and EOT is the defense.
        using var eot = new ExpectationOverTransformation(smoothed, draws: 3);
        Assert.That(eot.PassesPerImage, Is.EqualTo(12));
        using var still = new SmoothedClassifier(net, new SmoothingOptions { Sigma = 0, Samples = 2, Head = ExpectationHead.MeanLoss });
        using var eotStill = new ExpectationOverTransformation(still, draws: 3);
        using var yl = Tensor.FromLabels(model.Context, labels);
        float[] single = still.Gradient(x, yl, LossKind.CrossEntropy).Gradient.ToArray();
        float[] averaged = eotStill.Gradient(x, yl, LossKind.CrossEntropy).Gradient.ToArray();
        Assert.That(averaged, Is.EqualTo(single).Within(1e-6f));
        float[] noisyA = eot.Gradient(x, yl, LossKind.CrossEntropy).Gradient.ToArray();
        float[] one = smoothed.Gradient(x, yl, LossKind.CrossEntropy).Gradient.ToArray();
        Assert.That(noisyA, Is.Not.EqualTo(one), "EOT draws fresh noise per draw");
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExpectationOverTransformation(smoothed, 0));
    }
}
