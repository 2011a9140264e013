using AdvCore.Attacks;
using NUnit.Framework;

namespace AdvCore.Tests.Attacks;

/// <summary>BP's rounding strategies (thesis Table 5.1) and its real-valued mode (Table 5.3).</summary>
public class BoundaryProjectionTests
{
    [Test]
    public void EveryRoundingStrategyReturnsSuccessfulGridImages()
    {
        var model = TrainedMnistModel.Get();
        var (x, labels) = model.Correct(16, skip: 30);
        using (x)
        {
            foreach (var rounding in Enum.GetValues<BpRounding>())
            {
                using var result = new BoundaryProjection(new BoundaryProjectionOptions { Rounding = rounding }).Run(model.Network, x, labels);
                float[] images = result.CopyAdversarials();
                double mean = result.L2.Where((_, i) => result.Success[i]).DefaultIfEmpty(double.NaN).Average();
                TestContext.Out.WriteLine($"{rounding}: P_suc {result.SuccessRate:F2}, D̄ {mean:F3}");
                Assert.That(result.SuccessRate, Is.GreaterThanOrEqualTo(0.9), rounding.ToString());
                Assert.That(images, Is.All.Matches<float>(v => Math.Abs(v * 255 - MathF.Round(v * 255)) < 1e-3f), rounding.ToString());
            }
        }
    }

    [Test]
    public void WithoutQuantizationTheImagesAreRealValuedAndJudgedAsThey_Are()
    {
        var model = TrainedMnistModel.Get();
        var (x, labels) = model.Correct(16, skip: 30);
        using (x)
        {
            using var result = new BoundaryProjection(new BoundaryProjectionOptions { Quantize = false }).Run(model.Network, x, labels);
            float[] images = result.CopyAdversarials();
            Assert.That(result.Quantized, Is.False);
            Assert.That(images, Is.All.InRange(0f, 1f));
            Assert.That(images.Count(v => Math.Abs(v * 255 - MathF.Round(v * 255)) > 1e-2f), Is.GreaterThan(100), "off-grid values");
            Assert.That(result.SuccessRate, Is.GreaterThanOrEqualTo(0.9));
            using var copy = Tensor.FromArray(model.Context, images, 16, 1, 28, 28);
            Assert.That(model.Network.Predict(copy), Is.EqualTo(result.AdversarialLabels));
        }
    }

    [Test]
    public void MoreIterationsDoNotIncreaseTheDistortion()
    {
        var model = TrainedMnistModel.Get();
        var (x, labels) = model.Correct(16, skip: 30);
        using (x)
        {
            using var short_ = new BoundaryProjection(new BoundaryProjectionOptions { Iterations = 10 }).Run(model.Network, x, labels);
            using var long_ = new BoundaryProjection(new BoundaryProjectionOptions { Iterations = 50 }).Run(model.Network, x, labels);
            double Mean(AttackResult r) => r.L2.Where((_, i) => r.Success[i]).Average();
            TestContext.Out.WriteLine($"D̄ after 10 iterations {Mean(short_):F3}, after 50 {Mean(long_):F3}");
            Assert.That(Mean(long_), Is.LessThanOrEqualTo(Mean(short_) * 1.02));
        }
    }
}
