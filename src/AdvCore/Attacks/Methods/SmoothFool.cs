using AdvCore.Smoothing;

namespace AdvCore.Attacks;

/// <summary>Running totals of SmoothClip over the runs of one <see cref="SmoothFool"/> instance.</summary>
public sealed class SmoothClipStatistics
{
    private long _calls, _iterations, _outside, _clipped;

    /// <summary>SmoothClip calls (one per SmoothFool iteration and batch).</summary>
    public long Calls => Interlocked.Read(ref _calls);

    /// <summary>SmoothClip iterations summed over the calls.</summary>
    public long Iterations => Interlocked.Read(ref _iterations);

    /// <summary>Image-steps whose projection left [0,1] (what SmoothClip had to move).</summary>
    public long Outside => Interlocked.Read(ref _outside);

    /// <summary>Image-steps still outside [0,1] at the iteration cap, finished by a plain clip.</summary>
    public long Clipped => Interlocked.Read(ref _clipped);

    internal void Add(SmoothClipResult r)
    {
        Interlocked.Increment(ref _calls);
        Interlocked.Add(ref _iterations, r.Iterations);
        Interlocked.Add(ref _outside, r.Outside);
        Interlocked.Add(ref _clipped, r.Clipped);
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"SmoothClip: {Calls} calls, {Iterations} iterations, {Outside} image-steps outside [0,1], {Clipped} finished by a plain clip at the cap";
}

/// <summary>
/// SmoothFool (Dabouei et al. 2020, seed 001 Algorithm 2), batched: from x₀ = x, while the label
/// has not changed: x_p = DeepFool(x̂_i) (<see cref="DeepFoolSearch"/>, its defaults), the boundary
/// normal w = ∇u_{c'}(x_p) − ∇u_{c(x)}(x_p) from two cross-entropy gradients (−∇CE_c = ∇u_c −
/// ∇logsumexp(u), so ∇CE_{c(x)} − ∇CE_{c'} is the logit-gradient difference; c' = c(x_p), or the
/// most likely wrong class when DeepFool's cap stopped it short), w̃ = g ∗ w (Gaussian σ_g,
/// <see cref="GaussianLowPass"/>), r_i = (wᵀ(x_p − x̂_i) / wᵀw̃)·w̃ (eq. 7; the two dots are read to
/// the host once per iteration), r_i ← SmoothClip(x_i, r_i, g) (<see cref="SmoothClip"/>),
/// x_{i+1} = x_i + r_i. Iterates stay real-valued; x̂_i is the point that is judged: x_i, or its
/// 8-bit rounding when quantising (DeepFool then judges its iterates rounded too).
/// Each iterate is offered as x + (1 + overshoot)(x_{i+1} − x), DeepFool's overshoot applied to
/// the total smooth perturbation: the iterates approach the boundary from inside with shrinking
/// steps and cross it by a vanishing margin, which rounding undoes (without it, 0.72 of 100 MNIST
/// images were fooled on the 8-bit grid; with it, all). <see cref="SmoothFoolOptions.StepOvershoot"/>
/// (0 by default, as in the paper) can lengthen each step. An image stops (and stops being charged
/// gradients) once it is adversarial, or when its projection degenerates (wᵀw̃ ≤ 0); every
/// iterate is offered (one forward pass per iteration).
/// </summary>
public sealed class SmoothFool : Attack<SmoothFoolOptions>
{
    /// <summary>Creates SmoothFool (defaults when <paramref name="options"/> is null).</summary>
    public SmoothFool(SmoothFoolOptions? options = null) : base(options ?? new SmoothFoolOptions()) { }

    /// <inheritdoc />
    public override string Name => "smoothfool";

    /// <summary>The SmoothFool iterations at most.</summary>
    public override int Iterations => Options.MaxIterations;

    /// <summary>SmoothClip's totals over this instance's runs (how often the iteration cap and a plain clip finished the job).</summary>
    public SmoothClipStatistics ClipStatistics { get; } = new();

    /// <summary>At most MaxIterations × (a full DeepFool of DeepFoolIterations × K gradients + the 2 gradients of w); one forward per iteration judges the iterate.</summary>
    public override AttackCost Cost(int classes, long features) =>
        new((long)Options.MaxIterations * ((long)Options.DeepFoolIterations * classes + 2), Options.MaxIterations);

    /// <inheritdoc />
    protected override void Execute(AttackSession s)
    {
        if (s.X.Shape.Length < 3)
            throw new ArgumentException($"SmoothFool smooths over image planes: the model's input must be [C, H, W] or [H, W] (got [{string.Join(", ", s.X.ShapeArray()[1..])}])");
        var o = Options;
        var deepFool = new DeepFoolSearch(s, new DeepFoolOptions { MaxIterations = o.DeepFoolIterations, Overshoot = o.Overshoot, Quantize = false });
        using var clip = new SmoothClip(s.X.Context, s.X.Shape);
        var xi = s.CopyOf(s.X);
        var xHat = s.NewLike();
        var xp = s.NewLike();
        var w = s.NewLike();
        var wt = s.NewLike();
        var diff = s.NewLike();
        var minusOne = s.NewScalars(-1f);
        var rho = s.NewScalars(0f);
        var candidate = s.NewLike();
        var overshoot = s.NewScalars(1 + o.Overshoot);
        var num = s.NewScalars(0f);
        var den = s.NewScalars(0f);
        var predicted = s.NewFlags(0);
        var live = new bool[s.N];
        Array.Fill(live, true);
        var rhoHost = new float[s.N];

        for (int it = 0; it < o.MaxIterations && live.Any(l => l); it++)
        {
            // Line 5-6: x_p = x̂_i + DeepFool(x̂_i), real-valued (it only linearises the boundary).
            // x̂_i is the point that is judged: the rounded iterate when quantising (DeepFool then
            // judges its own iterates rounded too, so x_p is past the boundary Offer will see).
            xHat.CopyFrom(xi);
            if (s.Quantize) Ops.Quantize8(xHat);
            xp.CopyFrom(xHat);
            deepFool.Run(xHat, xp, live, s.Quantize);
            // Line 7: w = ∇CE_{c(x)}(x_p) − ∇CE_{c'}(x_p) = ∇u_{c'} − ∇u_{c(x)}, with c' the most
            // likely wrong class at x_p: c(x_p) whenever DeepFool crossed, and a usable normal
            // when its iteration cap stopped it short (c(x_p) = c(x) would give w = 0).
            var atLabel = s.Gradient(xp, LossKind.CrossEntropy, 0, s.Labels, live);
            w.CopyFrom(atLabel.Gradient);
            predicted.CopyFrom(MostLikelyWrong(atLabel.Logits.ToArray(), s.LabelsHost, s.Model.Classes));
            var atPredicted = s.Gradient(xp, LossKind.CrossEntropy, 0, predicted, live);
            Ops.BatchAxpy(minusOne, atPredicted.Gradient, w);
            // Lines 8-9: w̃ = g ∗ w, r = (wᵀ(x_p − x_i) / wᵀw̃) w̃.
            GaussianLowPass.Apply(w, o.SigmaG, wt);
            // The distance is measured from x̂_i: measured from a real-valued x_i that sits on the
            // boundary while its rounding does not cross, wᵀ(x_p − x_i) ≈ 0 and the steps vanish.
            diff.CopyFrom(xp);
            Ops.BatchAxpy(minusOne, xHat, diff);
            Ops.BatchDot(w, diff, num);
            Ops.BatchDot(w, wt, den);
            float[] nh = num.ToArray(), dh = den.ToArray();
            for (int i = 0; i < s.N; i++)
            {
                float r = live[i] && dh[i] > 0 ? (1 + o.StepOvershoot) * nh[i] / dh[i] : 0f;
                if (!float.IsFinite(r) || (live[i] && !(dh[i] > 0))) r = 0f;
                if (live[i] && r == 0f) live[i] = false; // no boundary to project on: give up on it
                rhoHost[i] = r;
            }
            rho.CopyFrom(rhoHost);
            Ops.BatchScale(rho, wt); // wt is now r_i (0 for images that stopped)
            // Line 10: SmoothClip keeps x_i + r_i in [0,1] smoothly.
            ClipStatistics.Add(clip.Apply(xi, wt, o.SigmaG, o.ClipStep, o.ClipIterations));
            // Line 11: x_{i+1} = x_i + r_i.
            // The iterate stays real-valued (a rounded one would lose every step smaller than half
            // a level per pixel, which smooth steps often are); Offer judges its rounding.
            Ops.Add(xi, wt, xi);
            Ops.Clip01(xi);
            // Offered: x + (1 + overshoot)(x_{i+1} − x), DeepFool's overshoot on the total smooth
            // perturbation (a scalar multiple, as smooth). The iterates approach the boundary from
            // inside with shrinking steps (SmoothClip removes part of each), so the plain iterate
            // crosses it only by a vanishing margin, which 8-bit rounding often undoes.
            candidate.CopyFrom(xi);
            Ops.BatchAxpy(minusOne, s.X, candidate);
            Ops.BatchScale(overshoot, candidate);
            Ops.Add(candidate, s.X, candidate);
            Ops.Clip01(candidate);
            s.Offer(candidate);
            float[] best = s.BestDistortions();
            for (int i = 0; i < s.N; i++)
                if (float.IsFinite(best[i])) live[i] = false;
        }
    }

    // Per image, the class with the largest logit other than its label (the label for K = 1).
    private static int[] MostLikelyWrong(float[] logits, int[] labels, int classes)
    {
        var classesOut = new int[labels.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            int best = labels[i];
            for (int c = 0; c < classes; c++)
                if (c != labels[i] && (best == labels[i] || logits[i * classes + c] > logits[i * classes + best])) best = c;
            classesOut[i] = best;
        }
        return classesOut;
    }
}
