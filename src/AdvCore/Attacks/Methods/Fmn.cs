namespace AdvCore.Attacks;

/// <summary>
/// FMN, Fast Minimum-Norm (Pintor et al., NeurIPS 2021; reference: adversarial-library's
/// <c>fmn</c>), L2 or L∞. Starting at δ = 0, each step i evaluates the logit difference
/// m = z_y − max_{j≠y} z_j and its gradient at x + δ (LossKind.LogProbMargin: log-probability
/// differences are logit differences, so value and gradient are the same) and then
/// <list type="number">
/// <item>keeps x + δ when it is adversarial and ‖δ‖ (the attack's norm) is the smallest so far;</item>
/// <item>moves the radius: ε ← min(ε(1 − γ_i), best ‖δ‖) when adversarial, ε(1 + γ_i) when not but an
/// adversarial was found before, and otherwise the first-boundary estimate ε ← ‖δ‖ + |m|/‖∇m‖_*
/// (dual norm: L2 for L2, L1 for L∞); then ε ← min(ε, ‖max(x, 1 − x)‖), the largest distortion possible;</item>
/// <item>steps δ ← δ − α_i ∇m/‖∇m‖₂ (adv-lib normalises by the L2 norm for every norm, L∞ included),
/// projects δ on the ε-ball of the attack's norm and clips x + δ to [0,1].</item>
/// </list>
/// With a confidence margin κ the boundary moves to loss = κ: the first-boundary estimate uses |loss − κ|.
/// α_i and γ_i are cosine-annealed (<see cref="FmnOptions.AlphaAt"/>, <see cref="FmnOptions.GammaAt"/>).
/// Element-wise work runs in engine ops; the per-sample scalar logic (the ε update, the best-norm
/// bookkeeping) runs on the host over [N] arrays read once per step. Cost per image: K gradient
/// evaluations, no other forward pass; the session's two offers (run best, last iterate) add one
/// forward pass each.
/// </summary>
public sealed class Fmn : Attack<FmnOptions>
{
    /// <summary>Creates FMN (adv-lib's defaults, L2, when <paramref name="options"/> is null).</summary>
    public Fmn(FmnOptions? options = null) : base(options ?? new FmnOptions()) { }

    /// <inheritdoc />
    public override string Name => Options.Norm == AttackNorm.L2 ? "fmn-l2" : "fmn-linf";

    /// <inheritdoc />
    public override int Iterations => Options.Iterations;

    /// <summary>K gradients; two forward passes judge the run's best and last iterates.</summary>
    public override AttackCost Cost(int classes, long features) => new(Options.Iterations, 2);

    /// <inheritdoc />
    public override bool SupportsTargeted => true;

    /// <inheritdoc />
    public override bool SupportsMargin => true;

    /// <inheritdoc />
    protected override void Execute(AttackSession s)
    {
        var o = Options;
        int n = s.N;
        bool linf = o.Norm == AttackNorm.Linf;
        // The labels of the loss and of the "is adversarial" test; targeted: target labels, success = reaching them.
        var attackLabels = s.AttackLabels;
        bool targeted = s.Targeted;
        double multiplier = targeted ? 1 : -1; // FMN increases loss = multiplier · m

        var y = s.CopyOf(s.X);
        var runBest = s.CopyOf(s.X);
        var delta = s.NewLike();
        var absGrad = linf ? s.NewLike() : null;
        var ones = linf ? s.NewLike() : null;
        ones?.Fill(1f);
        var deltaNormT = s.NewScalars(0f);
        var gradL2T = s.NewScalars(0f);
        var gradDualT = linf ? s.NewScalars(0f) : gradL2T;
        var coefT = s.NewScalars(0f);
        var epsT = s.NewScalars(0f);
        var minusOne = s.NewScalars(-1f);
        var flags = s.NewFlags(0);

        double[] worst = WorstNorms(s.XHost, n, (int)s.SampleSize, o.Norm);
        double[] eps = new double[n];
        Array.Fill(eps, double.PositiveInfinity);
        double[] bestNorm = (double[])worst.Clone();
        bool[] found = new bool[n];
        float[] epsHost = new float[n], coef = new float[n];

        for (int i = 0; i < o.Iterations; i++)
        {
            double alpha = o.AlphaAt(i), gamma = o.GammaAt(i);
            delta.CopyFrom(y);
            Ops.BatchAxpy(minusOne, s.X, delta);
            if (linf) Ops.BatchLinfNorm(delta, deltaNormT);
            else Ops.BatchL2Norm(delta, deltaNormT);

            var g = s.Gradient(y, LossKind.LogProbMargin, labels: attackLabels);
            AttackSteps.KeepBest(new AttackOperands { X = s.X, Y = y, Logits = g.Logits, Labels = attackLabels, Criterion = s.NativeCriterion }, flags);
            Ops.BatchL2Norm(g.Gradient, gradL2T);
            if (linf)
            {
                // ‖∇‖₁ = ⟨|∇|, 1⟩, |·| as a LeakyReLU of slope −1.
                Ops.ActivationForward(ActivationKind.LeakyReLU, -1f, g.Gradient, absGrad!);
                Ops.BatchDot(absGrad!, ones!, gradDualT);
            }
            float[] deltaNorm = deltaNormT.ToArray(), margin = g.Loss.ToArray(), gradL2 = gradL2T.ToArray();
            float[] gradDual = linf ? gradDualT.ToArray() : gradL2;
            int[] f = flags.ToInt32Array();

            for (int j = 0; j < n; j++)
            {
                bool adversarial = f[j] != 0; // the criterion's test (targeted: reaching the target)
                if (adversarial && deltaNorm[j] < bestNorm[j])
                {
                    bestNorm[j] = deltaNorm[j];
                    runBest.CopySamples(j, y, j, 1);
                }
                found[j] |= adversarial;
                eps[j] = NextEpsilon(eps[j], adversarial, found[j], gamma, bestNorm[j], deltaNorm[j],
                                     multiplier * margin[j] - s.Criterion.Margin, gradDual[j], worst[j]);
                epsHost[j] = (float)eps[j];
                coef[j] = (float)(alpha * multiplier / Math.Max(gradL2[j], 1e-12));
            }
            epsT.CopyFrom(epsHost);
            coefT.CopyFrom(coef);
            Ops.BatchAxpy(coefT, g.Gradient, y);
            if (linf) Ops.ProjectLinf(s.X, epsT, y);
            else Ops.ProjectL2(s.X, epsT, y);
            Ops.Clip01(y);
        }
        s.Offer(runBest);
        s.Offer(y);
    }

    /// <summary>
    /// FMN's radius update for one sample (adv-lib): shrink while adversarial (never above the best
    /// norm), grow once an adversarial was seen, else jump to the linearised boundary distance;
    /// always capped by the largest possible distortion.
    /// </summary>
    internal static double NextEpsilon(double eps, bool adversarial, bool found, double gamma, double bestNorm, double deltaNorm,
                                       double loss, double gradDualNorm, double worstNorm)
    {
        double next = adversarial ? Math.Min(eps * (1 - gamma), bestNorm)
                    : found ? eps * (1 + gamma)
                    : deltaNorm + Math.Abs(loss) / Math.Max(gradDualNorm, 1e-12);
        return Math.Min(next, worstNorm);
    }

    /// <summary>‖max(x_i, 1 − x_i)‖ per image: the largest distortion an image in [0,1] can have.</summary>
    internal static double[] WorstNorms(float[] x, int n, int d, AttackNorm norm)
    {
        var worst = new double[n];
        for (int i = 0; i < n; i++)
        {
            double acc = 0;
            for (int k = i * d; k < (i + 1) * d; k++)
            {
                double m = Math.Max(x[k], 1.0 - x[k]);
                acc = norm == AttackNorm.Linf ? Math.Max(acc, m) : acc + m * m;
            }
            worst[i] = norm == AttackNorm.Linf ? acc : Math.Sqrt(acc);
        }
        return worst;
    }
}
