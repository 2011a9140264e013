using AdvCore.Nn;
using NUnit.Framework;

namespace AdvCore.Tests.Engine;

/// <summary>
/// The CUDA backend against the CPU reference kernels through the façade (run only where CUDA
/// answers; Ignored with the reason elsewhere). Tolerances as for the fast CPU kernels, looser
/// for whole networks: 1e-4·(1 + max|ref|).
/// </summary>
[RequiresCuda]
public class CudaVsReferenceTests
{
    private Context _cuda = null!;
    private Context _reference = null!;

    [OneTimeSetUp]
    public void SetUp()
    {
        _cuda = Context.Create(Device.Cuda, seed: 31);
        _reference = Context.Create(Device.Cpu, threads: 1, seed: 31, referenceKernels: true);
    }

    [OneTimeTearDown]
    public void TearDown()
    {
        _cuda?.Dispose();
        _reference?.Dispose();
    }

    [TestCase(1)]
    [TestCase(67)]
    public void ConvolutionMatches(int n)
    {
        var p = ConvPadding.Same(9, 7, 3, 3, 2, 2);
        long oh = p.OutputHeight(9, 3), ow = p.OutputWidth(7, 3);
        float[] x = TestData.Uniform(1, n * 3 * 9 * 7), w = TestData.Uniform(2, 5 * 3 * 9), b = TestData.Uniform(3, 5);
        float[] Run(Context ctx)
        {
            using var xt = Tensor.FromArray(ctx, x, n, 3, 9, 7);
            using var wt = Tensor.FromArray(ctx, w, 5, 3, 3, 3);
            using var bt = Tensor.FromArray(ctx, b, 5);
            using var y = Tensor.Zeros(ctx, [n, 5, oh, ow]);
            Ops.Conv2dForward(xt, wt, bt, y, p);
            ctx.Synchronize();
            return y.ToArray();
        }
        Close.AssertScaled(Run(_reference), Run(_cuda), 2e-5, "cuda conv y");
    }

    [Test]
    public void PhiloxStreamsMatchTheCpu()
    {
        using var a = Tensor.Zeros(_cuda, [1001]);
        using var b = Tensor.Zeros(_reference, [1001]);
        a.FillNormal(0, 1, 77);
        b.FillNormal(0, 1, 77);
        Close.Assert(b.ToArray(), a.ToArray(), 1e-5, 1e-5, "normal fill on CUDA vs CPU");
    }

    [Test]
    public void NetworkGradientMatches()
    {
        LayerSpec[] layers =
        [
            new Conv2dLayer(8, 3, 1, Padding.Same), new BatchNormLayer(), ActivationLayer.LeakyReLU(0.1f), new MaxPoolLayer(2),
            new ResidualLayer(new Conv2dLayer(8, 3, 1, Padding.Same), ActivationLayer.ReLU()),
            new DropoutLayer(0.3f), new GlobalAvgPoolLayer(), new LinearLayer(10),
        ];
        float[] data = TestData.Uniform(4, 67 * 3 * 8 * 8, 0, 1);
        int[] labelData = TestData.Labels(5, 67, 10);
        (float[] Grad, float[] Logits) Run(Context ctx)
        {
            using var net = Network.Build(ctx, [3, 8, 8], layers, seed: 12);
            using var x = Tensor.FromArray(ctx, data, 67, 3, 8, 8);
            using var labels = Tensor.FromLabels(ctx, labelData);
            var r = net.InputGradient(x, labels, LossKind.CrossEntropy);
            return (r.Gradient.ToArray(), r.Logits.ToArray());
        }
        var cpu = Run(_reference);
        var gpu = Run(_cuda);
        Close.AssertScaled(cpu.Logits, gpu.Logits, 1e-4, "cuda logits");
        Close.AssertScaled(cpu.Grad, gpu.Grad, 1e-4, "cuda input gradient");
    }

    [Test]
    public void DeviceErrorsAreTypedNotFatal()
    {
        using var t = Tensor.Zeros(_cuda, [4]);
        Assert.Throws<ShapeMismatchException>(() => t.CopyFrom(new float[5]));
        Assert.Throws<InvalidArgumentException>(() => Tensor.Zeros(_cuda, [1L << 30, 1L << 30]));
    }
}
