namespace AdvCore.Attacks;

/// <summary>
/// I-FGSM / BIM (eq. 2.13): K signed steps of α(ε) projected on B∞[x; ε], for every budget ε
/// (one fused <c>AttackSteps.PgdStep</c> per iteration besides the gradient). Each run
/// keeps its least-distorted adversarial iterate; each image keeps the best over the budgets.
/// </summary>
public sealed class IterativeFgsm : Attack<IterativeFgsmOptions>
{
    /// <summary>Creates I-FGSM (defaults when <paramref name="options"/> is null).</summary>
    public IterativeFgsm(IterativeFgsmOptions? options = null) : base(options ?? new IterativeFgsmOptions()) { }

    /// <inheritdoc />
    public override string Name => "ifgsm";

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
        ProjectedGradient.RunBudgets(s, AttackNorm.Linf, Options.Epsilons, Options.Iterations, Options.StepFor, randomStart: false,
                                     Options.Loss, Options.QuantizeEachIteration && s.Quantize, Options.Seed);
}
