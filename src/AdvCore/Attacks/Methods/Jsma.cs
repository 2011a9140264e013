namespace AdvCore.Attacks;

/// <summary>
/// JSMA (L0; Papernot et al. 2016, the pixel-pair rule; features move by θ until they saturate,
/// as in ART) made untargeted: the target t is the most likely other class of the clean image,
/// and an image stops once its prediction leaves the true class. The saliency uses the Jacobian of log-probabilities (∇log p_c = −∇CE_c),
/// obtained with two gradient evaluations per iteration: cross-entropy towards t gives
/// α = ∇log p_t, and with label smoothing s = 1/2 it gives a positive multiple of
/// β = Σ_{j≠t} ∇log p_j (namely ∇CE_t − 2∇CE_{t,s} = β/(K−1)), which leaves the pair choice
/// unchanged. One fused <c>AttackSteps.JsmaStep</c> per iteration.
/// </summary>
public sealed class Jsma : Attack<JsmaOptions>
{
    private const float Smoothing = 0.5f;

    /// <summary>Creates JSMA (defaults when <paramref name="options"/> is null).</summary>
    public Jsma(JsmaOptions? options = null) : base(options ?? new JsmaOptions()) { }

    /// <inheritdoc />
    public override string Name => "jsma";

    /// <summary>The iteration cap asked for (0: derived from the image size, see <see cref="JsmaOptions.IterationsFor"/>).</summary>
    public override int Iterations => Options.MaxIterations ?? 0;

    /// <summary>Two gradients per iteration, at most IterationsFor(d) iterations; one forward pass picks the targets, one judges the output.</summary>
    public override AttackCost Cost(int classes, long features) => new(2L * Options.IterationsFor(features), 2);

    /// <inheritdoc />
    protected override void Execute(AttackSession s)
    {
        int k = s.Model.Classes;
        long d = s.SampleSize;
        float theta = Options.Theta;

        // Target: the most likely other class of the clean image.
        float[] logits0 = s.Logits(s.X).ToArray();
        var targets = new int[s.N];
        for (int i = 0; i < s.N; i++)
        {
            int best = -1;
            for (int c = 0; c < k; c++)
                if (c != s.LabelsHost[i] && (best < 0 || logits0[i * k + c] > logits0[i * k + best])) best = c;
            targets[i] = best;
        }
        var targetLabels = s.Own(Tensor.FromArray(s.X.Context, targets));

        // Search domain: features that can still move in θ's direction (cleverhans).
        var domainHost = new float[s.XHost.Length];
        for (long j = 0; j < domainHost.LongLength; j++) domainHost[j] = (theta > 0 ? s.XHost[j] < 1 : s.XHost[j] > 0) ? 1f : 0f;
        var domain = s.NewLike();
        domain.CopyFrom(domainHost);

        var y = s.CopyOf(s.X);
        var active = s.NewFlags(1);
        var changed = s.NewFlags(0);
        long maxChanged = Options.MaxChangedFor(d);
        var gradTarget = s.NewLike();
        var gradOther = s.NewLike();
        var minusOne = s.NewScalars(-1f);
        var minusTwo = s.NewScalars(-2f);
        var counted = new bool[s.N];
        int iterations = Options.IterationsFor(d);
        for (int it = 0; it < iterations; it++)
        {
            int[] a = active.ToInt32Array();
            int live = 0;
            for (int i = 0; i < s.N; i++) live += (counted[i] = a[i] != 0) ? 1 : 0;
            if (live == 0) break;
            var plain = s.Gradient(y, LossKind.CrossEntropy, 0, targetLabels, counted);
            gradTarget.CopyFrom(plain.Gradient);
            var smooth = s.Gradient(y, LossKind.CrossEntropy, Smoothing, targetLabels, counted);
            gradOther.CopyFrom(gradTarget);
            Ops.BatchAxpy(minusTwo, smooth.Gradient, gradOther); // ∇CE_t − 2∇CE_{t,½} = β/(K−1)
            Ops.BatchScale(minusOne, gradTarget);                 // α = ∇log p_t
            AttackSteps.JsmaStep(y, gradTarget, gradOther, smooth.Logits, s.Labels, domain, changed, active, theta, maxChanged);
        }
        s.Offer(y);
    }
}
