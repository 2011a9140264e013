using AdvCore.Attacks;
using AdvCore.Nn;
using NUnit.Framework;

namespace AdvCore.Tests.Attacks;

/// <summary>
/// Gradients of the live images only (<see cref="LiveRows"/>): gathered into a compact batch, they
/// equal the full batch's rows, the other rows are zero, and only live images are charged.
/// </summary>
public class LiveRowsTests
{
    private static LayerSpec[] SmallCnn() =>
    [
        new Conv2dLayer(4, 3, 1, Padding.Same), new BatchNormLayer(), ActivationLayer.LeakyReLU(0.1f),
        new AvgPoolLayer(2), new FlattenLayer(), new LinearLayer(5),
    ];

    [TestCase(new[] { 0, 1, 2, 5, 6, 10 }, 8)]
    [TestCase(new[] { 3 }, 1)]
    [TestCase(new[] { 1, 4, 7, 8, 9, 11, 12, 13, 14 }, 16)]
    public void CompactRowsEqualTheFullBatch(int[] rows, int expectedSize)
    {
        const int n = 20, classes = 5;
        using var ctx = Context.Create(Device.Cpu, threads: 1);
        using var net = Network.Build(ctx, [1, 8, 8], SmallCnn(), seed: 3);
        var rng = new Random(11);
        float[] images = [.. Enumerable.Range(0, n * 64).Select(_ => (float)rng.NextDouble())];
        int[] labelsHost = [.. Enumerable.Range(0, n).Select(_ => rng.Next(classes))];
        using var x = Tensor.FromArray(ctx, images, n, 1, 8, 8);
        using var labels = Tensor.FromLabels(ctx, labelsHost);

        var full = net.InputGradient(x, labels, LossKind.CrossEntropy);
        float[] fullGrad = full.Gradient.ToArray(), fullLogits = full.Logits.ToArray(), fullLoss = full.Loss.ToArray();

        Assert.That(LiveRows.CompactSize(rows.Length, n), Is.EqualTo(expectedSize));
        Assert.That(LiveRows.CompactSize(17, n), Is.Null, "no compaction when the power of two reaches the batch");
        using var live = new LiveRows(x, classes);
        int evaluated = 0;
        var compact = live.Gradient(x, labels, rows, expectedSize, (cx, cl) =>
        {
            evaluated = (int)cx.BatchSize;
            return net.InputGradient(cx, cl, LossKind.CrossEntropy);
        });
        Assert.That(evaluated, Is.EqualTo(expectedSize));
        float[] grad = compact.Gradient.ToArray(), logits = compact.Logits.ToArray(), loss = compact.Loss.ToArray();
        for (int i = 0; i < n; i++)
        {
            bool isLive = rows.Contains(i);
            Assert.That(loss[i], isLive ? Is.EqualTo(fullLoss[i]).Within(1e-5) : Is.EqualTo(0f), $"loss of image {i}");
            for (int c = 0; c < classes; c++)
                Assert.That(logits[i * classes + c], isLive ? Is.EqualTo(fullLogits[i * classes + c]).Within(1e-5) : Is.EqualTo(0f), $"logit {c} of image {i}");
            for (int j = 0; j < 64; j++)
                Assert.That(grad[i * 64 + j], isLive ? Is.EqualTo(fullGrad[i * 64 + j]).Within(1e-5 + 1e-4 * Math.Abs(fullGrad[i * 64 + j])) : Is.EqualTo(0f),
                            $"gradient {j} of image {i}");
        }
        Assert.That(fullGrad.Count(v => v != 0), Is.GreaterThan(n * 32), "the reference gradient is not trivially zero");
    }

    [Test]
    public void DeepFoolChargesOnlyLiveImagesAndStillFools()
    {
        var model = TrainedMnistModel.Get();
        var (x, labels) = model.Correct(10);
        using (x)
        {
            var counting = new CountingModel(new NetworkClassifier(model.Network));
            using var result = new DeepFool().Run(counting, x, labels);
            Assert.That(result.SuccessRate, Is.EqualTo(1.0));
            // Images stop at different iterations; each is charged K gradients per iteration it ran.
            Assert.That(result.Gradients, Is.All.Matches<long>(g => g % counting.Classes == 0));
            Assert.That(result.Gradients.Distinct().Count(), Is.GreaterThan(1), "images stop at different iterations");
            // One model call per class and iteration of the slowest image, but on compact batches:
            // every charged image evaluated, far fewer than the whole batch every time.
            Assert.That(counting.Gradients, Is.EqualTo(result.Gradients.Max()));
            Assert.That(counting.GradientImages, Is.GreaterThanOrEqualTo(result.Gradients.Sum()));
            Assert.That(counting.GradientImages, Is.LessThan((long)counting.Gradients * labels.Length));
        }
    }
}
