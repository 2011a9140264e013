using AdvCore.Attacks;
using AdvCore.Nn;
using AdvCore.Smoothing;
using NUnit.Framework;

namespace AdvCore.Tests.Attacks;

/// <summary>
/// sC&amp;W's backward pass (thesis eq. 4.15) against central finite differences of its objective
/// F(z) = ‖ŝ(z)‖² + c·J_μ(W·clip(x + ŝ(z)) + b), evaluated in float64 on the host from the engine's
/// ŝ (a linear map, so the difference quotient has no truncation error away from the kinks) with
/// a float64 re-implementation of the linear classifier and of J_μ.
/// </summary>
public sealed class SmoothCarliniWagnerGradientTests
{
    private const int N = 2, H = 6, W = 7, D = H * W, K = 4;

    [Test]
    public void LatentGradientMatchesFiniteDifferencesThroughTheSmoothing()
    {
        using var context = Context.Create(Device.Cpu, threads: 2, seed: 1);
        using var network = Network.Build(context, [1, H, W], [new LinearLayer(K)], seed: 7);
        var random = new Random(11);
        var x = Enumerable.Range(0, N * D).Select(_ => (float)(0.15 + 0.7 * random.NextDouble())).ToArray();
        var z0 = Enumerable.Range(0, N * D).Select(_ => (float)(0.6 * (random.NextDouble() - 0.5))).ToArray();
        int[] labels = [1, 3];
        float[] constants = [15f, 2f];
        double[] weights = network.Parameters[0].Value.ToArray().Select(v => (double)v).ToArray();
        double[] bias = network.Parameters[1].Value.ToArray().Select(v => (double)v).ToArray();
        const float mu = 1f;

        using var xt = Tensor.FromArray(context, x, N, 1, H, W);
        using var smoother = GraphSmoother.Build(xt, new GraphSmoothingOptions { Tolerance = 1e-7f, MaxIterations = 500 });
        using var r = Tensor.Zeros(context, [N, 1, H, W]);
        using var u = Tensor.Zeros(context, [N, 1, H, W]);
        using var y = Tensor.Zeros(context, [N, 1, H, W]);
        // Push a few pixels far out of [0,1] so the clip mask is exercised; take the first push
        // that leaves every pixel of x + r at least 5e-3 from 0 and 1, so that no finite
        // difference (step 2e-3; a row of ŝ sums to 1) crosses the kink of the clip.
        float[] z = [];
        foreach (float push in new[] { 3f, 4f, 6f, 2.5f, 8f, 5f, 10f })
        {
            z = (float[])z0.Clone();
            for (int i = 0; i < N * D; i += 9) z[i] = x[i] > 0.5f ? push : -push;
            using var zc = Tensor.FromArray(context, z, N, 1, H, W);
            SmoothCarliniWagner.Perturb(xt, smoother, zc, r, u, y, warm: false);
            if (u.ToArray().All(v => Math.Abs(v) > 5e-3 && Math.Abs(v - 1) > 5e-3)) break;
            z = [];
        }
        Assert.That(z, Is.Not.Empty, "no push kept x + r away from the clip's kinks");
        Assert.That(u.ToArray().Count(v => v < 0 || v > 1), Is.GreaterThan(0), "some pixels must be clipped");
        using var zt = Tensor.FromArray(context, z, N, 1, H, W);
        using var gr = Tensor.Zeros(context, [N, 1, H, W]);
        using var gz = Tensor.Zeros(context, [N, 1, H, W]);
        using var constant = Tensor.FromArray(context, constants);
        using var two = Tensor.FromArray(context, [2f, 2f]);
        using var labelTensor = Tensor.FromArray(context, labels);
        SmoothCarliniWagner.Perturb(xt, smoother, zt, r, u, y, warm: false);
        var g = network.InputGradient(y, labelTensor, LossKind.CwMargin, mu);
        SmoothCarliniWagner.LatentGradient(smoother, u, r, g.Gradient, constant, two, gr, gz, warm: false);
        float[] analytic = gz.ToArray();
        Assert.That(analytic.Any(v => Math.Abs(v) > 1e-3), "the gradient must not vanish for the test to mean anything");

        double Objective(float[] latent, int image)
        {
            using var zl = Tensor.FromArray(context, latent, N, 1, H, W);
            using var rl = Tensor.Zeros(context, [N, 1, H, W]);
            smoother.Smooth(zl, rl);
            float[] rs = rl.ToArray();
            double norm2 = 0;
            var yv = new double[D];
            for (int j = 0; j < D; j++)
            {
                double rj = rs[image * D + j];
                norm2 += rj * rj;
                yv[j] = Math.Clamp(x[image * D + j] + rj, 0, 1);
            }
            var logits = new double[K];
            for (int k = 0; k < K; k++)
            {
                logits[k] = bias[k];
                for (int j = 0; j < D; j++) logits[k] += weights[k * D + j] * yv[j];
            }
            double other = Enumerable.Range(0, K).Where(k => k != labels[image]).Max(k => logits[k]);
            return norm2 + constants[image] * Math.Max(logits[labels[image]] - other + mu, 0);
        }

        const float step = 2e-3f;
        double worst = 0, scale = analytic.Max(v => Math.Abs((double)v));
        for (int i = 0; i < N * D; i++)
        {
            var plus = (float[])z.Clone();
            var minus = (float[])z.Clone();
            plus[i] += step;
            minus[i] -= step;
            int image = i / D;
            double numeric = (Objective(plus, image) - Objective(minus, image)) / (2 * step);
            worst = Math.Max(worst, Math.Abs(numeric - analytic[i]));
        }
        Assert.That(worst, Is.LessThan(2e-3 * scale), $"max |finite difference − analytic| = {worst:G3} (max |g| {scale:G3})");
    }
}
