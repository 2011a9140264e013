using AdvCore.Attacks;
using AdvCore.Data;
using AdvCore.Evaluation;
using AdvCore.Nn;
using AdvCore.Tests.Cli;
using NUnit.Framework;

namespace AdvCore.Tests.Evaluation;

/// <summary>
/// Seed 002's robustness metrics on a random linear classifier (logits W x + b, so every quantity
/// has a float64 closed form) and the command line on the small trained CNN.
/// </summary>
public class RobustnessMetricsTests
{
    private const int Classes = 4, Side = 6, D = Side * Side;

    private static (Context Ctx, Network Net, double[] W, double[] B) Linear()
    {
        var ctx = Context.Create(Device.Cpu, threads: 1, seed: 1);
        var net = Network.Build(ctx, [1, Side, Side], [new LinearLayer(Classes)], seed: 11);
        var state = net.GetState().Values.ToArray();
        return (ctx, net, state[0].Data.Select(v => (double)v).ToArray(), state[1].Data.Select(v => (double)v).ToArray());
    }

    private static float[] Random01(int count, int seed)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => 0.05f + 0.9f * r.NextSingle()).ToArray();
    }

    private static double[] Logits(double[] w, double[] b, ReadOnlySpan<float> x)
    {
        var z = new double[Classes];
        for (int c = 0; c < Classes; c++)
        {
            z[c] = b[c];
            for (int k = 0; k < D; k++) z[c] += w[c * D + k] * x[k];
        }
        return z;
    }

    private static int ArgMax(double[] z) => Array.IndexOf(z, z.Max());

    [Test]
    public void LossSensitivityMatchesFloat64Gradient()
    {
        var (ctx, net, w, b) = Linear();
        using (ctx) using (net)
        {
            const int n = 5;
            float[] x = Random01(n * D, 3);
            int[] labels = [0, 1, 2, 3, 1];
            using var xt = Tensor.FromArray(ctx, x, n, 1, Side, Side);
            double[] norms = LossSensitivity.Norms(new NetworkClassifier(net), xt, labels);
            for (int i = 0; i < n; i++)
            {
                double[] z = Logits(w, b, x.AsSpan(i * D, D));
                double max = z.Max(), sum = z.Sum(v => Math.Exp(v - max));
                var g = new double[D]; // ∇ₓ CE = Wᵀ(softmax − onehot)
                for (int c = 0; c < Classes; c++)
                {
                    double coef = Math.Exp(z[c] - max) / sum - (c == labels[i] ? 1 : 0);
                    for (int k = 0; k < D; k++) g[k] += coef * w[c * D + k];
                }
                Assert.That(norms[i], Is.EqualTo(Math.Sqrt(g.Sum(v => v * v))).Within(1e-4).Percent, $"image {i}");
            }
        }
    }

    [Test]
    public void MinimalEpsilonFlipsAndTheBracketBelowDoesNot()
    {
        var (ctx, net, w, b) = Linear();
        using (ctx) using (net)
        {
            const int n = 12;
            float[] x = Random01(n * D, 5);
            int[] labels = Enumerable.Range(0, n).Select(i => ArgMax(Logits(w, b, x.AsSpan(i * D, D)))).ToArray();
            using var xt = Tensor.FromArray(ctx, x, n, 1, Side, Side);
            var options = new MinimalFgsmOptions { Step = 0.02f, MaxEpsilon = 1f, Refinements = 3 };
            var r = MinimalFgsm.Search(new NetworkClassifier(net), xt, labels, options);
            using var yl = Tensor.FromLabels(ctx, labels);
            float[] grad = net.InputGradient(xt, yl, LossKind.CrossEntropy).Gradient.ToArray();
            int flipped = 0;
            for (int i = 0; i < n; i++)
            {
                // Recompute the FGSM image in float64 at ε and at the bracket's lower end.
                double[] At(float e) => Enumerable.Range(0, D).Select(k => Math.Clamp(x[i * D + k] + e * Math.Sign(grad[i * D + k]), 0.0, 1.0)).ToArray();
                int Pred(double[] y) => ArgMax(Logits(w, b, y.Select(v => (float)v).ToArray()));
                var adv = At(r.Epsilon[i]);
                Assert.That(r.Adversarial.AsSpan(i * D, D).ToArray(), Is.EqualTo(adv.Select(v => (float)v)).Within(1e-6));
                if (!r.Flipped[i])
                {
                    Assert.That(r.Epsilon[i], Is.EqualTo(1f));
                    continue;
                }
                flipped++;
                Assert.That(Pred(adv), Is.Not.EqualTo(labels[i]), $"image {i} at its minimal ε {r.Epsilon[i]}");
                Assert.That(Pred(At(r.Unflipped[i])), Is.EqualTo(labels[i]), $"image {i} at {r.Unflipped[i]}");
                Assert.That(r.Epsilon[i] - r.Unflipped[i], Is.LessThanOrEqualTo(options.Step / 8 + 1e-6));
                // No earlier grid point flips it.
                for (float e = options.Step; e < r.Unflipped[i] - 1e-6; e += options.Step)
                    Assert.That(Pred(At(e)), Is.EqualTo(labels[i]), $"image {i} at grid ε {e}");
            }
            Assert.That(flipped, Is.GreaterThan(n / 2), "most random images should flip");
        }
    }

    [Test]
    public void MinimalEpsilonIsMinimalOnTheTrainedCnn()
    {
        var trained = AdvCore.Tests.Attacks.TrainedMnistModel.Get();
        var (xt, labels) = trained.Correct(16);
        using (xt)
        {
            const int d = 784;
            var options = new MinimalFgsmOptions { Step = 0.02f, MaxEpsilon = 0.6f, Refinements = 4 };
            var r = MinimalFgsm.Search(new NetworkClassifier(trained.Network), xt, labels, options);
            using var yl = Tensor.FromLabels(trained.Context, labels);
            float[] x = xt.ToArray(), grad = trained.Network.InputGradient(xt, yl, LossKind.CrossEntropy).Gradient.ToArray();
            int Pred(int i, float e)
            {
                var y = new float[d];
                for (int k = 0; k < d; k++) y[k] = Math.Clamp(x[i * d + k] + e * Math.Sign(grad[i * d + k]), 0f, 1f);
                using var t = Tensor.FromArray(trained.Context, y, 1, 1, 28, 28);
                return trained.Network.Predict(t)[0];
            }
            int flipped = 0;
            for (int i = 0; i < labels.Length; i++)
            {
                if (!r.Flipped[i]) { Assert.That(Pred(i, options.MaxEpsilon), Is.EqualTo(labels[i]), $"image {i} reported unflipped"); continue; }
                flipped++;
                Assert.That(r.Epsilon[i], Is.GreaterThan(0f));
                Assert.That(Pred(i, r.Epsilon[i]), Is.Not.EqualTo(labels[i]), $"image {i} at its minimal ε {r.Epsilon[i]}");
                Assert.That(r.Predicted[i], Is.Not.EqualTo(labels[i]));
                Assert.That(Pred(i, r.Unflipped[i]), Is.EqualTo(labels[i]), $"image {i} at the bracket's lower end {r.Unflipped[i]}");
                Assert.That(r.Epsilon[i] - r.Unflipped[i], Is.LessThanOrEqualTo(options.Step / 16 + 1e-6), $"image {i}: bracket not refined");
                for (int k = 1; k * options.Step < r.Unflipped[i] - 1e-6; k++)
                    Assert.That(Pred(i, k * options.Step), Is.EqualTo(labels[i]), $"image {i} flips already at grid ε {k * options.Step}");
            }
            Assert.That(flipped, Is.GreaterThanOrEqualTo(labels.Length / 2), "FGSM up to ε 0.6 should flip most images of the tiny CNN");
        }
    }

    [Test]
    public void NearestTrainingImageIsTheBruteForceOneEvenAmongNearTies()
    {
        using var ctx = Context.Create(Device.Cpu, threads: 1, seed: 1);
        const int q = 7, d = 300, m = 4500; // m > one GEMM tile
        float[] queries = Random01(q * d, 21);
        float[] train = Random01(m * d, 22);
        var r = new Random(23);
        // Near-duplicates of every query, squared distances ~1e-5 apart: below float32 GEMM resolution.
        for (int i = 0; i < q; i++)
            for (int c = 0; c < 6; c++)
            {
                int row = 97 + 700 * c + i * 3;
                for (int k = 0; k < d; k++) train[row * d + k] = queries[i * d + k] + (r.NextSingle() - 0.5f) * 4e-4f;
            }
        var (distance, index) = TrainingSetDistance.Nearest(ctx, queries, train, d);
        for (int i = 0; i < q; i++)
        {
            double best = double.MaxValue;
            int arg = -1;
            for (int j = 0; j < m; j++)
            {
                double s = 0;
                for (int k = 0; k < d; k++) s += Math.Pow((double)queries[i * d + k] - train[j * d + k], 2);
                if (s < best) (best, arg) = (s, j);
            }
            Assert.That(index[i], Is.EqualTo(arg), $"query {i}");
            Assert.That(distance[i], Is.EqualTo(Math.Sqrt(best)).Within(1e-12), $"query {i}");
        }
        Assert.Throws<ShapeMismatchException>(() => TrainingSetDistance.Nearest(ctx, queries, train.AsMemory(0, 10), d));
    }

    [Test]
    public void ReportRecomputesFromThePerturbationsAndBruteForceNeighbours()
    {
        var (ctx, net, w, b) = Linear();
        using (ctx) using (net)
        {
            const int n = 10, m = 5000; // m > one GEMM tile
            float[] x = Random01(n * D, 7);
            int[] labels = Enumerable.Range(0, n).Select(i => i == 3 ? (ArgMax(Logits(w, b, x.AsSpan(i * D, D))) + 1) % Classes
                                                                    : ArgMax(Logits(w, b, x.AsSpan(i * D, D)))).ToArray();
            var test = new LabeledImages("rand/test", 1, Side, Side, Classes, x, labels);
            var train = new LabeledImages("rand/train", 1, Side, Side, Classes, Random01(m * D, 9), new int[m]);
            var classifier = new NetworkClassifier(net);
            var report = RobustnessMetrics.Evaluate(classifier, test, train, new MinimalFgsmOptions { Step = 0.05f }, batchSize: 4);
            Assert.That(report.Images[3].Correct, Is.False);
            using var xt = Tensor.FromArray(ctx, x, n, 1, Side, Side);
            var search = MinimalFgsm.Search(classifier, xt, labels, new MinimalFgsmOptions { Step = 0.05f });
            var ratios = new List<double>();
            var dists = new List<double>();
            var tp = train.Pixels.Span;
            for (int i = 0; i < n; i++)
            {
                if (i == 3 || !search.Flipped[i]) { Assert.That(report.Images[i].Ratio, Is.Null); continue; }
                var a = search.Adversarial.AsSpan(i * D, D);
                double dx = 0, xx = 0;
                for (int k = 0; k < D; k++) { dx += Math.Pow(a[k] - (double)x[i * D + k], 2); xx += Math.Pow(x[i * D + k], 2); }
                ratios.Add(Math.Sqrt(dx / xx));
                double best = double.MaxValue;
                for (int j = 0; j < m; j++)
                {
                    double s = 0;
                    for (int k = 0; k < D; k++) s += Math.Pow(a[k] - (double)tp[j * D + k], 2);
                    best = Math.Min(best, s);
                }
                dists.Add(Math.Sqrt(best));
                Assert.That(report.Images[i].TrainingDistance, Is.EqualTo(Math.Sqrt(best)).Within(1e-6), $"image {i}");
            }
            Assert.That(ratios, Is.Not.Empty);
            Assert.That(report.EmpiricalRobustness, Is.EqualTo(ratios.Average()).Within(1e-9));
            Assert.That(report.TrainingSetDistance, Is.EqualTo(dists.Average()).Within(1e-6));
            Assert.That(report.LossSensitivity, Is.EqualTo(LossSensitivity.Norms(classifier, xt, labels).Average()).Within(1e-9));
            Assert.That(report.ToJson(), Does.Contain("\"empirical_robustness\"").And.Contain("\"training_set_distance\""));
        }
    }

    [TestCase(0f, 1f, 2, "Step must be a finite number > 0")]
    [TestCase(-0.1f, 1f, 2, "Step must be a finite number > 0")]
    [TestCase(0.1f, -1f, 2, "MaxEpsilon must be a finite number > 0")]
    [TestCase(2f, 1f, 2, "Step must be in (0, 1]")]
    [TestCase(0.1f, 1f, -1, "Refinements must be in [0, 30]")]
    public void BadSearchOptionsAreRefused(float step, float max, int refine, string message)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new MinimalFgsmOptions { Step = step, MaxEpsilon = max, Refinements = refine }.Validate());
        Assert.That(e!.Message, Does.Contain(message));
    }
}

/// <summary><c>advcore metrics</c> on the small CNN of <see cref="AdvCore.Tests.Attacks.TrainedMnistModel"/>.</summary>
public class RobustnessMetricsCliTests() : TinyModelCliTest("advcore-metrics-cli-")
{
    [Test]
    public void MetricsPrintsTheThreeNumbersAndWritesJson()
    {
        string model = Model(), json = Path.Combine(Dir, "m.json");
        var (code, output, error) = CliRunner.Run("metrics", "--model", model, "--dataset", "mnist", "--count", "8", "--epsilon-step", "0.05",
                                                  "--refine", "2", "--json", json, "--data", Data);
        Assert.That(code, Is.Zero, error);
        Assert.That(output, Does.Contain("empirical robustness ρ").And.Contain("training-set distance").And.Contain("loss sensitivity")
                                .And.Contain("nearest of 60000 training images"));
        Assert.That(File.ReadAllText(json), Does.Contain("\"loss_sensitivity\"").And.Contain("advcore metrics"));
    }

    [TestCase(new[] { "--count", "0" }, "--count must be >= 1")]
    [TestCase(new[] { "--epsilon-step", "-0.1" }, "Step must be a finite number > 0")]
    [TestCase(new[] { "--epsilon-max", "-1" }, "MaxEpsilon must be a finite number > 0")]
    [TestCase(new[] { "--attack", "zoo" }, "unknown attack 'zoo'")]
    [TestCase(new[] { "--attack", "pgd2" }, "only fgsm is supported")]
    public void BadOptionsGiveOneLine(string[] args, string expected)
    {
        string model = Model();
        var (code, _, error) = CliRunner.Run(["metrics", "--model", model, "--dataset", "mnist", "--data", Data, .. args]);
        Assert.That(code, Is.Not.Zero, error);
        Assert.That(error, Does.Contain(expected));
        Assert.That(error.TrimEnd().Split('\n'), Has.Length.EqualTo(1), error);
    }
}
