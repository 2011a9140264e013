namespace AdvCore.Attacks;

/// <summary>
/// BP, Boundary Projection (thesis ch. 5): K iterations, each one gradient evaluation plus one
/// fused <c>AttackSteps.BpStep</c> — stage 1 (Algorithm 1) until the iterate is
/// adversarial, then stage 2 (Algorithm 2) walking along the class boundary with OUT/IN steps
/// and the chosen rounding (Q_IN/Q_OUT by default). The output is the least-distorted adversarial
/// iterate, after a final forward pass judges the last one.
/// </summary>
public sealed class BoundaryProjection : Attack<BoundaryProjectionOptions>
{
    /// <summary>Creates BP (thesis defaults when <paramref name="options"/> is null).</summary>
    public BoundaryProjection(BoundaryProjectionOptions? options = null) : base(options ?? new BoundaryProjectionOptions()) { }

    /// <inheritdoc />
    public override string Name => "bp";

    /// <inheritdoc />
    public override int Iterations => Options.Iterations;

    /// <summary>
    /// K gradients and one forward pass judging the last iterate: the run's best was judged where
    /// it was found (its iterates are on the grid, or only clipped without quantisation). Rounding
    /// at the end alone costs a second forward pass for the rounded best.
    /// </summary>
    public override AttackCost Cost(int classes, long features) => new(Options.Iterations, BestIsJudged(Options.Quantize) ? 1 : 2);

    private bool BestIsJudged(bool quantize) => !quantize || Options.Rounding != BpRounding.AtEnd;

    /// <inheritdoc />
    public override bool SupportsTargeted => true;

    /// <inheritdoc />
    public override bool SupportsMargin => true;

    /// <inheritdoc />
    protected override void Execute(AttackSession s)
    {
        var o = Options;
        var y = s.CopyOf(s.X);
        var runBest = s.CopyOf(s.X);
        var runBestNorm = s.NewScalars(float.PositiveInfinity);
        var stage = s.NewFlags(0);
        float sign = s.GradSign(o.Loss);
        // Without quantisation BP works on real-valued iterates throughout (thesis Table 5.3).
        var rounding = s.Quantize ? o.Rounding : BpRounding.AtEnd;
        for (int i = 0; i < o.Iterations; i++)
        {
            var g = s.Gradient(y, o.Loss);
            AttackSteps.BpStep(s.Operands(y, g.Gradient, g.Logits, runBest, runBestNorm), stage, o.GammaAt(i), o.Alpha, o.BetaMin, sign, rounding);
        }
        if (BestIsJudged(s.Quantize)) s.OfferJudged(runBest, runBestNorm);
        else s.Offer(runBest);
        s.Offer(y);
    }
}
