using AdvCore.Attacks;
using NUnit.Framework;

namespace AdvCore.Tests.Attacks;

/// <summary>
/// The managed wrappers of the fused kernels pass their operands in the right order (a fused PGD
/// step equals the composition of the unfused <see cref="Ops"/> primitives) and native refusals
/// arrive as typed exceptions carrying the engine's message.
/// </summary>
public class AttackStepsInteropTests
{
    private Context _ctx = null!;

    [OneTimeSetUp]
    public void SetUp() => _ctx = Context.Create(Device.Cpu, threads: 1, seed: 9);

    [OneTimeTearDown]
    public void TearDown() => _ctx.Dispose();

    private static float[] Random(int count, int seed, float lo, float hi)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => lo + (hi - lo) * rng.NextSingle()).ToArray();
    }

    [Test]
    public void FusedPgdStepEqualsTheUnfusedPrimitives()
    {
        const int n = 3, d = 50;
        float[] eps = [0.3f, 2f, 0.5f], alpha = [0.2f, 0.1f, 0.9f];
        using var x = Tensor.FromArray(_ctx, Random(n * d, 1, 0.2f, 0.8f), n, d);
        using var g = Tensor.FromArray(_ctx, Random(n * d, 2, -1, 1), n, d);
        using var epsT = Tensor.FromArray(_ctx, eps);
        using var alphaT = Tensor.FromArray(_ctx, alpha);
        using var fused = Tensor.Zeros(_ctx, [n, d]);
        fused.CopyFrom(x);
        AttackSteps.PgdStep(x, fused, g, null, null, null, null, epsT, alphaT, AttackNorm.L2, -1f, quantize: false);

        using var composed = Tensor.Zeros(_ctx, [n, d]);
        composed.CopyFrom(x);
        using var norms = Tensor.Zeros(_ctx, [n]);
        Ops.BatchL2Norm(g, norms);
        float[] nh = norms.ToArray();
        using var coef = Tensor.FromArray(_ctx, Enumerable.Range(0, n).Select(i => alpha[i] / nh[i]).ToArray()); // −gradSign = +1
        Ops.BatchAxpy(coef, g, composed);
        Ops.ProjectL2(x, epsT, composed);
        Ops.Clip01(composed);
        Assert.That(fused.ToArray(), Is.EqualTo(composed.ToArray()).Within(1e-6f));
    }

    [Test]
    public void NativeRefusalsBecomeTypedExceptions()
    {
        using var x = Tensor.FromArray(_ctx, new float[8], 2, 4);
        using var z = Tensor.FromArray(_ctx, new float[6], 2, 3);
        using var output = Tensor.Zeros(_ctx, [2, 4]);
        var shape = Assert.Throws<ShapeMismatchException>(() => AttackSteps.QuantizedLineSearch(x, x, z, output))!;
        Assert.That(shape.Message, Does.Contain("quantized_line_search: z has shape 2x3 but x has shape 2x4"));

        using var y = Tensor.FromArray(_ctx, new float[8], 2, 4);
        using var logits = Tensor.FromArray(_ctx, new float[] { 1, 0, 0, 1 }, 2, 2);
        using var labels = Tensor.FromArray(_ctx, new[] { 0, 2 });
        using var best = Tensor.Zeros(_ctx, [2, 4]);
        using var bestNorm = Tensor.Zeros(_ctx, [2]);
        using var stage = Tensor.Zeros(_ctx, [2], DType.I32);
        Assert.Throws<LabelOutOfRangeException>(() =>
            AttackSteps.BpStep(x, y, x, logits, labels, best, bestNorm, stage, 0.8f, 2f, 0.1f, 1f, BpRounding.QInOut));
        using var okLabels = Tensor.FromArray(_ctx, new[] { 0, 1 });
        var gamma = Assert.Throws<InvalidArgumentException>(() =>
            AttackSteps.BpStep(x, y, x, logits, okLabels, best, bestNorm, stage, 1.5f, 2f, 0.1f, 1f, BpRounding.QInOut))!;
        Assert.That(gamma.Message, Does.Contain("bp_step: gamma must be in (0, 1] (got 1.5)"));
    }

    [Test]
    public void LineSearchOutputIsOnTheGrid()
    {
        const int n = 2, d = 100;
        float[] xs = Random(n * d, 3, 0.2f, 0.8f).Select(v => MathF.Round(v * 255) / 255).ToArray();
        float[] ys = xs.Select((v, j) => MathF.Round((v + (j % 2 == 0 ? 0.05f : -0.05f)) * 255) / 255).ToArray();
        float[] zs = xs.Select((v, j) => v + 0.3f * (ys[j] - v)).ToArray();
        using var x = Tensor.FromArray(_ctx, xs, n, d);
        using var y = Tensor.FromArray(_ctx, ys, n, d);
        using var z = Tensor.FromArray(_ctx, zs, n, d);
        using var output = Tensor.Zeros(_ctx, [n, d]);
        using var beta = Tensor.Zeros(_ctx, [n]);
        AttackSteps.QuantizedLineSearch(x, y, z, output, beta);
        Assert.That(output.ToArray(), Is.All.Matches<float>(v => Math.Abs(v * 255 - MathF.Round(v * 255)) < 1e-3f));
        Assert.That(beta.ToArray(), Is.All.GreaterThanOrEqualTo(1f));
    }
}
