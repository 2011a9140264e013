using System.Globalization;
using AdvCore.Nn;
using AdvCore.Tests.Engine;
using NUnit.Framework;

namespace AdvCore.Tests.Nn;

/// <summary>
/// Network.InputGradient against central finite differences of the network's own per-sample
/// loss (float32 forward passes, differences and quotients in float64).
/// Smooth network (linear in x, so every loss is smooth in x): every sampled coordinate,
/// h = 1e-2, |fd − g| ≤ 5e-4 + 1e-2·|g| (observed ≤ 1.5e-4, float32 loss noise / 2h).
/// Networks with kinks (LeakyReLU, max-pool, residual, margins): directional derivatives along
/// random unit directions, h = 1e-3, |fd − ⟨g, d⟩| ≤ 1e-3 + 2e-2·|⟨g, d⟩| (observed ≤ 3e-4).
/// </summary>
public class InputGradientTests
{
    private Context _ctx = null!;

    [OneTimeSetUp]
    public void SetUp() => _ctx = Context.Create(Device.Cpu, seed: 11);

    [OneTimeTearDown]
    public void TearDown() => _ctx.Dispose();

    private static LayerSpec[] SmoothNet() =>
    [
        new Conv2dLayer(4, 3, 1, Padding.Same),
        new AvgPoolLayer(2),
        new BatchNormLayer(),
        new Conv2dLayer(3, 3, 2, Padding.Explicit(1)),
        new FlattenLayer(),
        new LinearLayer(5),
    ];

    private static LayerSpec[] KinkyNet() =>
    [
        new Conv2dLayer(6, 3, 1, Padding.Same),
        ActivationLayer.LeakyReLU(0.1f),
        new MaxPoolLayer(2),
        new ResidualLayer(new Conv2dLayer(6, 3, 1, Padding.Same), ActivationLayer.LeakyReLU(0.1f), new Conv2dLayer(6, 1)),
        new BatchNormLayer(),
        new DropoutLayer(0.5f),
        new GlobalAvgPoolLayer(),
        new LinearLayer(10),
    ];

    private static LayerSpec[] BoundedNet() =>
    [
        new Conv2dLayer(5, 3, 2, Padding.Same),
        ActivationLayer.BoundedReLU(1f),
        new FlattenLayer(),
        new LinearLayer(8),
        ActivationLayer.ReLU(),
        new LinearLayer(4),
    ];

    /// <summary>Gives batch norm non-trivial running statistics so eval mode is not the identity.</summary>
    private static void RandomiseBatchNorm(Network net)
    {
        foreach (var buffer in net.Buffers)
        {
            bool isVar = buffer.Name.EndsWith("running_var", StringComparison.Ordinal);
            buffer.Value.CopyFrom(TestData.Uniform(buffer.Name.Length, buffer.Value.Count, isVar ? 0.5f : -0.3f, isVar ? 2f : 0.3f));
        }
        foreach (var p in net.Parameters.Where(p => p.Value.Rank == 1 && p.Name.EndsWith("weight", StringComparison.Ordinal)))
            p.Value.CopyFrom(TestData.Uniform(3, p.Value.Count, 0.5f, 1.5f));
    }

    private static double[] Losses(Network net, Tensor x, Tensor labels, LossKind loss, float param, float[] data)
    {
        x.CopyFrom(data);
        return net.InputGradient(x, labels, loss, param).Loss.ToArray().Select(v => (double)v).ToArray();
    }

    [TestCase(LossKind.CrossEntropy, 0f)]
    [TestCase(LossKind.CrossEntropy, 0.1f)]
    [TestCase(LossKind.LogProbMargin, 0f)]
    [TestCase(LossKind.CwMargin, 50f)]
    public void SmoothNetworkMatchesFiniteDifferencesPerCoordinate(LossKind loss, float param)
    {
        const int N = 3;
        long[] shape = [N, 2, 8, 8];
        using var net = Network.Build(_ctx, [2, 8, 8], SmoothNet(), seed: 3);
        RandomiseBatchNorm(net);
        float[] x0 = TinyData.Images(21, shape);
        using var x = Tensor.FromArray(_ctx, x0, shape);
        using var labels = Tensor.FromLabels(_ctx, [1, 4, 0]);
        float[] grad = net.InputGradient(x, labels, loss, param).Gradient.ToArray();

        Assert.That(grad.Max(Math.Abs), Is.GreaterThan(1e-2f), "the gradient is not trivially small");
        const float H = 1e-2f;
        int perSample = 2 * 8 * 8;
        double worst = 0;
        var random = new Random(5);
        for (int trial = 0; trial < 24; trial++)
        {
            int j = random.Next(perSample);
            float[] plus = (float[])x0.Clone(), minus = (float[])x0.Clone();
            for (int i = 0; i < N; i++)
            {
                plus[i * perSample + j] += H;
                minus[i * perSample + j] -= H;
            }
            double[] lp = Losses(net, x, labels, loss, param, plus), lm = Losses(net, x, labels, loss, param, minus);
            for (int i = 0; i < N; i++)
            {
                int k = i * perSample + j;
                double fd = (lp[i] - lm[i]) / ((double)plus[k] - minus[k]);
                worst = Math.Max(worst, Math.Abs(grad[k] - fd));
                Assert.That(grad[k], Is.EqualTo(fd).Within(5e-4 + 1e-2 * Math.Abs(fd)),
                    string.Create(CultureInfo.InvariantCulture, $"{loss}: sample {i}, coordinate {j}"));
            }
        }
        TestContext.Out.WriteLine($"{loss}: max |g| {grad.Max(Math.Abs):G3}, worst |fd - g| {worst:G3}");
    }

    public static IEnumerable<TestCaseData> KinkyCases()
    {
        foreach (var loss in new[] { LossKind.CrossEntropy, LossKind.LogProbMargin, LossKind.CwMargin })
        {
            yield return new TestCaseData("kinky", loss).SetArgDisplayNames("conv-lrelu-maxpool-residual-bn-dropout", loss.ToString());
            yield return new TestCaseData("bounded", loss).SetArgDisplayNames("conv-brelu-linear-relu", loss.ToString());
        }
    }

    [TestCaseSource(nameof(KinkyCases))]
    public void NetworksWithKinksMatchDirectionalDerivatives(string which, LossKind loss)
    {
        const int N = 4;
        long[] shape = [N, 2, 8, 8];
        float param = loss == LossKind.CwMargin ? 5f : 0f;
        using var net = Network.Build(_ctx, [2, 8, 8], which == "kinky" ? KinkyNet() : BoundedNet(), seed: 8);
        RandomiseBatchNorm(net);
        float[] x0 = TinyData.Images(22, shape);
        using var x = Tensor.FromArray(_ctx, x0, shape);
        using var labels = Tensor.FromLabels(_ctx, [0, 1, 2, 3]);
        float[] grad = net.InputGradient(x, labels, loss, param).Gradient.ToArray();

        const double H = 1e-3;
        int perSample = 128;
        double worst = 0, largest = 0;
        for (int trial = 0; trial < 6; trial++)
        {
            float[] d = TestData.Normal(100 + trial, N * perSample);
            var plus = new float[d.Length];
            var minus = new float[d.Length];
            var expected = new double[N];
            for (int i = 0; i < N; i++)
            {
                double norm = Math.Sqrt(Enumerable.Range(i * perSample, perSample).Sum(k => (double)d[k] * d[k]));
                for (int k = i * perSample; k < (i + 1) * perSample; k++)
                {
                    double dk = d[k] / norm;
                    plus[k] = (float)(x0[k] + H * dk);
                    minus[k] = (float)(x0[k] - H * dk);
                    expected[i] += grad[k] * dk;
                }
            }
            double[] lp = Losses(net, x, labels, loss, param, plus), lm = Losses(net, x, labels, loss, param, minus);
            for (int i = 0; i < N; i++)
            {
                double fd = (lp[i] - lm[i]) / (2 * H);
                worst = Math.Max(worst, Math.Abs(fd - expected[i]));
                largest = Math.Max(largest, Math.Abs(expected[i]));
                Assert.That(fd, Is.EqualTo(expected[i]).Within(1e-3 + 2e-2 * Math.Abs(expected[i])),
                    $"{which} {loss}: sample {i}, direction {trial}");
            }
        }
        Assert.That(largest, Is.GreaterThan(1e-2), "directional derivatives are not trivially small");
        TestContext.Out.WriteLine($"{which} {loss}: largest |<g,d>| {largest:G3}, worst |fd - <g,d>| {worst:G3}");
    }

    [Test]
    public void GradientOfEachSampleDependsOnlyOnThatSample()
    {
        using var net = Network.Build(_ctx, [2, 8, 8], KinkyNet(), seed: 4);
        float[] data = TinyData.Images(23, 67, 2, 8, 8);
        int[] labelData = TestData.Labels(24, 67, 10);
        using var x = Tensor.FromArray(_ctx, data, 67, 2, 8, 8);
        using var labels = Tensor.FromLabels(_ctx, labelData);
        var batch = net.InputGradient(x, labels, LossKind.CrossEntropy);
        float[] batchGrad = batch.Gradient.ToArray(), batchLoss = batch.Loss.ToArray(), batchLogits = batch.Logits.ToArray();

        using var one = Tensor.FromArray(_ctx, data.AsSpan(40 * 128, 128).ToArray(), 1, 2, 8, 8);
        using var oneLabel = Tensor.FromLabels(_ctx, [labelData[40]]);
        var single = net.InputGradient(one, oneLabel, LossKind.CrossEntropy);
        Close.AssertScaled(batchGrad.AsSpan(40 * 128, 128), single.Gradient.ToArray(), 1e-5, "gradient of sample 40");
        Close.AssertScaled(batchLogits.AsSpan(400, 10), single.Logits.ToArray(), 1e-5, "logits of sample 40");
        Assert.That(single.Loss.ToArray()[0], Is.EqualTo(batchLoss[40]).Within(1e-5));
    }

    [Test]
    public void FastAndReferenceKernelsGiveTheSameGradient()
    {
        using var reference = Context.Create(Device.Cpu, threads: 1, seed: 11, referenceKernels: true);
        using var fast = Network.Build(_ctx, [2, 8, 8], KinkyNet(), seed: 6);
        using var slow = Network.Build(reference, [2, 8, 8], KinkyNet(), seed: 6);
        float[] data = TinyData.Images(25, 5, 2, 8, 8);
        int[] labelData = [9, 3, 0, 3, 7];
        using var xf = Tensor.FromArray(_ctx, data, 5, 2, 8, 8);
        using var xs = Tensor.FromArray(reference, data, 5, 2, 8, 8);
        using var lf = Tensor.FromLabels(_ctx, labelData);
        using var ls = Tensor.FromLabels(reference, labelData);
        var gf = fast.InputGradient(xf, lf, LossKind.LogProbMargin);
        var gs = slow.InputGradient(xs, ls, LossKind.LogProbMargin);
        Close.AssertScaled(gs.Gradient.ToArray(), gf.Gradient.ToArray(), 1e-4, "input gradient");
        Close.AssertScaled(gs.Logits.ToArray(), gf.Logits.ToArray(), 1e-5, "logits");
        Close.AssertScaled(gs.Loss.ToArray(), gf.Loss.ToArray(), 1e-5, "loss");
    }

    [Test]
    public void InputGradientDoesNotTouchWeightGradientsOrState()
    {
        using var net = Network.Build(_ctx, [2, 8, 8], KinkyNet(), seed: 2);
        var before = net.GetState();
        var gradsBefore = net.Parameters.Select(p => p.Grad!.ToArray()).ToArray();
        using var x = Tensor.FromArray(_ctx, TinyData.Images(26, 3, 2, 8, 8), 3, 2, 8, 8);
        using var labels = Tensor.FromLabels(_ctx, [1, 2, 3]);
        net.InputGradient(x, labels, LossKind.CrossEntropy);
        var after = net.GetState();
        foreach (var name in before.Keys) Assert.That(after[name].Data, Is.EqualTo(before[name].Data), name);
        for (int i = 0; i < gradsBefore.Length; i++)
            Assert.That(net.Parameters[i].Grad!.ToArray(), Is.EqualTo(gradsBefore[i]), net.Parameters[i].Name);
    }

    [Test]
    public void SteadyStateCallsAllocateNothing()
    {
        using var net = Network.Build(_ctx, [2, 8, 8], KinkyNet(), seed: 2);
        using var x = Tensor.FromArray(_ctx, TinyData.Images(27, 16, 2, 8, 8), 16, 2, 8, 8);
        using var labels = Tensor.FromLabels(_ctx, TestData.Labels(28, 16, 10));
        using var optimizer = new AdvCore.Training.Adam(1e-3f);
        var predictions = new int[16];
        for (int warm = 0; warm < 3; warm++)
        {
            net.InputGradient(x, labels, LossKind.CrossEntropy);
            net.Forward(x);
            net.Predict(x, predictions);
            net.TrainStep(x, labels, optimizer);
        }
        long workspace = _ctx.WorkspaceBytes;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++)
        {
            net.InputGradient(x, labels, LossKind.CrossEntropy);
            net.Forward(x);
            net.Predict(x, predictions);
            net.TrainStep(x, labels, optimizer);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.Zero, "managed bytes allocated by 20 steady-state iterations");
        Assert.That(_ctx.WorkspaceBytes, Is.EqualTo(workspace), "native scratch workspace stays put");
    }

    [Test]
    public void ReturnedTensorsAreReusedAcrossCalls()
    {
        using var net = Network.Build(_ctx, [2, 8, 8], SmoothNet(), seed: 2);
        using var x = Tensor.FromArray(_ctx, TinyData.Images(29, 2, 2, 8, 8), 2, 2, 8, 8);
        using var labels = Tensor.FromLabels(_ctx, [0, 1]);
        var first = net.InputGradient(x, labels, LossKind.CrossEntropy);
        var second = net.InputGradient(x, labels, LossKind.CrossEntropy);
        Assert.Multiple(() =>
        {
            Assert.That(second.Gradient, Is.SameAs(first.Gradient));
            Assert.That(second.Loss, Is.SameAs(first.Loss));
            Assert.That(second.Logits, Is.SameAs(first.Logits));
            Assert.That(first.Gradient.Shape.ToArray(), Is.EqualTo(new long[] { 2, 2, 8, 8 }));
            Assert.That(first.Logits.Shape.ToArray(), Is.EqualTo(new long[] { 2, 5 }));
        });
    }
}
