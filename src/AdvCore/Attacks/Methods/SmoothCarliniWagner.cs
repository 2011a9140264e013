using AdvCore.Smoothing;

namespace AdvCore.Attacks;

/// <summary>
/// sC&amp;W (thesis eqs. 4.11-4.15). The variable is a latent z (starting at 0) with the
/// perturbation r = ŝ_α(z) smooth like x and the iterate y = clip(x + r); Adam minimises
/// ‖r‖² + c·J_μ(y), c by C&amp;W's binary search. Backward: g_r = c·1[0 &lt; x + r &lt; 1]·∇J + 2r, then
/// g_z = ŝ_αᵀ(g_r) = L_α⁻¹(g_r ⊘ s(1)) (eq. 4.15; L_α is symmetric). The clip is the bounded ReLU
/// with t = 1, whose backward is exactly that mask. Each iteration: one gradient and two CG solves
/// (forward and adjoint), each started from the previous iteration's solution.
/// </summary>
public sealed class SmoothCarliniWagner : Attack<SmoothCarliniWagnerOptions>
{
    /// <summary>Creates sC&amp;W (the thesis MNIST setting when <paramref name="options"/> is null).</summary>
    public SmoothCarliniWagner(SmoothCarliniWagnerOptions? options = null) : base(options ?? new SmoothCarliniWagnerOptions()) { }

    /// <inheritdoc />
    public override string Name => "scw";

    /// <inheritdoc />
    public override int Iterations => Options.Iterations;

    /// <summary>Binary steps × iterations gradients; per value of c one forward pass judges its last update and one its best, one the last iterate.</summary>
    public override AttackCost Cost(int classes, long features) => new((long)Options.BinarySteps * Options.Iterations, 2L * Options.BinarySteps + 1);

    /// <inheritdoc />
    public override bool SupportsTargeted => true;

    /// <inheritdoc />
    public override bool SupportsMargin => true;

    /// <inheritdoc />
    protected override void Execute(AttackSession s)
    {
        var o = Options;
        using var smoother = GraphSmoother.Build(s.X, o.Smoothing());
        Tensor z = s.NewLike(), r = s.NewLike(), u = s.NewLike(), y = s.NewLike();
        Tensor gr = s.NewLike(), gz = s.NewLike(), m = s.NewLike(), v = s.NewLike();
        Tensor runBest = s.NewLike(), runBestNorm = s.NewScalars(float.PositiveInfinity);
        Tensor constant = s.NewScalars(o.InitialConstant), two = s.NewScalars(2f);
        var search = new ConstantSearch(s.N, o.InitialConstant);
        float mu = Math.Max(o.Margin, s.Criterion.Margin);
        var loss = s.Targeted ? LossKind.CwMarginTargeted : LossKind.CwMargin;

        for (int b = 0; b < o.BinarySteps; b++)
        {
            z.Fill(0f);
            m.Fill(0f);
            v.Fill(0f);
            runBest.CopyFrom(s.X); // rows without a success for this c hold x, never a stale image
            runBestNorm.Fill(float.PositiveInfinity);
            for (int t = 1; t <= o.Iterations; t++)
            {
                Perturb(s.X, smoother, z, r, u, y, warm: t > 1);
                var g = s.Gradient(y, loss, mu);
                AttackSteps.KeepBest(s.Operands(y, logits: g.Logits, bestY: runBest, bestNorm: runBestNorm), null);
                LatentGradient(smoother, u, r, g.Gradient, constant, two, gr, gz, warm: t > 1);
                Ops.AdamUpdate(z, gz, m, v, o.LearningRate, o.Beta1, o.Beta2, o.AdamEpsilon, 0f, t);
            }
            // The last Adam update has not been judged yet: one forward pass (not a gradient).
            Perturb(s.X, smoother, z, r, u, y, warm: true);
            AttackSteps.KeepBest(s.Operands(y, logits: s.Logits(y), bestY: runBest, bestNorm: runBestNorm), null);
            s.Offer(runBest);
            if (b + 1 == o.BinarySteps) break;
            float[] best = runBestNorm.ToArray();
            search.Update(i => !float.IsPositiveInfinity(best[i]));
            constant.CopyFrom(search.Values);
        }
        s.Offer(y);
    }

    /// <summary>
    /// g_z of ‖r‖² + c·J_μ(clip(u)) at u = x + r, r = ŝ_α(z), from <paramref name="gradJ"/> = ∇J_μ at
    /// clip(u) (scaled by c in place): g_r = c·1[0 &lt; u &lt; 1]·∇J + 2r into <paramref name="gr"/>,
    /// then g_z = ŝ_αᵀ(g_r) into <paramref name="gz"/>. <paramref name="two"/> holds 2 per image.
    /// </summary>
    internal static void LatentGradient(GraphSmoother smoother, Tensor u, Tensor r, Tensor gradJ, Tensor constant, Tensor two,
                                        Tensor gr, Tensor gz, bool warm)
    {
        Ops.BatchScale(constant, gradJ);
        Ops.ActivationBackward(ActivationKind.BoundedReLU, 1f, u, gradJ, gr); // through y = clip(x + r)
        Ops.BatchAxpy(two, r, gr);                                            // + ∇‖r‖²
        smoother.SmoothAdjoint(gr, gz, warm);
    }

    // r = ŝ_α(z), u = x + r, y = clip(u).
    internal static void Perturb(Tensor x, GraphSmoother smoother, Tensor z, Tensor r, Tensor u, Tensor y, bool warm)
    {
        smoother.Smooth(z, r, warm);
        Ops.Add(x, r, u);
        Ops.ActivationForward(ActivationKind.BoundedReLU, 1f, u, y);
    }
}
