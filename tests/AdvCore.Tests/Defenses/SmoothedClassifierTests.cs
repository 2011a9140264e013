using AdvCore.Attacks;
using AdvCore.Defenses;
using AdvCore.Tests.Attacks;
using NUnit.Framework;

namespace AdvCore.Tests.Defenses;

/// <summary>Randomized smoothing at inference on the small trained MNIST CNN: votes, noise stream, chunking, determinism.</summary>
public class SmoothedClassifierTests
{
    private static readonly SmoothingVote[] AllVotes = [SmoothingVote.Prediction, SmoothingVote.Soft, SmoothingVote.Weighted];

    [Test]
    public void WithoutNoiseEveryVoteIsTheBasePrediction()
    {
        var model = TrainedMnistModel.Get();
        using var x = Tensor.FromArray(model.Context, model.TestImages[..(100 * 784)], 100, 1, 28, 28);
        int[] basePrediction = model.Network.Predict(x);
        var net = new NetworkClassifier(model.Network);
        foreach (var vote in AllVotes)
            foreach (float sigma in new[] { 0f, 1e-4f })
            {
                using var smoothed = new SmoothedClassifier(net, new SmoothingOptions { Sigma = sigma, Samples = 4, Vote = vote, MaxBatch = 96 });
                Assert.That(smoothed.Predict(x), Is.EqualTo(basePrediction), $"{vote}, sigma {sigma}");
            }
    }

    [Test]
    public void PredictionVotingEqualsAPlainLoopOverTheCopies()
    {
        var model = TrainedMnistModel.Get();
        const int n = 12, m = 7;
        const float sigma = 0.6f;
        using var x = Tensor.FromArray(model.Context, model.TestImages[..(n * 784)], n, 1, 28, 28);
        var net = new NetworkClassifier(model.Network);
        // MaxBatch 10 < m: chunks of one image and its copies cut in two.
        using var smoothed = new SmoothedClassifier(net, new SmoothingOptions { Sigma = sigma, Samples = m, Seed = 9, MaxBatch = 10 });
        ulong start = smoothed.StreamPosition;
        float[] scores = smoothed.Logits(x).ToArray();

        // The loop: copy j of the whole batch is x + N(0, σ²) from counters start + j·N·196.
        var counts = new int[n * 10];
        using var noisy = Tensor.Zeros(model.Context, [n, 1, 28, 28]);
        using var noise = Tensor.Zeros(model.Context, [n, 1, 28, 28]);
        for (int j = 0; j < m; j++)
        {
            noise.FillNormal(0f, sigma, start + (ulong)(j * n) * 196);
            Ops.Add(x, noise, noisy);
            int[] p = model.Network.Predict(noisy);
            for (int i = 0; i < n; i++) counts[i * 10 + p[i]]++;
        }
        Assert.That(scores, Is.EqualTo(counts.Select(c => (float)c / m).ToArray()));
        Assert.That(counts.Count(c => c > 0 && c < m), Is.GreaterThan(0), "σ = 0.6 must split some votes (else the test proves nothing)");
        Assert.That(smoothed.StreamPosition, Is.EqualTo(start + (ulong)(m * n) * 196));
    }

    [Test]
    public void ChunkingDoesNotChangeTheNoiseAndASeedReproducesIt()
    {
        var model = TrainedMnistModel.Get();
        using var x = Tensor.FromArray(model.Context, model.TestImages[..(20 * 784)], 20, 1, 28, 28);
        var net = new NetworkClassifier(model.Network);
        foreach (var vote in AllVotes)
        {
            float[] Run(int maxBatch, ulong seed)
            {
                using var s = new SmoothedClassifier(net, new SmoothingOptions { Sigma = 0.5f, Samples = 8, Vote = vote, MaxBatch = maxBatch, Seed = seed });
                return s.Logits(x).ToArray();
            }
            float[] a = Run(4096, 1), b = Run(24, 1), c = Run(5, 1), d = Run(4096, 2);
            // Same noise; the base's float sums may round differently in another batch size, so
            // vote shares are exact and probabilities agree to float rounding.
            float tol = vote == SmoothingVote.Prediction ? 0f : 1e-5f;
            Assert.That(b, Is.EqualTo(a).Within(tol), $"{vote}: chunks of 3 images");
            Assert.That(c, Is.EqualTo(a).Within(tol), $"{vote}: chunks of copies");
            Assert.That(d, Is.Not.EqualTo(a), $"{vote}: another seed draws other noise");
        }
        using var again = new SmoothedClassifier(net, new SmoothingOptions { Sigma = 0.5f, Samples = 8, Seed = 1 });
        float[] first = again.Logits(x).ToArray();
        Assert.That(again.Logits(x).ToArray(), Is.Not.EqualTo(first), "each call draws fresh noise");
        again.StreamPosition = SmoothedClassifier.StreamStart(1);
        Assert.That(again.Logits(x).ToArray(), Is.EqualTo(first), "restoring the stream position replays it");
    }

    [Test]
    public void VotesFollowTheirDefinitions()
    {
        // Three copies of one image, K = 3: logits chosen so the three votes disagree.
        float[] logits = [3, 2.9f, 0, /**/ 3, 2.9f, 0, /**/ 0, 0, 9];
        var pred = new double[3];
        Votes.Accumulate(logits, 3, 1, 3, SmoothingVote.Prediction, [1.0], pred);
        Assert.That(pred, Is.EqualTo(new double[] { 2, 0, 1 }));
        var soft = new double[3];
        Votes.Accumulate(logits, 3, 1, 3, SmoothingVote.Soft, [1.0], soft);
        Assert.That(Votes.ArgMax(soft), Is.EqualTo(2), "the confident copy wins the mean probability");
        var weighted = new double[3];
        Votes.Accumulate(logits, 3, 1, 3, SmoothingVote.Weighted, [1.0, 0.5], weighted);
        Assert.That(weighted, Is.EqualTo(new double[] { 1 + 1 + 0.5, 0.5 + 0.5 + 0, 0 + 0 + 1 }).Within(1e-12));
        // Ties: the lowest class (two classes with equal votes, equal logits keep class order).
        var tie = new double[2];
        Votes.Accumulate([1, 0, 0, 1], 2, 1, 2, SmoothingVote.Prediction, [1.0], tie);
        Assert.That(Votes.ArgMax(tie), Is.EqualTo(0));
        var rank = new double[2];
        Votes.Accumulate([5, 5], 1, 1, 2, SmoothingVote.Weighted, [1.0, 0.5], rank);
        Assert.That(rank, Is.EqualTo(new double[] { 1.0, 0.5 }));
    }

    [Test]
    public void BadOptionsAreRefusedClearly()
    {
        var model = TrainedMnistModel.Get();
        var net = new NetworkClassifier(model.Network);
        var e1 = Assert.Throws<ArgumentOutOfRangeException>(() => new SmoothedClassifier(net, new SmoothingOptions { Sigma = -0.1f }))!;
        Assert.That(e1.Message, Does.StartWith("sigma must be a finite number >= 0 (got -0.1)"));
        var e2 = Assert.Throws<ArgumentOutOfRangeException>(() => new SmoothedClassifier(net, new SmoothingOptions { Samples = 0 }))!;
        Assert.That(e2.Message, Does.StartWith("samples must be >= 1 (got 0)"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SmoothedClassifier(net, new SmoothingOptions { Sigma = float.NaN }));
        Assert.Throws<ArgumentException>(() => new SmoothedClassifier(net, new SmoothingOptions { RankWeights = [] }));
        Assert.That(Assert.Throws<ArgumentException>(() => SmoothingOptions.ParseVote("max"))!.Message, Does.Contain("prediction, soft or weighted"));
        var a = Assert.Throws<ArgumentOutOfRangeException>(() => BinomialBounds.ClopperPearsonLower(5, 10, 1.0))!;
        Assert.That(a.Message, Does.StartWith("alpha must be in (0, 1) (got 1)"));
        Assert.Throws<ArgumentOutOfRangeException>(() => BinomialBounds.ClopperPearsonLower(5, 10, 0));
        using var x = Tensor.FromArray(model.Context, model.TestImages[..(2 * 784)], 2, 1, 28, 28);
        using var s = new SmoothedClassifier(net, new SmoothingOptions { Samples = 2 });
        Assert.That(Assert.Throws<ArgumentException>(() => Certification.Certify(s, x))!.Message, Does.Contain("one image"));
    }
}
