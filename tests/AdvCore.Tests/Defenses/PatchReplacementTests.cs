using AdvCore.Attacks;
using AdvCore.Data;
using AdvCore.Defenses.Patches;
using AdvCore.IO;
using AdvCore.Nn;
using NUnit.Framework;

namespace AdvCore.Tests.Defenses;

/// <summary>
/// Patch replacement above the kernels: k-means (deterministic, error never rising, resumable),
/// codebook files (exact round trip, corrupt or mismatched ones refused), the defended classifier
/// (identity at ε = 0, BPDA gradients at layer 0 and inside the network).
/// </summary>
public class PatchReplacementTests
{
    private static float[] Random01(int count, int seed)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => r.NextSingle()).ToArray();
    }

    // Points around a few centres, so k-means has structure to find.
    private static float[] Clustered(int n, int dim, int centres, int seed)
    {
        var r = new Random(seed);
        var c = Enumerable.Range(0, centres * dim).Select(_ => r.NextSingle() * 4).ToArray();
        var x = new float[n * dim];
        for (int i = 0; i < n; i++)
        {
            int k = r.Next(centres);
            for (int j = 0; j < dim; j++) x[i * dim + j] = c[k * dim + j] + 0.3f * (r.NextSingle() - 0.5f);
        }
        return x;
    }

    private static Network SmallCnn(Context ctx) => Network.Build(ctx, [1, 12, 12],
        [new Conv2dLayer(8, 3, 2, Padding.Same), ActivationLayer.LeakyReLU(0.1f), new Conv2dLayer(8, 3), ActivationLayer.LeakyReLU(0.1f), new FlattenLayer(), new LinearLayer(4)], seed: 7);

    [Test]
    public void KMeansIsDeterministicAndItsErrorNeverRises()
    {
        using var ctx = Context.Create(Device.Cpu, threads: 2, seed: 1);
        float[] x = Clustered(3000, 9, 20, 1);
        var options = new KMeansOptions { Clusters = 32, Iterations = 8, Seed = 5 };
        var errors = new List<double>();
        float[] a = KMeans.Train(ctx, x, 9, options, step: (s, _) => errors.Add(s.Error));
        float[] b = KMeans.Train(ctx, x, 9, options);
        Assert.That(b, Is.EqualTo(a), "same seed, same centroids");
        Assert.That(KMeans.Train(ctx, x, 9, options with { Seed = 6 }), Is.Not.EqualTo(a));
        Assert.That(errors, Has.Count.EqualTo(8));
        for (int t = 1; t < errors.Count; t++) Assert.That(errors[t], Is.LessThanOrEqualTo(errors[t - 1] * (1 + 1e-6)), $"iteration {t + 1}");
        double seeded = KMeans.Error(ctx, x, 9, KMeans.Train(ctx, x, 9, options with { Iterations = 0 }));
        Assert.That(errors[^1], Is.LessThan(seeded), "Lloyd improves on the k-means++ seeds");
        // The error is the mean squared distance to the nearest centroid, recomputed here in float64.
        double brute = 0;
        for (int i = 0; i < 3000; i++)
        {
            double best = double.MaxValue;
            for (int c = 0; c < 32; c++)
            {
                double d = 0;
                for (int j = 0; j < 9; j++) d += Math.Pow(x[i * 9 + j] - a[c * 9 + j], 2);
                best = Math.Min(best, d);
            }
            brute += best;
        }
        Assert.That(errors[^1], Is.EqualTo(brute / 3000).Within(1e-4).Percent);
    }

    [Test]
    public void KMeansResumedFromAnIterationEqualsTheUninterruptedRun()
    {
        using var ctx = Context.Create(Device.Cpu, threads: 2, seed: 1);
        float[] x = Clustered(2000, 4, 12, 2);
        var options = new KMeansOptions { Clusters = 16, Iterations = 6, Seed = 1 };
        float[]? atThree = null;
        float[] full = KMeans.Train(ctx, x, 4, options, step: (s, c) => { if (s.Iteration == 3) atThree = (float[])c.Clone(); });
        Assert.That(KMeans.Train(ctx, x, 4, options, atThree, done: 3), Is.EqualTo(full));
    }

    [Test]
    public void KMeansRefusesMoreCentroidsThanPoints()
    {
        using var ctx = Context.Create(Device.Cpu, threads: 1, seed: 1);
        var e = Assert.Throws<ArgumentException>(() => KMeans.Train(ctx, Random01(50, 1), 5, new KMeansOptions { Clusters = 11 }));
        Assert.That(e!.Message, Does.Contain("K = 11 centroids need at least as many training patches; there are 10"));
    }

    [Test]
    public void EmptyClustersAreReseededWithTheFarthestPoints()
    {
        using var ctx = Context.Create(Device.Cpu, threads: 1, seed: 1);
        // 40 copies of one point and 4 distinct far points: 8 centroids cannot all keep points.
        var x = new List<float>();
        for (int i = 0; i < 40; i++) x.AddRange([0f, 0f]);
        x.AddRange([10f, 0f, 0f, 10f, -10f, 0f, 0f, -10f]);
        int reseeded = 0;
        float[] c = KMeans.Train(ctx, [.. x], 2, new KMeansOptions { Clusters = 8, Iterations = 3, Seed = 2 }, step: (s, _) => reseeded += s.Reseeded);
        Assert.That(c.All(float.IsFinite));
        Assert.That(KMeans.Error(ctx, [.. x], 2, c), Is.EqualTo(0).Within(1e-9), "every distinct point ends on a centroid");
    }

    [Test]
    public void CodebookFilesRoundTripExactlyAndBadOnesAreRefused()
    {
        string dir = Directory.CreateTempSubdirectory("advcore-codebook-").FullName;
        try
        {
            var g = new PatchGeometry(4, 3, 2);
            float[][] centroids = [Random01(5 * g.PatchDim, 1), Random01(5 * g.PatchDim, 2)];
            var cb = PatchCodebook.KMeans(1, g, [8, 6, 6], centroids, new Dictionary<string, string> { ["seed"] = "3" });
            string path = Path.Combine(dir, "cb.safetensors");
            cb.Save(path);
            var back = PatchCodebook.Load(path);
            Assert.That(back.Layer, Is.EqualTo(1));
            Assert.That(back.Geometry, Is.EqualTo(g));
            Assert.That(back.FeatureShape, Is.EqualTo(new[] { 8, 6, 6 }));
            Assert.That(back.Clusters, Is.EqualTo(5));
            Assert.That(back.Centroids(0).ToArray(), Is.EqualTo(centroids[0]));
            Assert.That(back.Centroids(1).ToArray(), Is.EqualTo(centroids[1]));
            Assert.That(back.Provenance["seed"], Is.EqualTo("3"));

            var e8 = PatchCodebook.E8(1, [8, 6, 6], 0.25f);
            e8.Save(path);
            Assert.That(PatchCodebook.Load(path).Scale, Is.EqualTo(0.25f));

            byte[] bytes = File.ReadAllBytes(Path.Combine(dir, "cb.safetensors"));
            cb.Save(path);
            bytes = File.ReadAllBytes(path);
            File.WriteAllBytes(path, bytes[..(bytes.Length - 7)]);
            Assert.That(Assert.Throws<SafeTensorsFormatException>(() => PatchCodebook.Load(path))!.Message, Does.Contain(path));
            new SafeTensorWriter().Metadata("format", "something-else").Add("x", [1f], 1).Save(path);
            Assert.That(Assert.Throws<SafeTensorsFormatException>(() => PatchCodebook.Load(path))!.Message, Does.Contain("not an AdvCore codebook"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void BadGeometriesAndLatticesAreRefusedClearly()
    {
        Assert.That(Assert.Throws<ArgumentException>(() => PatchCodebook.CheckGeometry(1, new PatchGeometry(3, 3, 1), [8, 6, 6]))!.Message,
                    Does.Contain("slice depth d = 3 does not divide the 8 channels of layer 1"));
        Assert.That(Assert.Throws<ArgumentException>(() => PatchCodebook.CheckGeometry(0, new PatchGeometry(1, 7, 1), [1, 6, 6]))!.Message,
                    Does.Contain("7x7 patches do not fit the 6x6 map of layer 0"));
        Assert.That(Assert.Throws<ArgumentException>(() => PatchCodebook.CheckGeometry(0, new PatchGeometry(1, 3, 4), [1, 6, 6]))!.Message,
                    Does.Contain("the stride must be in 1..3"));
        Assert.That(Assert.Throws<ArgumentException>(() => PatchCodebook.E8(0, [1, 28, 28], 0.5f))!.Message,
                    Does.Contain("the E8 lattice needs slices of d = 8 channels; layer 0 has 1 channel"));
    }

    [Test]
    public void ACodebookForAnotherLayerShapeIsRefused()
    {
        using var ctx = Context.Create(Device.Cpu, threads: 1, seed: 1);
        using var net = SmallCnn(ctx);
        Assert.That(FeatureLayers.Shape(net, 1), Is.EqualTo(new[] { 8, 6, 6 }));
        Assert.That(FeatureLayers.NodeIndex(net, 2), Is.EqualTo(3));
        Assert.That(Assert.Throws<ArgumentException>(() => FeatureLayers.NodeIndex(net, 3))!.Message, Does.Contain("has 2 top-level convolution blocks"));
        var wrong = PatchCodebook.KMeans(1, new PatchGeometry(4, 3, 1), [8, 4, 4], [Random01(4 * 36, 1), Random01(4 * 36, 2)]);
        var e = Assert.Throws<ArgumentException>(() => new PatchDefendedClassifier(net, [new PatchReplacement(wrong)]));
        Assert.That(e!.Message, Does.Contain("the codebook is for layer 1 maps of [8,4,4]; layer 1 of this network gives [8,6,6]"));
    }

    [TestCase(PatchStrategy.L2)]
    [TestCase(PatchStrategy.Linf)]
    [TestCase(PatchStrategy.Linear)]
    public void EveryStrategyAtEpsilonZeroLeavesTheNetworkAsItIs(PatchStrategy strategy)
    {
        using var ctx = Context.Create(Device.Cpu, threads: 1, seed: 1);
        using var net = SmallCnn(ctx);
        var image = PatchCodebook.KMeans(0, new PatchGeometry(1, 3, 1), [1, 12, 12], [Random01(16 * 9, 3)]);
        var block = PatchCodebook.KMeans(1, new PatchGeometry(4, 3, 1), [8, 6, 6], [Random01(16 * 36, 4), Random01(16 * 36, 5)]);
        using var defended = new PatchDefendedClassifier(net, [new PatchReplacement(image, strategy, 0), new PatchReplacement(block, strategy, 0)]);
        using var x = Tensor.FromArray(ctx, Random01(3 * 144, 6), 3, 1, 12, 12);
        float[] bare = net.Forward(x).ToArray();
        Assert.That(defended.Logits(x).ToArray(), Is.EqualTo(bare).Within(1e-5));
    }

    [Test]
    public void BpdaAtTheImageIsTheNetworksGradientAtTheReplacedImage()
    {
        using var ctx = Context.Create(Device.Cpu, threads: 1, seed: 1);
        using var net = SmallCnn(ctx);
        var cb = PatchCodebook.KMeans(0, new PatchGeometry(1, 3, 1), [1, 12, 12], [Random01(32 * 9, 8)]);
        using var defended = new PatchDefendedClassifier(net, [new PatchReplacement(cb)]);
        float[] x = Random01(2 * 144, 9);
        using var xt = Tensor.FromArray(ctx, x, 2, 1, 12, 12);
        float[] replaced = defended.DefendedInput(xt).ToArray();
        Assert.That(replaced, Is.Not.EqualTo(x), "the codebook changes the image");
        using var qt = Tensor.FromArray(ctx, replaced, 2, 1, 12, 12);
        using var labels = Tensor.FromLabels(ctx, [1, 3]);
        float[] expected = net.InputGradient(qt, labels, LossKind.CrossEntropy).Gradient.ToArray();
        float[] expectedLogits = net.Forward(qt).ToArray();
        var g = defended.Gradient(xt, labels, LossKind.CrossEntropy);
        Assert.That(g.Gradient.ToArray(), Is.EqualTo(expected));
        Assert.That(defended.Logits(xt).ToArray(), Is.EqualTo(expectedLogits));
    }

    [Test]
    public void BpdaInsideTheNetworkBackPropagatesTheReplacedFeaturesGradientAsIfTheReplacementWereTheIdentity()
    {
        using var ctx = Context.Create(Device.Cpu, threads: 1, seed: 1);
        using var net = SmallCnn(ctx);
        var cb = PatchCodebook.KMeans(1, new PatchGeometry(4, 3, 1), [8, 6, 6], [Random01(16 * 36, 10), Random01(16 * 36, 11)]);
        using var defended = new PatchDefendedClassifier(net, [new PatchReplacement(cb, PatchStrategy.Linear, 0.5f)]);
        float[] x = Random01(144, 12);
        using var xt = Tensor.FromArray(ctx, x, 1, 1, 12, 12);
        using var labels = Tensor.FromLabels(ctx, [2]);
        float[] gradient = defended.Gradient(xt, labels, LossKind.CrossEntropy).Gradient.ToArray();

        // Q(F) at layer 1, then the rest of the network as its own network with the same weights.
        float[] features = net.Features(xt, 1).ToArray();
        using var quantizer = new PatchQuantizer(ctx, new PatchReplacement(cb, PatchStrategy.Linear, 0.5f));
        using var ft = Tensor.FromArray(ctx, features, 1, 8, 6, 6);
        float[] replaced = quantizer.Apply(ft).ToArray();
        Assert.That(replaced, Is.Not.EqualTo(features));
        using var rest = Network.Build(ctx, [8, 6, 6], [.. net.Layers.Skip(2)], seed: 1);
        var state = net.GetState();
        rest.LoadState(state.Where(p => p.Key.StartsWith("2.", StringComparison.Ordinal) || p.Key.StartsWith("5.", StringComparison.Ordinal))
                            .ToDictionary(p => (int.Parse(p.Key.Split('.')[0]) - 2) + p.Key[p.Key.IndexOf('.')..], p => p.Value));
        using var rt = Tensor.FromArray(ctx, replaced, 1, 8, 6, 6);
        float[] g = rest.InputGradient(rt, labels, LossKind.CrossEntropy).Gradient.ToArray();
        Assert.That(defended.Logits(xt).ToArray(), Is.EqualTo(rest.Forward(rt).ToArray()).Within(1e-5));

        // The gradient must be J_prefix(x)ᵀ g: checked by central differences of ⟨g, prefix(x)⟩ (piecewise linear, float64 sums).
        const float h = 1e-3f;
        for (int i = 0; i < 144; i += 7)
        {
            double Phi(float delta)
            {
                float[] xp = (float[])x.Clone();
                xp[i] += delta;
                using var t = Tensor.FromArray(ctx, xp, 1, 1, 12, 12);
                float[] f = net.Features(t, 1).ToArray();
                double s = 0;
                for (int j = 0; j < f.Length; j++) s += (double)g[j] * f[j];
                return s;
            }
            double fd = (Phi(h) - Phi(-h)) / (2 * h);
            Assert.That(gradient[i], Is.EqualTo(fd).Within(2e-3 + 2e-2 * Math.Abs(fd)), $"pixel {i}");
        }
    }

    [Test]
    public void TrainedCodebookResumesFromItsCheckpointToTheSameCentroids()
    {
        using var ctx = Context.Create(Device.Cpu, threads: 2, seed: 1);
        using var net = SmallCnn(ctx);
        var images = new LabeledImages("rand", 1, 12, 12, 4, Random01(60 * 144, 13), [.. Enumerable.Range(0, 60).Select(i => i % 4)]);
        var options = new CodebookTrainingOptions
        {
            Layer = 1, Geometry = new PatchGeometry(4, 3, 1), PatchesPerCentroid = 20, Batch = 25,
            KMeans = new KMeansOptions { Clusters = 24, Iterations = 5, Seed = 4 },
        };
        var full = CodebookTrainer.Train(net, images, options);
        Assert.That(full.Slices, Is.EqualTo(2));
        Assert.That(full.Provenance["patches_per_slice"], Is.EqualTo("480"));
        string dir = Directory.CreateTempSubdirectory("advcore-cbtrain-").FullName;
        try
        {
            string checkpoint = Path.Combine(dir, "cb.partial");
            using var cancel = new CancellationTokenSource();
            int steps = 0;
            Assert.Throws<OperationCanceledException>(() => CodebookTrainer.Train(net, images, options, checkpoint,
                (status, _) => { if (status.Contains("iteration", StringComparison.Ordinal) && ++steps == 7) cancel.Cancel(); }, cancel.Token));
            Assert.That(File.Exists(checkpoint));
            var resumed = CodebookTrainer.Train(net, images, options, checkpoint);
            for (int s = 0; s < 2; s++) Assert.That(resumed.Centroids(s).ToArray(), Is.EqualTo(full.Centroids(s).ToArray()), $"slice {s}");
            var other = options with { KMeans = options.KMeans with { Clusters = 12 } };
            Assert.That(Assert.Throws<SafeTensorsFormatException>(() => CodebookTrainer.Train(net, images, other, checkpoint))!.Message, Does.Contain("other settings"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
        var tooMany = options with { KMeans = options.KMeans with { Clusters = 961 } };
        Assert.That(Assert.Throws<ArgumentException>(() => CodebookTrainer.Train(net, images, tooMany))!.Message, Does.Contain("exceeds the 960 training patches of layer 1"));
    }
}
