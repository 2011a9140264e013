namespace AdvCore.Attacks;

/// <summary>
/// Random+FGSM ("Efficient Defenses" §4.1): x' = x + α·sign(N(0, I)), then one FGSM step of ε − α
/// from x' (so ‖y − x‖∞ ≤ ε), for every budget ε. One gradient evaluation per budget.
/// </summary>
public sealed class RandomFgsm : Attack<RandomFgsmOptions>
{
    /// <summary>Creates Random+FGSM (defaults when <paramref name="options"/> is null).</summary>
    public RandomFgsm(RandomFgsmOptions? options = null) : base(options ?? new RandomFgsmOptions()) { }

    /// <inheritdoc />
    public override string Name => "rfgsm";

    /// <inheritdoc />
    public override int Iterations => 1;

    /// <summary>One gradient per budget; one forward pass judges each budget's candidate.</summary>
    public override AttackCost Cost(int classes, long features) => new(Options.Epsilons.Count, Options.Epsilons.Count);

    /// <inheritdoc />
    public override bool SupportsTargeted => true;

    /// <inheritdoc />
    public override bool SupportsMargin => true;

    /// <inheritdoc />
    protected override void Execute(AttackSession s)
    {
        var y = s.NewLike();
        var noise = s.NewLike();
        var radius = s.NewScalars(0f);
        var step = s.NewScalars(0f);
        float sign = s.GradSign(Options.Loss);
        foreach (float e in Options.Epsilons.Order())
        {
            float a = Options.AlphaFor(e);
            noise.FillNormal(0f, 1f, BudgetStream.Offset(Options.Seed, e));
            // The random step is a signed step along the noise: y = clip(x + a·sign(N)).
            y.CopyFrom(s.X);
            radius.Fill(a);
            AttackSteps.PgdStep(s.X, y, noise, null, null, null, null, radius, radius, AttackNorm.Linf, -1f, quantize: false);
            var g = s.Gradient(y, Options.Loss);
            radius.Fill(e);
            step.Fill(e - a);
            AttackSteps.PgdStep(s.X, y, g.Gradient, null, null, null, null, radius, step, AttackNorm.Linf, sign, quantize: false);
            s.Offer(y, e);
        }
    }
}
