namespace AdvCore.Attacks;

/// <summary>
/// DDN (eq. 2.20; Rony et al. 2019): a normalised gradient step of cosine-annealed size, then a
/// projection on the sphere whose radius shrinks by (1 − γ) while adversarial and grows by
/// (1 + γ) otherwise; rounded to the grid each iteration; one fused
/// <c>AttackSteps.DdnStep</c> per iteration besides the gradient.
/// </summary>
public sealed class Ddn : Attack<DdnOptions>
{
    /// <summary>Creates DDN (defaults when <paramref name="options"/> is null).</summary>
    public Ddn(DdnOptions? options = null) : base(options ?? new DdnOptions()) { }

    /// <inheritdoc />
    public override string Name => "ddn";

    /// <inheritdoc />
    public override int Iterations => Options.Iterations;

    /// <summary>
    /// K gradients and one forward pass judging the last iterate: with every iterate rounded (or
    /// no quantisation) the run's best was judged where it was found.
    /// </summary>
    public override AttackCost Cost(int classes, long features) => new(Options.Iterations, BestIsJudged(Options.Quantize) ? 1 : 2);

    private bool BestIsJudged(bool quantize) => !quantize || Options.QuantizeEachIteration;

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
        var radius = s.NewScalars(o.InitialNorm);
        float sign = s.GradSign(o.Loss);
        bool quantizeEach = o.QuantizeEachIteration && s.Quantize;
        for (int i = 0; i < o.Iterations; i++)
        {
            var g = s.Gradient(y, o.Loss);
            AttackSteps.DdnStep(s.Operands(y, g.Gradient, g.Logits, runBest, runBestNorm), radius, o.StepAt(i), o.Gamma, sign, quantizeEach);
        }
        if (BestIsJudged(s.Quantize)) s.OfferJudged(runBest, runBestNorm);
        else s.Offer(runBest);
        s.Offer(y);
    }
}
