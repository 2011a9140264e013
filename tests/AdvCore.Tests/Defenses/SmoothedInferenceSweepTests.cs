using AdvCore.Attacks;
using AdvCore.Data;
using AdvCore.Defenses;
using AdvCore.Evaluation;
using AdvCore.Tests.Attacks;
using NUnit.Framework;

namespace AdvCore.Tests.Defenses;

/// <summary>The accuracy-vs-σ-and-m sweep of seed 003 §5.2 on the small trained MNIST CNN, and its noisy-gradient PGD.</summary>
public class SmoothedInferenceSweepTests
{
    private static (NetworkClassifier Net, LabeledImages Test, TrainedMnistModel Model) Setup(int n)
    {
        var model = TrainedMnistModel.Get();
        var test = new LabeledImages("mnist/test", 1, 28, 28, 10, model.TestImages[..(n * 784)], model.TestLabels[..n]);
        return (new NetworkClassifier(model.Network), test, model);
    }

    private static readonly SmoothedInferenceSettings Small = new()
    {
        Sigmas = [0f, 0.3f], SampleCounts = [1, 3], Epsilon = 1f, Iterations = 3, Batch = 16, Seed = 5,
    };

    [Test]
    public void WithoutNoiseEveryVoteHasTheBaseAccuracy()
    {
        var (net, test, model) = Setup(40);
        int baseCorrect = model.TestPredictions[..40].Zip(model.TestLabels[..40]).Count(t => t.First == t.Second);
        foreach (var vote in Small.Votes)
            foreach (int m in Small.SampleCounts)
            {
                var cell = SmoothedInferenceSweep.RunCell(net, test, Small, 0f, m, vote, SmoothedCondition.Clean);
                Assert.That(cell.Correct, Is.EqualTo(baseCorrect), $"{vote}, m {m}");
            }
    }

    [Test]
    public void AtNoNoiseAndOneCopyEpgdIsPgdAndACellIsReproducible()
    {
        var (net, test, _) = Setup(24);
        var pgd = SmoothedInferenceSweep.RunCell(net, test, Small, 0f, 1, SmoothingVote.Prediction, SmoothedCondition.Pgd);
        var epgd = SmoothedInferenceSweep.RunCell(net, test, Small, 0f, 1, SmoothingVote.Prediction, SmoothedCondition.Epgd);
        Assert.That(epgd.Correct, Is.EqualTo(pgd.Correct));
        Assert.That(pgd.Correct, Is.LessThan(24), "ε = 1 must fool some images (else the test proves nothing)");
        var noisy = SmoothedInferenceSweep.RunCell(net, test, Small, 0.3f, 3, SmoothingVote.Soft, SmoothedCondition.Epgd);
        var again = SmoothedInferenceSweep.RunCell(net, test, Small, 0.3f, 3, SmoothingVote.Soft, SmoothedCondition.Epgd);
        Assert.That(again.Correct, Is.EqualTo(noisy.Correct), "the same seed, the same cell");
        Assert.That(SmoothedInferenceSweep.Grid(Small).Count(), Is.EqualTo(2 * 2 * 3 * 3));
    }

    [Test]
    public void OneGradientCopyIsTheFirstCopyOfTheStreamAndIsChargedOnce()
    {
        var (net, _, model) = Setup(8);
        using var x = Tensor.FromArray(model.Context, model.TestImages[..(8 * 784)], 8, 1, 28, 28);
        using var y = Tensor.FromArray(model.Context, model.TestLabels[..8], 8);
        using var eight = new SmoothedClassifier(net, new SmoothingOptions { Sigma = 0.4f, Samples = 8, GradientSamples = 1, Seed = 2, Head = ExpectationHead.MeanLoss });
        using var one = new SmoothedClassifier(net, new SmoothingOptions { Sigma = 0.4f, Samples = 1, Seed = 2, Head = ExpectationHead.MeanLoss });
        float[] g8 = eight.Gradient(x, y, LossKind.CrossEntropy).Gradient.ToArray();
        float[] g1 = one.Gradient(x, y, LossKind.CrossEntropy).Gradient.ToArray();
        Assert.That(g8, Is.EqualTo(g1).AsCollection);
        Assert.That(eight.GradientPassesPerImage, Is.EqualTo(1));
        Assert.That(eight.PassesPerImage, Is.EqualTo(8));

        // PGD through the noise: K gradients of one copy each per image; the judge's forwards cost m each.
        var pgd = new Pgd(new PgdOptions { Epsilons = [1f], Iterations = 4 });
        using var result = pgd.Run(eight, x, model.TestLabels[..8]);
        Assert.That(result.Gradients, Is.All.EqualTo(4));
        Assert.That(result.Forwards.All(f => f % 8 == 0 && f > 0), Is.True, string.Join(",", result.Forwards));
    }

    [TestCase("sigma", "sigma must be a finite number >= 0")]
    [TestCase("samples", "samples must be >= 1")]
    [TestCase("epsilon", "epsilon must be")]
    [TestCase("iterations", "iterations must be >= 1")]
    public void BadSettingsAreRefusedByName(string which, string expected)
    {
        var bad = which switch
        {
            "sigma" => Small with { Sigmas = [-0.1f] },
            "samples" => Small with { SampleCounts = [0] },
            "epsilon" => Small with { Epsilon = 0f },
            _ => Small with { Iterations = 0 },
        };
        Assert.That(bad.Validate, Throws.InstanceOf<ArgumentException>().With.Message.Contains(expected));
        Assert.That(() => new SmoothingOptions { GradientSamples = 0 }.Validate(), Throws.InstanceOf<ArgumentException>().With.Message.Contains("gradient-samples"));
    }
}
