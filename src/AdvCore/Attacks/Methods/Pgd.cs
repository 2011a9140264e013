namespace AdvCore.Attacks;

/// <summary>
/// PGD₂ (eqs. 2.15-2.16) or PGD∞ (Madry et al., usually with a random start): K normalised (or
/// signed) steps projected on the ball B[x; ε], for every budget ε; one fused
/// <c>AttackSteps.PgdStep</c> per iteration besides the gradient.
/// </summary>
public sealed class Pgd : Attack<PgdOptions>
{
    /// <summary>Creates PGD (defaults — PGD₂ with the thesis step ε/2 — when <paramref name="options"/> is null).</summary>
    public Pgd(PgdOptions? options = null) : base(options ?? new PgdOptions()) { }

    /// <inheritdoc />
    public override string Name => Options.Norm == AttackNorm.L2 ? "pgd2" : "pgdinf";

    /// <inheritdoc />
    public override int Iterations => Options.Iterations;

    /// <summary>K gradients per budget; two forward passes per budget judge its best and last iterates.</summary>
    public override AttackCost Cost(int classes, long features) => new((long)Options.Iterations * Options.Epsilons.Count, 2L * Options.Epsilons.Count);

    /// <inheritdoc />
    public override bool SupportsTargeted => true;

    /// <inheritdoc />
    public override bool SupportsMargin => true;

    /// <inheritdoc />
    protected override void Execute(AttackSession s) =>
        ProjectedGradient.RunBudgets(s, Options.Norm, Options.Epsilons, Options.Iterations, Options.StepFor, Options.RandomStart,
                                     Options.Loss, Options.QuantizeEachIteration && s.Quantize, Options.Seed);
}
