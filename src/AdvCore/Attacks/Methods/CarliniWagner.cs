namespace AdvCore.Attacks;

/// <summary>
/// C&amp;W L2 (eqs. 2.18-2.19): for each of <see cref="CarliniWagnerOptions.BinarySteps"/> values of
/// λ per image, Adam on w with y = (tanh(w) + 1)/2 restarted from x; one fused
/// <c>AttackSteps.CwStep</c> per iteration besides the gradient of J_μ. λ moves by Carlini
/// and Wagner's binary search: halfway to the bounds once bracketed, ×10 while no success.
/// </summary>
public sealed class CarliniWagner : Attack<CarliniWagnerOptions>
{
    /// <summary>Creates C&amp;W (the thesis MNIST 5×20 setting when <paramref name="options"/> is null).</summary>
    public CarliniWagner(CarliniWagnerOptions? options = null) : base(options ?? new CarliniWagnerOptions()) { }

    /// <inheritdoc />
    public override string Name => "cw";

    /// <inheritdoc />
    public override int Iterations => Options.Iterations;

    /// <summary>Binary steps × iterations gradients; a forward pass judges each λ's last update, two the final candidates.</summary>
    public override AttackCost Cost(int classes, long features) => new((long)Options.BinarySteps * Options.Iterations, Options.BinarySteps + 2);

    /// <inheritdoc />
    public override bool SupportsTargeted => true;

    /// <inheritdoc />
    public override bool SupportsMargin => true;

    /// <inheritdoc />
    protected override void Execute(AttackSession s)
    {
        var o = Options;
        var w = s.NewLike();
        var y = s.NewLike();
        var m = s.NewLike();
        var v = s.NewLike();
        var runBest = s.CopyOf(s.X);
        var runBestNorm = s.NewScalars(float.PositiveInfinity);
        var lambdaT = s.NewScalars(o.InitialConstant);
        var found = s.NewFlags(0);
        var last = s.NewFlags(0);
        var search = new ConstantSearch(s.N, o.InitialConstant);
        var zeros = new int[s.N];
        // κ of C&W is the criterion's margin when one is asked for: the loss keeps pushing until it holds.
        float mu = Math.Max(o.Margin, s.Criterion.Margin);
        var loss = s.Targeted ? LossKind.CwMarginTargeted : LossKind.CwMargin;

        for (int b = 0; b < o.BinarySteps; b++)
        {
            AttackSteps.CwInit(s.X, w, y);
            m.Fill(0f);
            v.Fill(0f);
            found.CopyFrom(zeros);
            for (int t = 1; t <= o.Iterations; t++)
            {
                var g = s.Gradient(y, loss, mu);
                AttackSteps.CwStep(s.Operands(y, g.Gradient, g.Logits, runBest, runBestNorm), w, lambdaT, m, v, found,
                                   o.LearningRate, o.Beta1, o.Beta2, o.AdamEpsilon, t);
            }
            // The last Adam update has not been judged yet: one forward pass (not a gradient).
            AttackSteps.KeepBest(s.Operands(y, logits: s.Logits(y), bestY: runBest, bestNorm: runBestNorm), last);
            if (b + 1 == o.BinarySteps) break;
            int[] f = found.ToInt32Array(), l = last.ToInt32Array();
            search.Update(i => f[i] != 0 || l[i] != 0);
            lambdaT.CopyFrom(search.Values);
        }
        s.Offer(runBest);
        s.Offer(y);
    }
}
