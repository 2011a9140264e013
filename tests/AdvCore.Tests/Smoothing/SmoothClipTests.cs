using AdvCore.Smoothing;
using AdvCore.Tests.Attacks;
using NUnit.Framework;

namespace AdvCore.Tests.Smoothing;

/// <summary>SmoothClip (SmoothFool Algorithm 1): inside [0,1] after, unchanged when inside before, smoother than a plain clip.</summary>
public class SmoothClipTests
{
    // A smooth perturbation large enough to leave [0,1] on MNIST digits: blurred noise, scaled.
    private static float[] SmoothPerturbation(Context ctx, int n, float scale)
    {
        var rng = new Random(11);
        float[] noise = [.. Enumerable.Range(0, n * 784).Select(_ => (float)(rng.NextDouble() * 2 - 1))];
        using var t = Tensor.FromArray(ctx, noise, n, 1, 28, 28);
        GaussianLowPass.ApplyInPlace(t, 3f);
        float[] r = t.ToArray();
        float max = r.Max(Math.Abs);
        return [.. r.Select(v => v / max * scale)];
    }

    [Test]
    public void ClipsSmoothlyIntoTheUnitInterval()
    {
        var model = TrainedMnistModel.Get();
        var (x, _) = model.Correct(4);
        using (x)
        {
            float[] xs = x.ToArray();
            float[] r0 = SmoothPerturbation(model.Context, 4, 0.6f);
            using var r = Tensor.FromArray(model.Context, r0, 4, 1, 28, 28);
            using var clip = new SmoothClip(model.Context, x.Shape);
            var result = clip.Apply(x, r, sigma: 2f, step: 1f, maxIterations: 2000);
            float[] rc = r.ToArray();
            Assert.That(result.Outside, Is.EqualTo(4), "every image started outside [0,1]");
            // On near-binary digits a smooth r cannot follow the 0/1 edges, and Algorithm 1 barely
            // moves r across them: it meets the cap here and the plain clip finishes (see the
            // smooth-image case below for convergence).
            TestContext.Out.WriteLine($"MNIST digits: {result}");
            for (int i = 0; i < rc.Length; i++) Assert.That(xs[i] + rc[i], Is.InRange(-1e-6f, 1 + 1e-6f), $"element {i}");
            for (int img = 0; img < 4; img++)
            {
                var span = img * 784;
                float[] plain = [.. Enumerable.Range(span, 784).Select(j => Math.Clamp(xs[j] + r0[j], 0f, 1f) - xs[j])];
                double smooth = Roughness.MeasureHost(rc.AsSpan(span, 784), 28, 28).OmegaN;
                double clipped = Roughness.MeasureHost(plain, 28, 28).OmegaN;
                TestContext.Out.WriteLine($"image {img}: Ω_n SmoothClip {smooth:F4}, plain clip {clipped:F4}");
                Assert.That(smooth, Is.LessThan(clipped), $"image {img}");
            }
        }
    }

    [Test]
    public void ConvergesOnSmoothImages()
    {
        using var ctx = Context.Create(Device.Cpu, threads: 2);
        const int n = 3;
        float[] xs = [.. Enumerable.Range(0, n * 784).Select(k => 0.5f + 0.45f * MathF.Sin(k % 784 / 28 / 5f + k / 784) * MathF.Cos(k % 28 / 7f))];
        float[] r0 = SmoothPerturbation(ctx, n, 0.6f);
        using var x = Tensor.FromArray(ctx, xs, n, 1, 28, 28);
        using var r = Tensor.FromArray(ctx, r0, n, 1, 28, 28);
        using var clip = new SmoothClip(ctx, x.Shape);
        var result = clip.Apply(x, r, sigma: 2f, step: 1f, maxIterations: 2000);
        TestContext.Out.WriteLine($"smooth images: {result}");
        Assert.That(result.Outside, Is.EqualTo(n));
        Assert.That(result.Clipped, Is.Zero, "SmoothClip converged before the cap");
        Assert.That(result.Iterations, Is.GreaterThan(0));
        float[] rc = r.ToArray();
        for (int i = 0; i < rc.Length; i++) Assert.That(xs[i] + rc[i], Is.InRange(0f, 1f), $"element {i}");
        for (int img = 0; img < n; img++)
        {
            float[] plain = [.. Enumerable.Range(img * 784, 784).Select(j => Math.Clamp(xs[j] + r0[j], 0f, 1f) - xs[j])];
            Assert.That(Roughness.MeasureHost(rc.AsSpan(img * 784, 784), 28, 28).OmegaN, Is.LessThan(Roughness.MeasureHost(plain, 28, 28).OmegaN), $"image {img}");
        }
    }

    [Test]
    public void LeavesPerturbationsInsideTheIntervalAlone()
    {
        using var ctx = Context.Create(Device.Cpu, threads: 2);
        var rng = new Random(3);
        float[] xs = [.. Enumerable.Range(0, 2 * 3 * 8 * 8).Select(_ => 0.25f + 0.5f * (float)rng.NextDouble())];
        float[] r0 = [.. Enumerable.Range(0, xs.Length).Select(_ => 0.2f * (float)(rng.NextDouble() - 0.5))];
        using var x = Tensor.FromArray(ctx, xs, 2, 3, 8, 8);
        using var r = Tensor.FromArray(ctx, r0, 2, 3, 8, 8);
        using var clip = new SmoothClip(ctx, x.Shape);
        var result = clip.Apply(x, r, 1f, 0.5f, 100);
        Assert.That((result.Iterations, result.Clipped, result.Outside), Is.EqualTo((0, 0, 0)));
        Assert.That(r.ToArray(), Is.EqualTo(r0));
    }

    [Test]
    public void TheCapFinishesWithAPlainClip()
    {
        using var ctx = Context.Create(Device.Cpu, threads: 2);
        float[] xs = [.. Enumerable.Repeat(0.9f, 64)];
        float[] r0 = [.. Enumerable.Repeat(0.5f, 64)];
        using var x = Tensor.FromArray(ctx, xs, 1, 1, 8, 8);
        using var r = Tensor.FromArray(ctx, r0, 1, 1, 8, 8);
        using var clip = new SmoothClip(ctx, x.Shape);
        var result = clip.Apply(x, r, 50f, 1f, 0);
        Assert.That((result.Iterations, result.Clipped, result.Outside), Is.EqualTo((0, 1, 1)));
        Assert.That(r.ToArray().Zip(xs).Select(p => p.First + p.Second), Has.All.InRange(0.999f, 1.0001f));
    }

    [Test]
    public void BadStepIsRefused()
    {
        using var ctx = Context.Create(Device.Cpu, threads: 1);
        using var x = Tensor.Zeros(ctx, [1, 1, 4, 4]);
        using var r = Tensor.Zeros(ctx, [1, 1, 4, 4]);
        using var clip = new SmoothClip(ctx, x.Shape);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => clip.Apply(x, r, 1f, 0f, 10))!;
        Assert.That(e.Message, Does.Contain("step must be a finite number > 0"));
        Assert.Throws<ArgumentOutOfRangeException>(() => clip.Apply(x, r, 0f, 1f, 10));
    }
}
