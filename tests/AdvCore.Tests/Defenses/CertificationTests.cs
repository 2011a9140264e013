using AdvCore.Attacks;
using AdvCore.Defenses;
using AdvCore.Tests.Attacks;
using NUnit.Framework;

namespace AdvCore.Tests.Defenses;

/// <summary>Clopper-Pearson, the binomial test, Φ⁻¹ and Cohen et al.'s CERTIFY / PREDICT.</summary>
public class CertificationTests
{
    [Test]
    public void ClopperPearsonMatchesClosedFormsAndKnownQuantiles()
    {
        foreach (var (n, alpha) in new[] { (10L, 0.05), (100L, 0.001), (100000L, 0.001), (37L, 0.3) })
        {
            // k = n: p^n = α; k = 1: 1 − (1 − p)^n = 1 − α; k = 0: 0.
            Assert.That(BinomialBounds.ClopperPearsonLower(n, n, alpha), Is.EqualTo(Math.Pow(alpha, 1.0 / n)).Within(1e-13), $"k = n = {n}");
            Assert.That(BinomialBounds.ClopperPearsonLower(1, n, alpha), Is.EqualTo(1 - Math.Pow(1 - alpha, 1.0 / n)).Within(1e-13 + 1e-10 / n), $"k = 1, n = {n}");
            Assert.That(BinomialBounds.ClopperPearsonLower(0, n, alpha), Is.EqualTo(0.0));
            // k = n − 1: P(X ≥ n − 1) = n p^(n−1) − (n − 1) p^n = α at the bound.
            double p = BinomialBounds.ClopperPearsonLower(n - 1, n, alpha);
            double tail = n * Math.Pow(p, n - 1) - (n - 1) * Math.Pow(p, n);
            Assert.That(tail, Is.EqualTo(alpha).Within(1e-9 * Math.Max(1, n / 1000.0)), $"k = n − 1, n = {n}");
        }
        // Tabulated exact 95% intervals (two-sided, so α = 0.025 on each side): 5/10 → 0.18709, 50/100 → 0.39832.
        Assert.That(BinomialBounds.ClopperPearsonLower(5, 10, 0.025), Is.EqualTo(0.187086).Within(1e-6));
        Assert.That(BinomialBounds.ClopperPearsonLower(50, 100, 0.025), Is.EqualTo(0.398321).Within(1e-6));
        // The regularized incomplete beta at a closed form: I_x(1, b) = 1 − (1 − x)^b.
        Assert.That(BinomialBounds.RegularizedBeta(0.3, 1, 7), Is.EqualTo(1 - Math.Pow(0.7, 7)).Within(1e-15));
    }

    [Test]
    public void NormalQuantileAndBinomialTestMatchKnownValues()
    {
        Assert.That(BinomialBounds.NormalQuantile(0.975), Is.EqualTo(1.959963984540054).Within(1e-12));
        Assert.That(BinomialBounds.NormalQuantile(0.999), Is.EqualTo(3.090232306167814).Within(1e-12));
        Assert.That(BinomialBounds.NormalQuantile(0.025), Is.EqualTo(-1.959963984540054).Within(1e-12));
        Assert.That(BinomialBounds.NormalQuantile(1e-10), Is.EqualTo(-6.361340902404056).Within(1e-12));
        Assert.That(BinomialBounds.NormalCdf(1.0), Is.EqualTo(0.8413447460685429).Within(1e-14));
        // Binomial test at ½: 9 of 10 → 2·11/1024; 5 of 10 → 1; 0 of 3 → 2/8.
        Assert.That(BinomialBounds.BinomialTestHalf(9, 10), Is.EqualTo(22.0 / 1024).Within(1e-15));
        Assert.That(BinomialBounds.BinomialTestHalf(5, 10), Is.EqualTo(1.0));
        Assert.That(BinomialBounds.BinomialTestHalf(0, 3), Is.EqualTo(0.25).Within(1e-15));
    }

    [Test]
    public void ARadiusIsNeverPositiveAtALowerBoundOfHalfOrLess()
    {
        foreach (double lower in new[] { 0.0, 0.2, 0.4999999, 0.5 })
            Assert.That(Certification.Radius(0.5, lower), Is.EqualTo(0.0), $"p = {lower}");
        Assert.That(Certification.Radius(0.5, 0.975), Is.EqualTo(0.5 * 1.959963984540054).Within(1e-12));
        // Any count: positive radius iff the bound exceeds ½.
        for (long k = 0; k <= 200; k += 7)
        {
            double lower = BinomialBounds.ClopperPearsonLower(k, 200, 0.001);
            Assert.That(Certification.Radius(0.25, lower) > 0, Is.EqualTo(lower > 0.5), $"k = {k}");
        }
    }

    [Test]
    public void CertifyCertifiesConfidentImagesAndAbstainsUnderHeavyNoise()
    {
        var model = TrainedMnistModel.Get();
        var (images, labels) = model.Correct(3);
        using var _ = images;
        var net = new NetworkClassifier(model.Network);
        using var one = Tensor.Zeros(model.Context, [1, 1, 28, 28]);
        using var mild = new SmoothedClassifier(net, new SmoothingOptions { Sigma = 0.1f, Samples = 1, MaxBatch = 256, Seed = 4 });
        using var wild = new SmoothedClassifier(net, new SmoothingOptions { Sigma = 4f, Samples = 1, MaxBatch = 256, Seed = 4 });
        int certified = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            one.CopySamples(0, images, i, 1);
            var c = Certification.Certify(mild, one, n0: 50, n: 1000, alpha: 0.001);
            Assert.That(c.Samples, Is.EqualTo(1000));
            if (!c.Abstained)
            {
                certified++;
                Assert.That(c.Radius, Is.EqualTo((double)0.1f * BinomialBounds.NormalQuantile(c.LowerBound)).Within(1e-15));
                Assert.That(c.LowerBound, Is.EqualTo(BinomialBounds.ClopperPearsonLower(c.TopCount, 1000, 0.001)));
            }
            var w = Certification.Certify(wild, one, n0: 50, n: 300, alpha: 0.001);
            Assert.That(w.Abstained || w.LowerBound > 0.5, Is.True);
            if (w.Abstained) Assert.That(w.Radius, Is.EqualTo(0.0));
            int predicted = Certification.Predict(mild, one, n: 200, alpha: 0.001);
            Assert.That(predicted == labels[i] || predicted == Certification.Abstain, Is.True, $"image {i}: {predicted}");
        }
        Assert.That(certified, Is.GreaterThan(0), "σ = 0.1 certifies some correctly classified digits");
        var acc = Certification.CertifiedAccuracy(
            [new Certificate(3, 90, 100, 0.8, 0.4), new Certificate(Certification.Abstain, 40, 100, 0.3, 0), new Certificate(1, 99, 100, 0.9, 1.2)],
            [3, 3, 2], [0.0, 0.5]);
        Assert.That(acc, Is.EqualTo(new[] { 1 / 3.0, 0.0 }));
    }
}
