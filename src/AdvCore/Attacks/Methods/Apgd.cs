namespace AdvCore.Attacks;

/// <summary>
/// APGD, Auto-PGD (Croce &amp; Hein, ICML 2020; reference: AutoAttack's <c>autopgd_base.py</c>), L∞ or
/// L2, for every budget ε and restart: a random start x₀ = clip(x + ε·t/‖t‖) (t uniform in
/// [−1,1]^d for L∞, Gaussian for L2), step η = 2ε, and per iteration k
/// z_{k+1} = P(x_k + η·s(∇L(x_k))) (s = sign for L∞, ∇/‖∇‖₂ for L2, P = projection on the ε-ball
/// and clip to [0,1]), then x_{k+1} = P(x_k + α(z_{k+1} − x_k) + (1 − α)(x_k − x_{k−1})) with α = 1
/// at the first iteration and <see cref="ApgdOptions.Momentum"/> after. At each checkpoint w_j
/// (<see cref="ApgdOptions.CheckpointsFor"/>) a sample halves η and restarts from its highest-loss
/// point (with that point's gradient) when (1) at most ρ·(w_j − w_{j−1}) of the steps since w_{j−1}
/// increased the loss (AutoAttack's ≤; the first window's first comparison is with L(x₀), where
/// AutoAttack's code compares with 0), or (2) η was not halved at w_{j−1} and the best loss has not
/// improved since. The loss (cross-entropy or DLR) is increased.
/// Every evaluated iterate that is adversarial is kept when less distorted (L2); the least
/// distorted over the restarts and the last iterate of the last restart are offered per budget.
/// Unlike AutoAttack, every restart runs on every image (already fooled ones included).
/// Element-wise work runs in engine ops; the per-sample scalar logic (step sizes, best losses,
/// checkpoint counters) runs on the host over [N] arrays (the losses read once per iteration).
/// Cost per image: |ε| · Restarts · (Iterations + 1) gradient evaluations, no other forward pass;
/// the session's two offers per budget add 2·|ε| forward passes.
/// </summary>
public sealed class Apgd : Attack<ApgdOptions>
{
    // Passed as PgdStep's gradSign: −1 moves along +∇, i.e. increases the loss (CE and DLR alike).
    private const float Ascend = -1f;

    /// <summary>Creates APGD (AutoAttack's defaults, L∞ with cross-entropy, when <paramref name="options"/> is null).</summary>
    public Apgd(ApgdOptions? options = null) : base(options ?? new ApgdOptions()) { }

    /// <summary>The losses APGD accepts (it increases them).</summary>
    public static IReadOnlyList<LossKind> Losses { get; } = [LossKind.CrossEntropy, LossKind.Dlr];

    internal static bool Increases(LossKind loss) => Losses.Contains(loss);

    /// <inheritdoc />
    public override string Name => Options.Loss == LossKind.CrossEntropy ? "apgd-ce" : "apgd-dlr";

    /// <inheritdoc />
    public override int Iterations => Options.Iterations;

    /// <summary>Per budget and restart Iterations + 1 gradients; two forward passes per budget judge its best and last iterates.</summary>
    public override AttackCost Cost(int classes, long features) =>
        new((long)Options.Epsilons.Count * Options.Restarts * (Options.Iterations + 1), 2L * Options.Epsilons.Count);

    /// <inheritdoc />
    public override bool SupportsTargeted => true;

    /// <inheritdoc />
    public override bool SupportsMargin => true;

    /// <inheritdoc />
    protected override void Execute(AttackSession s)
    {
        var o = Options;
        int n = s.N;
        bool l2 = o.Norm == AttackNorm.L2;
        // The labels of the loss and of the "is adversarial" test (targeted: the targets and a targeted loss).
        // Targeted (APGD-T): the targeted DLR on (y, t) pairs, or cross-entropy towards t; the
        // objective APGD increases is the loss, or minus the cross-entropy towards t.
        bool targeted = s.Targeted;
        LossKind loss = targeted && o.Loss == LossKind.Dlr ? LossKind.DlrTargeted : o.Loss;
        float objective = targeted && o.Loss == LossKind.CrossEntropy ? -1f : 1f;
        var lossLabels = loss == LossKind.DlrTargeted ? s.Own(PairLabels(s)) : s.AttackLabels;
        float ascend = objective > 0 ? Ascend : -Ascend;

        var xk = s.NewLike();       // x_k
        var xPrev = s.NewLike();    // x_{k−1}
        var z = s.NewLike();        // scratch: z_{k+1}, then x_{k+1}
        var grad = s.NewLike();     // ∇L(x_k)
        var xBest = s.NewLike();    // highest-loss point of the restart
        var gradBest = s.NewLike(); // and its gradient
        var noise = s.NewLike();
        var runBest = s.NewLike();
        var runBestNorm = s.NewScalars(float.PositiveInfinity);
        var epsT = s.NewScalars(0f);
        var stepT = s.NewScalars(0f);
        var normT = s.NewScalars(0f);
        var coefT = s.NewScalars(0f);
        var minusOne = s.NewScalars(-1f);
        var plusOne = s.NewScalars(1f);
        var momentumT = s.NewScalars(o.Momentum);
        var pastT = s.NewScalars(-(1f - o.Momentum));

        var checkpoints = o.Checkpoints;
        float[] step = new float[n], lossBest = new float[n], lossBestLastCheck = new float[n], coef = new float[n];
        bool[] reducedLastCheck = new bool[n];
        int[] increases = new int[n];

        // Ascending budgets: the fallback of an image that never succeeds is the largest budget's try.
        foreach (float e in o.Epsilons.Order())
        {
            epsT.Fill(e);
            runBest.CopyFrom(s.X); // rows without a success hold x, never a stale image
            runBestNorm.Fill(float.PositiveInfinity);
            for (int r = 0; r < o.Restarts; r++)
            {
                // x₀ = clip(x + ε t/‖t‖).
                ulong offset = BudgetStream.Offset(o.Seed, e) + (ulong)r * Tensor.PhiloxCounters(noise.Count);
                if (l2) noise.FillNormal(0f, 1f, offset);
                else noise.FillUniform(-1f, 1f, offset);
                if (l2) Ops.BatchL2Norm(noise, normT);
                else Ops.BatchLinfNorm(noise, normT);
                float[] tn = normT.ToArray();
                for (int j = 0; j < n; j++) coef[j] = (float)(e / (tn[j] + 1e-12));
                coefT.CopyFrom(coef);
                xk.CopyFrom(s.X);
                Ops.BatchAxpy(coefT, noise, xk);
                Ops.Clip01(xk);

                float[] current = Evaluate(s, xk, grad, loss, lossLabels, objective, runBest, runBestNorm);
                Array.Copy(current, lossBest, n);
                Array.Copy(current, lossBestLastCheck, n);
                xBest.CopyFrom(xk);
                gradBest.CopyFrom(grad);
                xPrev.CopyFrom(xk);
                Array.Fill(step, Apgd.InitialStep(e));
                Array.Fill(reducedLastCheck, true);
                Array.Clear(increases);
                int nextCheck = 1;

                for (int i = 0; i < o.Iterations; i++)
                {
                    // z = P(x_k + η s(∇)); from the second iteration on, the momentum combination.
                    stepT.CopyFrom(step);
                    z.CopyFrom(xk);
                    AttackSteps.PgdStep(s.X, z, grad, null, null, null, null, epsT, stepT, o.Norm, ascend, false);
                    if (i > 0)
                    {
                        Ops.BatchAxpy(minusOne, xk, z);      // z − x_k
                        Ops.BatchAxpy(minusOne, xk, xPrev);  // x_{k−1} − x_k
                        Ops.BatchScale(momentumT, z);        // α(z − x_k)
                        Ops.BatchAxpy(pastT, xPrev, z);      // + (1 − α)(x_k − x_{k−1})
                        Ops.BatchAxpy(plusOne, xk, z);       // + x_k
                        if (l2) Ops.ProjectL2(s.X, epsT, z);
                        else Ops.ProjectLinf(s.X, epsT, z);
                        Ops.Clip01(z);
                    }
                    (xPrev, xk, z) = (xk, z, xPrev);

                    float[] next = Evaluate(s, xk, grad, loss, lossLabels, objective, runBest, runBestNorm);
                    for (int j = 0; j < n; j++)
                    {
                        if (next[j] > current[j]) increases[j]++;
                        if (next[j] > lossBest[j])
                        {
                            lossBest[j] = next[j];
                            xBest.CopySamples(j, xk, j, 1);
                            gradBest.CopySamples(j, grad, j, 1);
                        }
                    }
                    current = next;

                    if (nextCheck < checkpoints.Count && i + 1 == checkpoints[nextCheck])
                    {
                        int window = checkpoints[nextCheck] - checkpoints[nextCheck - 1];
                        for (int j = 0; j < n; j++)
                        {
                            bool oscillating = increases[j] <= window * (double)o.Rho;
                            bool stalled = !reducedLastCheck[j] && lossBestLastCheck[j] >= lossBest[j];
                            bool halve = oscillating || stalled;
                            reducedLastCheck[j] = halve;
                            lossBestLastCheck[j] = lossBest[j];
                            increases[j] = 0;
                            if (!halve) continue;
                            step[j] /= 2;
                            xk.CopySamples(j, xBest, j, 1);
                            grad.CopySamples(j, gradBest, j, 1);
                        }
                        nextCheck++;
                    }
                }
            }
            s.Offer(runBest, e);
            s.Offer(xk, e);
        }
    }

    /// <summary>η₀ for budget ε.</summary>
    internal static float InitialStep(float epsilon) => ApgdOptions.InitialStepFactor * epsilon;

    // One gradient at y: keeps y when it meets the criterion and is less distorted, copies ∇ into
    // grad, returns the objective (the loss times its sign) per image.
    private static float[] Evaluate(AttackSession s, Tensor y, Tensor grad, LossKind loss, Tensor labels, float objective, Tensor runBest, Tensor runBestNorm)
    {
        var g = s.Gradient(y, loss, labels: labels);
        AttackSteps.KeepBest(new AttackOperands
        {
            X = s.X, Y = y, Logits = g.Logits, Labels = s.AttackLabels, BestY = runBest, BestNorm = runBestNorm, Criterion = s.NativeCriterion,
        }, null);
        grad.CopyFrom(g.Gradient);
        float[] values = g.Loss.ToArray();
        if (objective < 0) for (int j = 0; j < values.Length; j++) values[j] = -values[j];
        return values;
    }

    // (y_i, t_i) rows for the targeted DLR.
    private static Tensor PairLabels(AttackSession s)
    {
        var pairs = new int[2 * s.N];
        for (int i = 0; i < s.N; i++)
        {
            pairs[2 * i] = s.Criterion.Labels[i];
            pairs[2 * i + 1] = s.Criterion.Targets![i];
        }
        return Tensor.FromArray(s.X.Context, pairs, s.N, 2);
    }
}
