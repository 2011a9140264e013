using AdvCore.Defenses;

namespace AdvCore.Attacks;

/// <summary>
/// EPGD (seed 003 eq. 24) and Salman et al.'s smoothed attack (eq. 25): PGD whose gradient is
/// that of a loss of the noise-averaged model, computed by a <see cref="SmoothedClassifier"/>
/// head — the defense's own when the model is one, else a private one over the model with the
/// attack's σ and m (its base queries, m·N images, go through the harness's counter). With m = 1
/// and σ = 0 it is PGD, step for step.
/// </summary>
public sealed class ExpectationPgd : Attack<ExpectationPgdOptions>
{
    /// <summary>Creates the attack (EPGD defaults when <paramref name="options"/> is null).</summary>
    public ExpectationPgd(ExpectationPgdOptions? options = null) : base(options ?? new ExpectationPgdOptions()) { }

    /// <inheritdoc />
    public override string Name => Options.Head == ExpectationHead.MeanSoftmax ? "salman" : "epgd";

    /// <inheritdoc />
    public override int Iterations => Options.Iterations;

    /// <summary>
    /// In base passes, as the harness charges them: K expected gradients per budget of m base
    /// gradients each (m = the attack's <c>Samples</c>; against a smoothed defense, the defense's own
    /// m), EPGD's mean-logit head one base forward more per copy, and two forward passes per budget.
    /// </summary>
    public override AttackCost Cost(int classes, long features)
    {
        long budgets = Options.Epsilons.Count, copies = (long)Options.Iterations * budgets * Options.Samples;
        return new(copies, 2L * budgets + (Options.Head == ExpectationHead.MeanLogits ? copies : 0));
    }

    /// <inheritdoc />
    public override bool SupportsTargeted => true;

    /// <inheritdoc />
    public override bool SupportsMargin => true;

    /// <inheritdoc />
    protected override void Execute(AttackSession s)
    {
        var o = Options;
        Func<Tensor, Nn.GradientResult> gradient;
        SmoothedClassifier? own = null;
        if (s.TargetIsSmoothed)
            gradient = y => s.ExpectedGradient(y, o.Loss, o.Head);
        else
        {
            own = new SmoothedClassifier(s.Model, new SmoothingOptions { Sigma = o.Sigma, Samples = o.Samples, Head = o.Head, Seed = o.Seed });
            gradient = y => own.Gradient(y, s.AttackLabels, o.Loss);
        }
        try
        {
            ProjectedGradient.RunBudgets(s, o.Norm, o.Epsilons, o.Iterations, o.StepFor, randomStart: false, o.Loss,
                                         quantizeEach: false, o.Seed, gradient: gradient);
        }
        finally
        {
            own?.Dispose();
        }
    }
}
