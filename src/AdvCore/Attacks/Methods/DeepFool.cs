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
        int k = s.Model.Classes;
        long[] imageShape = s.X.ShapeArray();
        long[] stacked = (long[])imageShape.Clone();
        stacked[0] = (long)k * s.N;
        var jacobian = s.Own(Tensor.Zeros(s.X.Context, stacked));      // [K·N, ...]: one block per class
        long[] classMajor = [k, .. imageShape];
        var jacobianView = s.Own(jacobian.View(classMajor));           // [K, N, ...] for the kernel
        var minusOne = s.Own(Tensor.Zeros(s.X.Context, [(long)k * s.N]));
        minusOne.Fill(-1f);
        var classLabels = new Tensor[k];
        for (int c = 0; c < k; c++) classLabels[c] = s.NewFlags(c);

        var y = s.CopyOf(s.X);
        var rTotal = s.NewLike();
        var active = s.NewFlags(1);
        var counted = new bool[s.N];
        for (int it = 0; it < Options.MaxIterations; it++)
        {
            int[] a = active.ToInt32Array();
            int live = 0;
            for (int i = 0; i < s.N; i++) live += (counted[i] = a[i] != 0) ? 1 : 0;
            if (live == 0) break;
            Tensor logits = null!;
            for (int c = 0; c < k; c++)
            {
                var g = s.Gradient(y, LossKind.CrossEntropy, 0, classLabels[c], counted);
                jacobian.CopySamples((long)c * s.N, g.Gradient, 0, s.N);
                logits = g.Logits;
            }
            Ops.BatchScale(minusOne, jacobian); // ∇CE_c → ∇u_c − ∇lse(u)
            AttackSteps.DeepFoolStep(s.X, y, rTotal, jacobianView, logits, s.Labels, active, Options.Overshoot);
            // DeepFool stops just past the boundary, where rounding often undoes it: when the
            // output is quantised, judge (and linearise at) the rounded iterate, so an image stops
            // only once its 8-bit version is adversarial; r_total keeps accumulating unrounded.
            if (s.Quantize) Ops.Quantize8(y);
        }
        s.Offer(y);
    }
}
