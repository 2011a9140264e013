using AdvCore.Data;
using AdvCore.Models;
using AdvCore.Nn;
using AdvCore.Tests.Attacks;
using AdvCore.Tests.Cli;
using AdvCore.Tests.Nn;
using AdvCore.Training;
using NUnit.Framework;

namespace AdvCore.Tests.Training;

/// <summary>
/// Virtual adversarial training (Miyato et al.; seed 002's comparison defense): the power
/// iteration against a float64 eigenvector, the step's weight gradient against finite
/// differences, determinism and exact resume on MNIST, and refused options.
/// </summary>
public class VirtualAdversarialTests
{
    private const int D = 12, K = 4;
    private Context _ctx = null!;
    private string _dir = null!;

    [OneTimeSetUp]
    public void SetUp()
    {
        _ctx = Context.Create(Device.Cpu, threads: 2, seed: 31);
        _dir = Directory.CreateTempSubdirectory("advcore-vat-").FullName;
    }

    [OneTimeTearDown]
    public void TearDown()
    {
        _ctx.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    // ------------------------------------------------------------------ the power iteration

    // logits = W x + b with W [K, D]: KL(p(x) ‖ p(x + r)) = ½ rᵀ Wᵀ(diag(p) − ppᵀ)W r + O(‖r‖³),
    // so the VAT direction is the dominant eigenvector of that matrix.
    private (Network Net, double[] W, double[] B) Linear(int seed)
    {
        var random = new Random(seed);
        double[] w = new double[K * D], b = new double[K];
        for (int o = 0; o < K; o++)
            for (int i = 0; i < D; i++)
                w[o * D + i] = Gaussian(random) * (1.0 + o) * 0.4; // unequal row scales: a clear eigen gap
        for (int o = 0; o < K; o++) b[o] = 0.3 * Gaussian(random);
        var net = Network.Build(_ctx, [D], [new LinearLayer(K)], seed: 1);
        net["0.weight"].Value.CopyFrom(Array.ConvertAll(w, v => (float)v));
        net["0.bias"].Value.CopyFrom(Array.ConvertAll(b, v => (float)v));
        // The float32 weights are what the network uses: the reference takes them back exactly.
        return (net, Array.ConvertAll(net["0.weight"].Value.ToArray(), v => (double)v), Array.ConvertAll(net["0.bias"].Value.ToArray(), v => (double)v));
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static float[] Inputs(int seed, int n)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, n * D).Select(_ => (float)random.NextDouble())];
    }

    private static double[] SoftmaxOf(double[] w, double[] b, ReadOnlySpan<double> x)
    {
        var z = new double[K];
        for (int o = 0; o < K; o++)
        {
            z[o] = b[o];
            for (int i = 0; i < D; i++) z[o] += w[o * D + i] * x[i];
        }
        double max = z.Max(), sum = z.Sum(v => Math.Exp(v - max));
        return [.. z.Select(v => Math.Exp(v - max) / sum)];
    }

    // H = Wᵀ(diag(p) − ppᵀ)W at x, in float64.
    private static double[,] KlHessian(double[] w, double[] b, ReadOnlySpan<double> x)
    {
        double[] p = SoftmaxOf(w, b, x);
        var h = new double[D, D];
        for (int i = 0; i < D; i++)
            for (int j = 0; j < D; j++)
            {
                double sum = 0;
                for (int o = 0; o < K; o++)
                {
                    sum += p[o] * w[o * D + i] * w[o * D + j];
                    for (int u = 0; u < K; u++) sum -= p[o] * p[u] * w[o * D + i] * w[u * D + j];
                }
                h[i, j] = sum;
            }
        return h;
    }

    // The dominant eigenpair of a symmetric positive semi-definite matrix, by plain power iteration in float64.
    private static (double[] Vector, double Value) Dominant(double[,] h, double[]? deflate = null, double deflateValue = 0)
    {
        var v = Enumerable.Range(0, D).Select(i => 1.0 + 0.1 * i).ToArray();
        double value = 0;
        for (int iteration = 0; iteration < 5000; iteration++)
        {
            var next = new double[D];
            for (int i = 0; i < D; i++)
                for (int j = 0; j < D; j++)
                    next[i] += (h[i, j] - (deflate is null ? 0 : deflateValue * deflate[i] * deflate[j])) * v[j];
            value = Math.Sqrt(next.Sum(t => t * t));
            v = [.. next.Select(t => t / value)];
        }
        return (v, value);
    }

    private static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<double> b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += b[i] * b[i];
        }
        return dot / Math.Sqrt(na * nb);
    }

    [Test]
    public void PowerIterationFindsTheDominantEigenvectorOfTheKlHessian()
    {
        var (net, w, b) = Linear(seed: 2);
        using (net)
        {
            const int n = 4;
            float[] images = Inputs(3, n);
            using var x = Tensor.FromArray(_ctx, images, n, D);
            using var d = Tensor.Zeros(_ctx, [n, D]);
            using var vat = new VirtualAdversarial(net, epsilon: 2.1f, xi: VirtualAdversarial.DefaultXi, iterations: 1, weight: 1f);
            vat.RandomDirection(d, counter: 99);
            vat.PowerIterate(x, d, iterations: 60);
            float[] found = d.ToArray();
            for (int i = 0; i < n; i++)
            {
                double[] xi = Array.ConvertAll(images[(i * D)..((i + 1) * D)], v => (double)v);
                var h = KlHessian(w, b, xi);
                var (top, lambda1) = Dominant(h);
                var (_, lambda2) = Dominant(h, top, lambda1);
                Assume.That(lambda2 / lambda1, Is.LessThan(0.8), $"image {i}: the test needs an eigen gap");
                double cosine = Cosine(found.AsSpan(i * D, D), top);
                TestContext.Out.WriteLine($"image {i}: λ₂/λ₁ = {lambda2 / lambda1:F3}, |cos| = {Math.Abs(cosine):F6}");
                Assert.That(Math.Abs(cosine), Is.GreaterThanOrEqualTo(0.999), $"image {i}");
            }
        }
    }

    // One iteration from a fixed unit d: g = Wᵀ(softmax(W(x + ξd) + b) − softmax(Wx + b)), normalized.
    [TestCase(5e-3f)]
    [TestCase(5e-2f)]
    public void OneIterationIsTheNormalizedKlGradientAtTheProbe(float xi)
    {
        var (net, w, b) = Linear(seed: 4);
        using (net)
        {
            const int n = 3;
            float[] images = Inputs(5, n);
            var random = new Random(6);
            float[] start = new float[n * D];
            for (int i = 0; i < n; i++)
            {
                double[] g = [.. Enumerable.Range(0, D).Select(_ => Gaussian(random))];
                double norm = Math.Sqrt(g.Sum(v => v * v));
                for (int j = 0; j < D; j++) start[i * D + j] = (float)(g[j] / norm);
            }
            using var x = Tensor.FromArray(_ctx, images, n, D);
            using var d = Tensor.FromArray(_ctx, (float[])start.Clone(), n, D);
            using var vat = new VirtualAdversarial(net, 2.1f, xi, 1, 1f);
            vat.PowerIterate(x, d, iterations: 1);
            float[] found = d.ToArray();
            for (int i = 0; i < n; i++)
            {
                double[] x0 = new double[D], probe = new double[D];
                for (int j = 0; j < D; j++)
                {
                    x0[j] = images[i * D + j];
                    probe[j] = x0[j] + (double)xi * start[i * D + j];
                }
                double[] p = SoftmaxOf(w, b, x0), q = SoftmaxOf(w, b, probe);
                var expected = new double[D];
                for (int j = 0; j < D; j++)
                    for (int o = 0; o < K; o++) expected[j] += w[o * D + j] * (q[o] - p[o]);
                double norm = Math.Sqrt(expected.Sum(v => v * v));
                for (int j = 0; j < D; j++)
                    Assert.That(found[i * D + j], Is.EqualTo(expected[j] / norm).Within(2e-3), $"image {i}, component {j}");
                Assert.That(Cosine(found.AsSpan(i * D, D), expected), Is.GreaterThan(0.99999), $"image {i}");
            }
        }
    }

    // Why ξ is not Miyato's 1e-6 (VirtualAdversarial.DefaultXi): on a trained MNIST CNN in float32,
    // directions from ξ in the plateau agree with each other, while ξ = 1e-6 is mostly rounding noise.
    [Test]
    public void DefaultXiIsAboveTheFloat32NoiseFloorAndMiyatosIsNot()
    {
        var model = TrainedMnistModel.Get();
        var (x, _) = model.Correct(64);
        using (x)
        {
            float[] Direction(float xi)
            {
                using var vat = new VirtualAdversarial(model.Network, 2.1f, xi, 1, 1f);
                using var d = Tensor.Zeros(model.Context, x.Shape);
                vat.RandomDirection(d, counter: 77);
                vat.PowerIterate(x, d, 1);
                return d.ToArray();
            }
            float[] reference = Direction(2e-2f), chosen = Direction(VirtualAdversarial.DefaultXi), miyato = Direction(1e-6f);
            double MeanCosine(float[] a) => Enumerable.Range(0, (int)x.BatchSize)
                .Average(i => Cosine(a.AsSpan(i * 784, 784), Array.ConvertAll(reference[(i * 784)..((i + 1) * 784)], v => (double)v)));
            double agreement = MeanCosine(chosen), noise = MeanCosine(miyato);
            TestContext.Out.WriteLine($"mean cosine with ξ = 2e-2: ξ = {VirtualAdversarial.DefaultXi} {agreement:F4}, ξ = 1e-6 {noise:F4}");
            Assert.That(agreement, Is.GreaterThan(0.99));
            Assert.That(noise, Is.LessThan(0.9));
        }
    }

    // ------------------------------------------------------------------ the loss and its gradient

    private static LayerSpec[] SmallCnn() =>
    [
        new Conv2dLayer(4, 3, 1, Padding.Same), ActivationLayer.LeakyReLU(0.1f), new FlattenLayer(), new LinearLayer(3),
    ];

    // Central differences see LeakyReLU's kinks (a conv bias moves hundreds of pre-activations at
    // once), so the CNN's parameters are checked after its last kink, and the conv layer's in a
    // CNN without an activation, where the loss is still nonlinear (softmax, conv × linear).
    [TestCase("leaky", new[] { "3.weight", "3.bias" })]
    [TestCase("no-activation", new[] { "0.weight", "0.bias", "2.weight" })]
    public void StepGradientMatchesFiniteDifferencesOfTheVatLoss(string network, string[] names)
    {
        // L(θ) = mean CE_s(z(x), y) + α·mean KL(p ‖ softmax(z(x + r_vadv))) with p and r_vadv held
        // constant at θ₀, as VAT differentiates it; central differences in float64 of float32 logits.
        const float smoothing = 0.1f, alpha = 0.7f;
        const ulong counter = 4242;
        LayerSpec[] layers = network == "leaky" ? SmallCnn() : [new Conv2dLayer(4, 3, 1, Padding.Same), new FlattenLayer(), new LinearLayer(3)];
        using var net = Network.Build(_ctx, [1, 8, 8], layers, seed: 4);
        var (images, labelData) = TinyData.Bars(5, 6);
        using var x = Tensor.FromArray(_ctx, images, 6, 1, 8, 8);
        using var labels = Tensor.FromLabels(_ctx, labelData);
        using var vat = new VirtualAdversarial(net, 2.1f, VirtualAdversarial.DefaultXi, 2, alpha);
        using var noUpdate = new SgdMomentum(0f, 0f);
        var result = vat.Step(x, labels, noUpdate, smoothing, 0, null, counter);

        float[] perturbed = vat.Perturbed(x, counter).ToArray(); // the same r_vadv: same weights, same start
        using var xr = Tensor.FromArray(_ctx, perturbed, 6, 1, 8, 8);
        double[][] p = Rows(net.Forward(x).ToArray(), 3);
        double Loss()
        {
            double[][] clean = Rows(net.Forward(x).ToArray(), 3), moved = Rows(net.Forward(xr).ToArray(), 3);
            double sum = 0;
            for (int i = 0; i < 6; i++)
                for (int c = 0; c < 3; c++)
                {
                    double target = c == labelData[i] ? 1 - smoothing : smoothing / 2;
                    sum -= target * Math.Log(clean[i][c]);
                    sum += alpha * p[i][c] * (Math.Log(p[i][c]) - Math.Log(moved[i][c]));
                }
            return sum / 6;
        }
        Assert.That(result.MeanLoss, Is.EqualTo(Loss()).Within(1e-5), "the reported loss is CE + α·KL");
        Assert.That(vat.LastDivergence, Is.GreaterThan(1e-4), "r_vadv moves the prediction");

        var random = new Random(7);
        foreach (string name in names)
        {
            var parameter = net[name];
            float[] w0 = parameter.Value.ToArray(), grad = parameter.Grad!.ToArray();
            for (int trial = 0; trial < 8; trial++)
            {
                int j = random.Next(w0.Length);
                float[] plus = (float[])w0.Clone(), minus = (float[])w0.Clone();
                plus[j] += 1e-2f;
                minus[j] -= 1e-2f;
                parameter.Value.CopyFrom(plus);
                double up = Loss();
                parameter.Value.CopyFrom(minus);
                double down = Loss();
                parameter.Value.CopyFrom(w0);
                double fd = (up - down) / ((double)plus[j] - minus[j]);
                Assert.That(grad[j], Is.EqualTo(fd).Within(1e-4 + 1e-3 * Math.Abs(fd)), $"{name}[{j}]");
            }
        }
    }

    private static double[][] Rows(float[] logits, int k) =>
        [.. Enumerable.Range(0, logits.Length / k).Select(i =>
        {
            var p = new double[k];
            VirtualAdversarial.Softmax(logits.AsSpan(i * k, k), p);
            return p;
        })];

    [Test]
    public void PerturbationHasLengthEpsilonAndIsNotClipped()
    {
        using var net = Network.Build(_ctx, [1, 8, 8], SmallCnn(), seed: 8);
        var (images, _) = TinyData.Bars(9, 5);
        using var x = Tensor.FromArray(_ctx, images, 5, 1, 8, 8);
        using var vat = new VirtualAdversarial(net, 2.1f, VirtualAdversarial.DefaultXi, 1, 1f);
        float[] moved = vat.Perturbed(x, counter: 7).ToArray();
        for (int i = 0; i < 5; i++)
        {
            double norm = Math.Sqrt(Enumerable.Range(i * 64, 64).Sum(j => Math.Pow(moved[j] - images[j], 2)));
            Assert.That(norm, Is.EqualTo(2.1).Within(1e-4), $"image {i}: ‖r_vadv‖₂ = ε");
        }
        Assert.That(moved.Any(v => v is < 0f or > 1f), Is.True, "ε = 2.1 over 64 pixels leaves [0, 1]; Miyato does not clip");
        Assert.That(vat.Perturbed(x, counter: 7).ToArray(), Is.EqualTo(moved).AsCollection, "the same counter, the same start");
        Assert.That(vat.Perturbed(x, counter: 8).ToArray(), Is.Not.EqualTo(moved).AsCollection, "another counter, another start");
    }

    [Test]
    public void CombinesWithAnAdversaryAndReportsTheKlTerm()
    {
        var (images, labelData) = TinyData.Bars(10, 64);
        var data = new LabeledImages("bars/10", 1, 8, 8, 3, images, labelData);
        var arch = new ModelArchitecture("small", [1, 8, 8], 3, SmallCnn());
        var options = new TrainingOptions
        {
            Epochs = 1, BatchSize = 16, Seed = 3, LearningRate = 1e-2f, VatEpsilon = 1f,
            Adversary = "fgsm", AdversaryParameters = "epsilons=0.1", AdversaryRatio = 0.5f,
        };
        using var trainer = new Trainer(Network.Build(_ctx, arch.InputShape, arch.Layers, options.Seed), arch, options, ownsNetwork: true);
        var report = trainer.RunEpoch(data);
        TestContext.Out.WriteLine(report);
        Assert.That(report.VatDivergence, Is.GreaterThan(0));
        Assert.That(report.CleanAccuracy, Is.Not.Null);
        Assert.That(report.AdversarialAccuracy, Is.Not.Null);
        Assert.That(double.IsFinite(report.Loss), Is.True);
    }

    // ------------------------------------------------------------------ training on MNIST

    private static LabeledImages MnistSubset(bool train, int count)
    {
        string? folder = MnistIdx.Folder();
        if (folder is null) Assert.Ignore("MNIST not found (set ADVCORE_DATA to the folder holding mnist/)");
        var (images, labels) = MnistIdx.Load(folder!, train, count);
        return new LabeledImages(train ? "mnist/train" : "mnist/test", 1, 28, 28, 10, images, labels);
    }

    private static ModelArchitecture TinyC4() => new("tiny-c4", [1, 28, 28], 10, TrainedMnistModel.Layers);

    private Trainer NewTrainer(TrainingOptions options) =>
        new(Network.Build(_ctx, TinyC4().InputShape, TinyC4().Layers, options.Seed), TinyC4(), options, ownsNetwork: true);

    private static float[] Weights(Network network) => network.GetState().Values.SelectMany(v => v.Data).ToArray();

    // Mean KL(p(x) ‖ p(x + r_vadv)) over a batch: what VAT minimizes, measured with 2 power iterations.
    private double Smoothness(Network network, LabeledImages images)
    {
        using var x = Tensor.FromArray(_ctx, images.Pixels.ToArray(), images.Count, 1, 28, 28);
        using var vat = new VirtualAdversarial(network, 2.1f, VirtualAdversarial.DefaultXi, 2, 1f);
        double[][] p = Rows(network.Forward(x).ToArray(), 10), q = Rows(network.Forward(vat.Perturbed(x, 5)).ToArray(), 10);
        return p.Zip(q, (a, b) => a.Zip(b, (u, v) => u > 0 ? u * Math.Log(u / v) : 0).Sum()).Average();
    }

    [Test]
    public void MnistRunIsDeterministicResumesExactlyAndSmoothsThePredictions()
    {
        var train = MnistSubset(train: true, 768);
        var test = MnistSubset(train: false, 128);
        var options = new TrainingOptions { Epochs = 2, BatchSize = 64, Seed = 11, LearningRate = 2e-3f, VatEpsilon = 2.1f };

        float[] uninterrupted;
        double vatSmoothness;
        using (var trainer = NewTrainer(options))
        {
            var reports = Enumerable.Range(0, 2).Select(_ => trainer.RunEpoch(train, test)).ToList();
            TestContext.Out.WriteLine(string.Join("\n", reports));
            Assert.That(reports.All(r => r.VatDivergence > 0), Is.True);
            Assert.That(reports[^1].TestAccuracy, Is.GreaterThan(0.6), "VAT still learns the digits");
            uninterrupted = Weights(trainer.Network);
            vatSmoothness = Smoothness(trainer.Network, test);
        }

        // Interrupted after epoch 1 of 2: the checkpoint carries the VAT options, and epoch 2
        // draws the same random starts.
        string checkpoint = Path.Combine(_dir, "vat.ckpt.safetensors");
        using (var first = NewTrainer(options))
        {
            first.RunEpoch(train);
            first.SaveCheckpoint(checkpoint);
        }
        using (var resumed = TrainingCheckpoint.Resume(checkpoint, _ctx))
        {
            Assert.That(resumed.Options, Is.EqualTo(options));
            resumed.RunEpoch(train);
            Assert.That(Weights(resumed.Network), Is.EqualTo(uninterrupted).AsCollection, "resumed = uninterrupted, bit for bit");
        }

        using var plain = NewTrainer(options with { VatEpsilon = null });
        plain.RunEpoch(train);
        plain.RunEpoch(train);
        Assert.That(Weights(plain.Network), Is.Not.EqualTo(uninterrupted).AsCollection);
        double plainSmoothness = Smoothness(plain.Network, test);
        TestContext.Out.WriteLine($"mean KL at ε = 2.1 on 128 test images: VAT {vatSmoothness:F4}, plain {plainSmoothness:F4}");
        Assert.That(vatSmoothness, Is.LessThan(plainSmoothness), "VAT makes the predictions smoother around the data");
    }

    // ------------------------------------------------------------------ refused options

    [TestCase(0f, "VAT ε must be > 0 and finite (got 0)")]
    [TestCase(-2.1f, "VAT ε must be > 0 and finite (got -2.1)")]
    [TestCase(float.NaN, "VAT ε must be > 0 and finite")]
    [TestCase(float.PositiveInfinity, "VAT ε must be > 0 and finite")]
    public void BadEpsilonsAreRefused(float epsilon, string expected)
    {
        var options = new TrainingOptions { VatEpsilon = epsilon };
        Assert.That(options.Validate, Throws.InstanceOf<InvalidArgumentException>().With.Message.Contains(expected));
        using var net = Network.Build(_ctx, [1, 8, 8], SmallCnn());
        Assert.That(() => new Trainer(net, new ModelArchitecture("small", [1, 8, 8], 3, SmallCnn()), options),
                    Throws.InstanceOf<InvalidArgumentException>().With.Message.Contains(expected));
    }

    [Test]
    public void BadVatSettingsAreRefusedByName()
    {
        var on = new TrainingOptions { VatEpsilon = 2.1f };
        Assert.That((on with { VatXi = 0f }).Validate, Throws.InstanceOf<InvalidArgumentException>().With.Message.Contains("VAT ξ must be > 0 and finite (got 0)"));
        Assert.That((on with { VatXi = float.NaN }).Validate, Throws.InstanceOf<InvalidArgumentException>().With.Message.Contains("VAT ξ must be > 0"));
        Assert.That((on with { VatPowerIterations = 0 }).Validate, Throws.InstanceOf<InvalidArgumentException>().With.Message.Contains("VAT power iterations must be >= 1 (got 0)"));
        Assert.That((on with { VatWeight = -1f }).Validate, Throws.InstanceOf<InvalidArgumentException>().With.Message.Contains("VAT weight α must be >= 0 and finite (got -1)"));
        Assert.That(on.Validate, Throws.Nothing);
        Assert.That((on with { VatWeight = 0f }).Validate, Throws.Nothing, "α = 0 is the ablation: r_vadv is found, the KL term weighs nothing");
        Assert.That(new TrainingOptions().VatEpsilon, Is.Null, "VAT is off by default");
    }

    [TestCase(new[] { "--vat-epsilon", "0" }, "VAT ε must be > 0 and finite (got 0)")]
    [TestCase(new[] { "--vat-epsilon", "-1" }, "VAT ε must be > 0 and finite (got -1)")]
    [TestCase(new[] { "--vat-epsilon", "NaN" }, "VAT ε must be > 0 and finite")]
    [TestCase(new[] { "--vat-epsilon", "2.1", "--vat-iterations", "0" }, "VAT power iterations must be >= 1 (got 0)")]
    [TestCase(new[] { "--vat-epsilon", "2.1", "--vat-weight", "-0.5" }, "VAT weight α must be >= 0 and finite (got -0.5)")]
    [TestCase(new[] { "--vat-epsilon", "2.1", "--vat-xi", "0" }, "VAT ξ must be > 0 and finite (got 0)")]
    [TestCase(new[] { "--vat-xi", "0.001" }, "need --vat-epsilon")]
    [TestCase(new[] { "--vat-iterations", "2" }, "need --vat-epsilon")]
    [TestCase(new[] { "--vat-epsilon", "wide" }, "wide")]
    public void BadVatArgumentsGetOneClearLine(string[] vat, string expected)
    {
        string[] args = ["train", "--model", "c4", "--dataset", "mnist", "--out", Path.Combine(_dir, "never.safetensors"), .. vat];
        var (code, _, error) = CliRunner.Run(args);
        Assert.That(code, Is.Not.Zero);
        Assert.That(error, Does.Contain(expected));
        Assert.That(error, Does.Not.Contain("   at "), "no stack trace");
        Assert.That(error.Trim().Split('\n'), Has.Length.LessThanOrEqualTo(2), error);
    }

    [Test]
    public void CliTrainsWithVatAndRecordsIt()
    {
        string? data = CliRunner.DataRoot();
        if (data is null) Assert.Ignore("ADVCORE_DATA with mnist/ is not set");
        string model = Path.Combine(_dir, "c4-vat.safetensors");
        var run = CliRunner.Run("train", "--model", "c4", "--dataset", "mnist", "--epochs", "1", "--max-images", "128", "--batch", "64",
                                "--test-count", "64", "--vat-epsilon", "2.1", "--vat-iterations", "2", "--vat-weight", "0.5", "--out", model, "--data", data!);
        Assert.That(run.Code, Is.Zero, run.Error);
        Assert.That(run.Out, Does.Contain("virtual adversarial training: epsilon 2.1 xi 0.005 iterations 2 weight 0.5"));
        Assert.That(run.Out, Does.Contain("(VAT KL "));
        using var context = Context.Create(Device.Cpu, threads: 1);
        using var loaded = ModelFile.Load(model, context);
        var training = System.Text.Json.JsonDocument.Parse(loaded.Training!).RootElement;
        Assert.That(training.GetProperty("vat").GetString(), Is.EqualTo("epsilon 2.1 xi 0.005 iterations 2 weight 0.5"));
        Assert.That(training.GetProperty("adversary").GetString(), Is.Empty);
    }
}
