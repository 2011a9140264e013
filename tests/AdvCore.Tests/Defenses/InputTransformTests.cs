using AdvCore.Attacks;
using AdvCore.Data;
using AdvCore.Defenses;
using AdvCore.Evaluation;
using AdvCore.Nn;
using AdvCore.Tests.Cli;
using NUnit.Framework;

namespace AdvCore.Tests.Defenses;

/// <summary>
/// Feature squeezing (bit depth), the median filter (values pinned from scipy.ndimage.median_filter
/// and checked against a padded brute force on random data) and the BPDA-defended classifier.
/// </summary>
public class InputTransformTests
{
    private static float[] Random01(int count, int seed)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => r.NextSingle()).ToArray();
    }

    [TestCase(1, new[] { 0f, 0f, 1f, 0f, 0f, 1f, 0f, 0f })]
    [TestCase(2, new[] { 2 / 3f, 1 / 3f, 2 / 3f, 0f, 1 / 3f, 2 / 3f, 0f, 1 / 3f })]
    [TestCase(3, new[] { 4 / 7f, 2 / 7f, 5 / 7f, 1 / 7f, 3 / 7f, 4 / 7f, 0f, 2 / 7f })]
    public void BitDepthRoundsLikeNumpy(int bits, float[] expected)
    {
        // numpy: np.round(x * (2**b - 1)) / (2**b - 1) in float32 (ties to even: 0.5 → 0 at 1 bit).
        float[] x = [0.5f, 0.25f, 0.75f, 1 / 6f, 0.49f, 0.51f, 1 / 14f, 3 / 14f];
        new BitDepthReduction(bits).Apply(x, 1, [1, 2, 4]);
        Assert.That(x, Is.EqualTo(expected).Within(1e-7f));
    }

    [TestCase(1)]
    [TestCase(3)]
    [TestCase(5)]
    public void BitDepthOutputIsOnItsGridAndWithinHalfAStep(int bits)
    {
        float[] x = Random01(3 * 3 * 8 * 8, bits);
        float[] y = (float[])x.Clone();
        new BitDepthReduction(bits).Apply(y, 3, [3, 8, 8]);
        int levels = (1 << bits) - 1;
        for (int i = 0; i < x.Length; i++)
        {
            double q = y[i] * levels;
            Assert.That(Math.Abs(q - Math.Round(q)), Is.LessThan(1e-5), $"value {i} off the {bits}-bit grid");
            Assert.That(Math.Abs(y[i] - x[i]), Is.LessThanOrEqualTo(0.5 / levels + 1e-6), $"value {i}");
        }
        Assert.That(y.Distinct().Count(), Is.LessThanOrEqualTo(levels + 1));
    }

    // 5×6 image of k/22, k = (37 i) mod 23; expected outputs from scipy.ndimage.median_filter(x, size=k, mode="reflect"), ×22.
    [TestCase(2, new[] { 0, 14, 14, 19, 19, 10, 15, 14, 14, 19, 11, 10, 15, 15, 20, 12, 11, 16, 22, 21, 13, 12, 17, 9, 22, 14, 13, 18, 10, 9 })]
    [TestCase(3, new[] { 6, 6, 14, 10, 10, 2, 7, 12, 12, 11, 10, 8, 15, 13, 12, 11, 9, 8, 14, 13, 12, 10, 9, 8, 14, 14, 10, 10, 10, 9 })]
    public void MedianEqualsScipy(int size, int[] expected)
    {
        float[] x = [.. Enumerable.Range(0, 30).Select(i => (i * 37 % 23) / 22f)];
        new MedianFilter(size).Apply(x, 1, [1, 5, 6]);
        Assert.That(x.Select(v => (int)MathF.Round(v * 22)), Is.EqualTo(expected));
    }

    [TestCase(2, 1, 7, 9)]
    [TestCase(3, 3, 8, 8)]
    [TestCase(4, 2, 5, 11)]
    public void MedianEqualsAPaddedBruteForceOnRandomImages(int size, int channels, int h, int w)
    {
        const int count = 3;
        float[] x = Random01(count * channels * h * w, size * 100 + h);
        float[] y = (float[])x.Clone();
        new MedianFilter(size).Apply(y, count, [channels, h, w]);
        int before = size / 2, after = size - 1 - size / 2;
        for (int p = 0; p < count * channels; p++)
        {
            // Symmetric padding (edge repeated), then the sorted window's middle element.
            int ph = h + before + after, pw = w + before + after;
            var padded = new float[ph * pw];
            for (int r = 0; r < ph; r++)
                for (int c = 0; c < pw; c++)
                {
                    int sr = Mirror(r - before, h), sc = Mirror(c - before, w);
                    padded[r * pw + c] = x[p * h * w + sr * w + sc];
                }
            for (int r = 0; r < h; r++)
                for (int c = 0; c < w; c++)
                {
                    var window = new List<float>();
                    for (int dr = 0; dr < size; dr++)
                        for (int dc = 0; dc < size; dc++) window.Add(padded[(r + dr) * pw + c + dc]);
                    window.Sort();
                    Assert.That(y[p * h * w + r * w + c], Is.EqualTo(window[size * size / 2]), $"plane {p} ({r},{c})");
                }
        }
    }

    private static int Mirror(int i, int n) => i < 0 ? -1 - i : i >= n ? 2 * n - 1 - i : i;

    [TestCase("bit-depth:0", "bit depth must be in 1..8 (got 0)")]
    [TestCase("bit-depth:9", "bit depth must be in 1..8 (got 9)")]
    [TestCase("median:1", "median filter size must be in 2..7 (got 1)")]
    [TestCase("median", "median needs an integer")]
    [TestCase("median:x", "median needs an integer")]
    [TestCase("blur:3", "unknown input transform 'blur:3'")]
    public void BadTransformsAreRefusedInOneLine(string spec, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => InputTransforms.Parse(spec));
        Assert.That(e!.Message, Does.Contain(message));
        Assert.That(e.Message, Does.Not.Contain("Parameter"));
    }

    [Test]
    public void DefendedLogitsAreTheModelsOnTheSqueezedImageAndTheGradientIsBpda()
    {
        using var ctx = Context.Create(Device.Cpu, threads: 1, seed: 1);
        using var net = Network.Build(ctx, [1, 6, 6], [new Conv2dLayer(3, 3), new ActivationLayer(ActivationKind.ReLU), new FlattenLayer(), new LinearLayer(4)], seed: 5);
        var bare = new NetworkClassifier(net);
        using var defended = new TransformedClassifier(bare, [new MedianFilter(2), new BitDepthReduction(3)]);
        Assert.That(defended.Name, Is.EqualTo("median:2+bit-depth:3"));
        const int n = 5;
        float[] x = Random01(n * 36, 9);
        float[] squeezed = (float[])x.Clone();
        new MedianFilter(2).Apply(squeezed, n, [1, 6, 6]);
        new BitDepthReduction(3).Apply(squeezed, n, [1, 6, 6]);
        using var xt = Tensor.FromArray(ctx, x, n, 1, 6, 6);
        using var st = Tensor.FromArray(ctx, squeezed, n, 1, 6, 6);
        float[] expectedLogits = bare.Logits(st).ToArray();
        Assert.That(defended.Logits(xt).ToArray(), Is.EqualTo(expectedLogits));
        Assert.That(xt.ToArray(), Is.EqualTo(x), "the input is not modified");
        using var labels = Tensor.FromLabels(ctx, [0, 1, 2, 3, 0]);
        float[] expectedGradient = bare.Gradient(st, labels, LossKind.CrossEntropy).Gradient.ToArray();
        Assert.That(defended.Gradient(xt, labels, LossKind.CrossEntropy).Gradient.ToArray(), Is.EqualTo(expectedGradient),
                    "BPDA: the model's gradient at T(x), the transform passed as the identity");
        var report = Evaluator.Evaluate(defended, new LabeledImages("rand", 1, 6, 6, 4, x, [0, 1, 2, 3, 0]), batchSize: 2);
        int correct = Enumerable.Range(0, n).Count(i =>
        {
            var row = expectedLogits.AsSpan(i * 4, 4).ToArray();
            return Array.IndexOf(row, row.Max()) == new[] { 0, 1, 2, 3, 0 }[i];
        });
        Assert.That(report.Correct, Is.EqualTo(correct));
    }
}

public class SqueezeCliTests() : TinyModelCliTest("advcore-squeeze-cli-")
{
    [Test]
    public void EvalAndAttackRunAgainstTheSqueezedModel()
    {
        string model = Model();
        var (code, output, error) = CliRunner.Run("eval", "--model", model, "--dataset", "mnist", "--count", "50", "--squeeze", "bit-depth:1", "--data", Data);
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain("+ bit-depth:1 on mnist/test: accuracy"));
        string record = Path.Combine(Dir, "squeezed.json");
        (code, output, error) = CliRunner.Run("attack", "--model", model, "--dataset", "mnist", "--attack", "pgdinf", "--iterations", "5", "--count", "10",
                                              "--squeeze", "median:2", "--out", record, "--data", Data);
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain("defended by median:2 (BPDA gradients)"));
        Assert.That(AttackRunRecord.Load(record).Model, Is.EqualTo("tiny.safetensors + median:2"));
        (code, _, error) = CliRunner.Run("eval", "--model", model, "--dataset", "mnist", "--squeeze", "median:9", "--data", Data);
        Assert.That(code, Is.EqualTo(1));
        Assert.That(error, Does.Contain("median filter size must be in 2..7 (got 9)"));
    }
}
