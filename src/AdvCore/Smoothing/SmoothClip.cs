using AdvCore.Interop;

namespace AdvCore.Smoothing;

/// <summary>What one <see cref="SmoothClip.Apply"/> did.</summary>
/// <param name="Iterations">Iterations of Algorithm 1's loop run over the batch (0: every image was already inside [0,1]).</param>
/// <param name="Clipped">Images still further than <see cref="SmoothClip.Tolerance"/> outside [0,1] at the iteration cap (finished by a plain clip).</param>
/// <param name="Outside">Images that started outside [0,1] (the ones SmoothClip had to move).</param>
public readonly record struct SmoothClipResult(int Iterations, int Clipped, int Outside);

/// <summary>
/// SmoothClip (SmoothFool, seed 001 Algorithm 1, eqs. 9-11): moves a perturbation r back so that
/// x + r lies in [0,1] while keeping it smooth. Per image, while x + r leaves [0,1]:
/// m₀ = 1[x + r &lt; 0] ∗ g, m₁ = 1[x + r &gt; 1] ∗ g, r ← r − ε(max(x + r − 1)·m₁ + min(x + r)·m₀),
/// g the Gaussian low-pass of σ (<see cref="GaussianLowPass"/>), ε the step (1 / 0.5 / 0.1 for
/// MNIST / CIFAR-10 / ImageNet in the paper). Batched on the device: one native mask kernel, two
/// blurs and two axpys per iteration, and one read of the per-image update coefficients (2N floats)
/// to decide whether to go on. The paper's loop has no bound and no tolerance; here an image is
/// done once it is within <see cref="Tolerance"/> of [0,1], the loop stops after
/// <c>maxIterations</c>, and a plain clip, r = clip(x + r) − x, finishes every image that started
/// outside (the ones still further out than the tolerance at the cap are counted in
/// <see cref="SmoothClipResult.Clipped"/>). With a wide kernel the blurred masks are
/// faint (zero padding spreads each pixel's unit over up to (2R+1)² taps), so large σ converges
/// slowly and meets the cap more often.
/// </summary>
public sealed class SmoothClip : IDisposable
{
    private readonly Tensor _m0, _m1, _z, _minusOne;
    private readonly Tensor _a0, _a1, _outside;
    private readonly int _n;

    /// <summary>
    /// Algorithm 1 converges geometrically and, taken literally, never ends: the excess over
    /// [0,1] shrinks by a factor (1 − ε·(g ∗ m)) per iteration without reaching 0. An image counts
    /// as inside once no value is further than this (a quarter of an 8-bit level) outside [0,1].
    /// </summary>
    public const float Tolerance = 1e-3f;

    /// <summary>Scratch for batches shaped <paramref name="shape"/> ([N, C, H, W] or [N, H, W]) on <paramref name="context"/>.</summary>
    public SmoothClip(Context context, ReadOnlySpan<long> shape)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (shape.Length < 3) throw new ArgumentException($"SmoothClip needs images [N, C, H, W] or [N, H, W] (got rank {shape.Length})", nameof(shape));
        _n = (int)shape[0];
        _m0 = Tensor.Zeros(context, shape);
        _m1 = Tensor.Zeros(context, shape);
        _z = Tensor.Zeros(context, shape);
        _a0 = Tensor.Zeros(context, [_n]);
        _a1 = Tensor.Zeros(context, [_n]);
        _minusOne = Tensor.Zeros(context, [_n]);
        _minusOne.Fill(-1f);
        _outside = Tensor.Zeros(context, [_n], DType.I32);
    }

    /// <summary>
    /// Smoothly clips <paramref name="r"/> in place so that <paramref name="x"/> + r ∈ [0,1]
    /// (x itself must lie in [0,1]). Images already inside are left exactly as they are.
    /// </summary>
    /// <exception cref="ArgumentException">σ or the step not finite and &gt; 0, a cap below 0, or shapes that differ from the scratch.</exception>
    public SmoothClipResult Apply(Tensor x, Tensor r, float sigma, float step, int maxIterations)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(r);
        GaussianLowPass.CheckSigma(sigma, nameof(sigma));
        if (!float.IsFinite(step) || !(step > 0))
            throw new ArgumentOutOfRangeException(nameof(step), step, $"the SmoothClip step must be a finite number > 0 (got {step})");
        ArgumentOutOfRangeException.ThrowIfNegative(maxIterations);
        if (!x.HasShape(_m0.Shape) || !r.HasShape(_m0.Shape))
            throw new ArgumentException($"SmoothClip was made for [{string.Join(", ", _m0.ShapeArray())}], got x [{string.Join(", ", x.ShapeArray())}] and r [{string.Join(", ", r.ShapeArray())}]");

        var ctx = x.Context.Handle;
        int it = 0;
        NativeStatus.Check(Native.ac_smooth_clip_masks(ctx, x.Handle, r.Handle, step, _m0.Handle, _m1.Handle, _a0.Handle, _a1.Handle, _outside.Handle));
        int[] flags = _outside.ToInt32Array();
        bool[] started = [.. flags.Select(f => f != 0)];
        int outsideAtStart = started.Count(f => f);
        bool[] far = new bool[_n];
        while (outsideAtStart > 0)
        {
            // The one host read per iteration: the update coefficients −ε·excess; an image counts
            // as done once its excess is within Tolerance.
            float[] a0 = _a0.ToArray(), a1 = _a1.ToArray();
            int remaining = 0;
            for (int i = 0; i < _n; i++)
                remaining += (far[i] = -a1[i] > step * Tolerance || a0[i] > step * Tolerance) ? 1 : 0;
            if (remaining == 0 || it == maxIterations) break;
            GaussianLowPass.ApplyInPlace(_m0, sigma);
            GaussianLowPass.ApplyInPlace(_m1, sigma);
            // Images inside have a0 = a1 = 0 and zero masks: the update leaves them alone.
            Ops.BatchAxpy(_a1, _m1, r);
            Ops.BatchAxpy(_a0, _m0, r);
            it++;
            NativeStatus.Check(Native.ac_smooth_clip_masks(ctx, x.Handle, r.Handle, step, _m0.Handle, _m1.Handle, _a0.Handle, _a1.Handle, _outside.Handle));
        }
        // Images that started outside end with a plain clip, r = clip(x + r) − x: it removes the
        // residual below Tolerance of the converged ones, and finishes those stopped by the cap.
        bool computed = false;
        for (int i = 0; i < _n; i++)
        {
            if (!started[i]) continue;
            if (!computed)
            {
                Ops.Add(x, r, _z);
                Ops.Clip01(_z);
                Ops.BatchAxpy(_minusOne, x, _z);
                computed = true;
            }
            r.CopySamples(i, _z, i, 1);
        }
        return new SmoothClipResult(it, far.Count(f => f), outsideAtStart);
    }

    /// <summary>Releases the scratch tensors.</summary>
    public void Dispose()
    {
        foreach (var t in new[] { _m0, _m1, _z, _a0, _a1, _minusOne, _outside }) t.Dispose();
    }
}
