namespace AdvCore.Attacks;

/// <summary>
/// DeepFool L2 (eq. 2.21) over all K classes. The Jacobian rows come from K gradient evaluations
/// of cross-entropy towards each class c: −∇CE_c = ∇u_c − ∇logsumexp(u), i.e. the logit gradient
/// up to a term common to every class, which is all DeepFool uses (differences u_c − u_l). One
/// fused <c>AttackSteps.DeepFoolStep</c> per iteration; an image stops (and stops being
/// charged gradients) once it is adversarial — once its rounded version is, when quantising.
/// </summary>
public sealed class DeepFool : Attack<DeepFoolOptions>
{
    /// <summary>Creates DeepFool (defaults when <paramref name="options"/> is null).</summary>
    public DeepFool(DeepFoolOptions? options = null) : base(options ?? new DeepFoolOptions()) { }

    /// <inheritdoc />
    public override string Name => "deepfool";

    /// <summary>Upper bound: MaxIterations Jacobians of K rows; the classes are known only at run time, so this counts iterations.</summary>
    public override int Iterations => Options.MaxIterations;

    /// <summary>At most MaxIterations Jacobians of K rows; one forward pass judges the output.</summary>
    public override AttackCost Cost(int classes, long features) => new((long)Options.MaxIterations * classes, 1);

    /// <inheritdoc />
    protected override void Execute(AttackSession s)
    {
        var y = s.CopyOf(s.X);
        var live = new bool[s.N];
        Array.Fill(live, true);
        new DeepFoolSearch(s, Options).Run(s.X, y, live, s.Quantize);
        s.Offer(y);
    }
}

/// <summary>
/// DeepFool's iterations as a reusable search (DeepFool itself; SmoothFool's inner x_p): its
/// Jacobian buffers live with the session, so a caller may run it many times from new starts.
/// </summary>
internal sealed class DeepFoolSearch
{
    private readonly AttackSession _s;
    private readonly DeepFoolOptions _options;
    private readonly Tensor _jacobian, _jacobianView, _minusOne, _rTotal, _active;
    private readonly Tensor[] _classLabels;

    /// <summary>Buffers for DeepFool on the session's batch.</summary>
    public DeepFoolSearch(AttackSession s, DeepFoolOptions options)
    {
        _s = s;
        _options = options;
        int k = s.Model.Classes;
        long[] imageShape = s.X.ShapeArray();
        long[] stacked = (long[])imageShape.Clone();
        stacked[0] = (long)k * s.N;
        _jacobian = s.Own(Tensor.Zeros(s.X.Context, stacked));      // [K·N, ...]: one block per class
        long[] classMajor = [k, .. imageShape];
        _jacobianView = s.Own(_jacobian.View(classMajor));           // [K, N, ...] for the kernel
        _minusOne = s.Own(Tensor.Zeros(s.X.Context, [(long)k * s.N]));
        _minusOne.Fill(-1f);
        _classLabels = new Tensor[k];
        for (int c = 0; c < k; c++) _classLabels[c] = s.NewFlags(c);
        _rTotal = s.NewLike();
        _active = s.NewFlags(1);
    }

    /// <summary>
    /// DeepFool from <paramref name="start"/> for the images where <paramref name="live"/> is
    /// true (only they are charged gradients): <paramref name="y"/> (holding the start on entry)
    /// ends at the first iterate that is adversarial, or after MaxIterations. With
    /// <paramref name="quantize"/>, each iterate is rounded to the 8-bit grid and judged there.
    /// </summary>
    public void Run(Tensor start, Tensor y, bool[] live, bool quantize)
    {
        var s = _s;
        int k = _classLabels.Length;
        _rTotal.Fill(0f);
        _active.CopyFrom(live.Select(l => l ? 1 : 0).ToArray());
        var counted = new bool[s.N];
        for (int it = 0; it < _options.MaxIterations; it++)
        {
            int[] a = _active.ToInt32Array();
            int count = 0;
            for (int i = 0; i < s.N; i++) count += (counted[i] = a[i] != 0) ? 1 : 0;
            if (count == 0) break;
            Tensor logits = null!;
            for (int c = 0; c < k; c++)
            {
                var g = s.Gradient(y, LossKind.CrossEntropy, 0, _classLabels[c], counted);
                _jacobian.CopySamples((long)c * s.N, g.Gradient, 0, s.N);
                logits = g.Logits;
            }
            Ops.BatchScale(_minusOne, _jacobian); // ∇CE_c → ∇u_c − ∇lse(u)
            AttackSteps.DeepFoolStep(start, y, _rTotal, _jacobianView, logits, s.Labels, _active, _options.Overshoot);
            // DeepFool stops just past the boundary, where rounding often undoes it: when the
            // output is quantised, judge (and linearise at) the rounded iterate, so an image stops
            // only once its 8-bit version is adversarial; r_total keeps accumulating unrounded.
            if (quantize) Ops.Quantize8(y);
        }
    }
}
