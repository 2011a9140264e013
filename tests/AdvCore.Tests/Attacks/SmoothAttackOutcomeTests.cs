using AdvCore.Smoothing;
using NUnit.Framework;

namespace AdvCore.Tests.Attacks;

/// <summary>
/// What the smooth attacks are for (thesis §4.4.2), on the shared small trained model's 24 images
/// (<see cref="AttackRuns"/>, thesis MNIST settings): their perturbations are smoother — lower
/// roughness Ω_n (σ_h = 1) — than those of the attacks they modify, on the images both fool.
/// </summary>
public class SmoothAttackOutcomeTests
{
    [TestCase("qpgd2", "pgd2")]
    [TestCase("scw", "cw")]
    public void SmoothAttackPerturbationsAreSmootherThanTheirOriginals(string smooth, string original)
    {
        var s = AttackRuns.Get(smooth);
        var o = AttackRuns.Get(original);
        Assert.That(s.Result.Success.Count(b => b), Is.GreaterThanOrEqualTo(AttackRuns.Images * 3 / 4), $"{smooth} must fool most images");
        var both = Enumerable.Range(0, AttackRuns.Images).Where(i => s.Result.Success[i] && o.Result.Success[i]).ToArray();
        Assert.That(both, Has.Length.GreaterThanOrEqualTo(AttackRuns.Images / 2));
        double smoothMean = both.Average(i => OmegaN(s, i)), originalMean = both.Average(i => OmegaN(o, i));
        Assert.That(smoothMean, Is.LessThan(originalMean),
            $"mean Ω_n over {both.Length} images: {smooth} {smoothMean:F3}, {original} {originalMean:F3}");
    }

    private static double OmegaN(AttackRuns.AttackRun run, int image)
    {
        const int d = 28 * 28;
        var r = new float[d];
        for (int j = 0; j < d; j++) r[j] = run.Adversarials[image * d + j] - run.Originals[image * d + j];
        return Roughness.MeasureHost(r, 28, 28).OmegaN;
    }
}
