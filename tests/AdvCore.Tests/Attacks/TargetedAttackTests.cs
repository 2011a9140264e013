using AdvCore.Attacks;
using AdvCore.Evaluation;
using NUnit.Framework;

namespace AdvCore.Tests.Attacks;

/// <summary>
/// Targeted and margin criteria on the small trained CNN: every attack that takes a target reaches
/// it on most images, and reports success exactly when a fresh prediction of the returned 8-bit
/// image (copied to the host and uploaded again, as a saved file would be) is the target.
/// </summary>
[TestFixtureSource(nameof(Names))]
public class TargetedAttackTests(string name)
{
    public static IEnumerable<string> Names => AttackRegistry.All.Where(a => a.SupportsTargeted).Select(a => a.Name);

    private const int Images = 12;

    // Observed on this model (random targets, thesis MNIST settings): 1.00 for all but DDN-20
    // (0.83) and FMN with adv-lib's 10 steps (0.67 L2, 0.83 L∞).
    private double Required => name.StartsWith("fmn", StringComparison.Ordinal) ? 0.5 : 0.75;

    [Test]
    public void ReachesTheTargetAndSaysSoOnlyWhenAFreshPredictionAgrees()
    {
        var model = TrainedMnistModel.Get();
        var (x, labels) = model.Correct(Images);
        using (x)
        {
            var selection = TargetSelection.Parse("random", seed: 5);
            int[] targets = [.. labels.Select((l, i) => selection.For(i, l, new float[10]))];
            var attack = AttackRegistry.Create(name, "mnist", null);
            using var result = attack.Run(model.Network, x, Criterion.TargetedMisclassification(labels, targets));
            TestContext.Out.WriteLine($"{name}: targeted P_suc {result.SuccessRate:F3}");
            Assert.That(result.Targets, Is.EqualTo(targets));

            float[] saved = result.CopyAdversarials();
            using var reloaded = Tensor.FromArray(model.Context, saved, Images, 1, 28, 28);
            int[] fresh = model.Network.Predict(reloaded);
            for (int i = 0; i < Images; i++)
            {
                Assert.That(result.Success[i], Is.EqualTo(fresh[i] == targets[i]), $"image {i}: success iff the saved image is predicted as its target");
                Assert.That(result.AdversarialLabels[i], Is.EqualTo(fresh[i]), $"image {i}");
            }
            Assert.That(result.SuccessRate, Is.GreaterThanOrEqualTo(Required));
            {
                // The untargeted run breaks the same images with less distortion than reaching a chosen class.
                using var untargeted = attack.Run(model.Network, x, labels);
                double Mean(AttackResult r) => r.L2.Where((_, i) => r.Success[i]).DefaultIfEmpty(double.NaN).Average();
                Assert.That(Mean(untargeted), Is.LessThan(Mean(result)), "untargeted is the easier criterion");
            }
        }
    }

    [Test]
    public void AMarginMakesSuccessConfident()
    {
        var info = AttackRegistry.Get(name);
        if (!info.SupportsMargin) Assert.Ignore($"{name} takes no margin");
        var model = TrainedMnistModel.Get();
        var (x, labels) = model.Correct(Images);
        using (x)
        {
            const float margin = 2f;
            var attack = AttackRegistry.Create(name, "mnist", null);
            using var result = attack.Run(model.Network, x, Criterion.Misclassification(labels, margin));
            using var reloaded = Tensor.FromArray(model.Context, result.CopyAdversarials(), Images, 1, 28, 28);
            float[] logits = model.Network.Forward(reloaded).ToArray();
            for (int i = 0; i < Images; i++)
            {
                var z = logits.AsSpan(i * 10, 10);
                float other = float.NegativeInfinity;
                for (int j = 0; j < 10; j++) if (j != labels[i]) other = Math.Max(other, z[j]);
                Assert.That(result.Success[i], Is.EqualTo(other - z[labels[i]] > margin), $"image {i}: success iff the margin holds on the saved image");
            }
            // FMN with adv-lib's 10 steps seldom crosses the boundary untargeted (FmnTests), so only the agreement is asked of it.
            double required = name.StartsWith("fmn", StringComparison.Ordinal) ? 0 : 0.5;
            Assert.That(result.SuccessRate, Is.GreaterThanOrEqualTo(required), $"{name}: the iterative attacks reach a margin of 2 on most images");
        }
    }
}
