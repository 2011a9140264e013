using AdvCore.Smoothing;

namespace AdvCore.Attacks;

/// <summary>
/// qPGD₂ (thesis eq. 4.8): PGD₂ whose step follows n(ŝ_α(g)), the gradient smoothed by the
/// graph Laplacian of each original image (built once per batch). The smoothing of an iteration
/// starts its CG from the previous iteration's smoothed gradient, which changes little.
/// </summary>
public sealed class QuickPgd : Attack<QuickPgdOptions>
{
    /// <summary>Creates qPGD₂ (the thesis MNIST smoothing and PGD₂ budgets when <paramref name="options"/> is null).</summary>
    public QuickPgd(QuickPgdOptions? options = null) : base(options ?? new QuickPgdOptions()) { }

    /// <inheritdoc />
    public override string Name => "qpgd2";

    /// <inheritdoc />
    public override int Iterations => Options.Iterations;

    /// <summary>K gradients per budget; two forward passes per budget judge its best and last iterates (the CG solves are not model calls).</summary>
    public override AttackCost Cost(int classes, long features) => new((long)Options.Iterations * Options.Epsilons.Count, 2L * Options.Epsilons.Count);

    /// <inheritdoc />
    public override bool SupportsTargeted => true;

    /// <inheritdoc />
    public override bool SupportsMargin => true;

    /// <inheritdoc />
    protected override void Execute(AttackSession s)
    {
        var o = Options;
        using var smoother = GraphSmoother.Build(s.X, o.Smoothing());
        var smoothed = s.NewLike();
        bool warm = false;
        Tensor Smooth(Tensor gradient)
        {
            smoother.Smooth(gradient, smoothed, warm);
            warm = true;
            return smoothed;
        }
        ProjectedGradient.RunBudgets(s, AttackNorm.L2, o.Epsilons, o.Iterations, e => o.StepFraction * e, randomStart: false,
                                     o.Loss, o.QuantizeEachIteration && s.Quantize, o.Seed, Smooth);
    }
}
