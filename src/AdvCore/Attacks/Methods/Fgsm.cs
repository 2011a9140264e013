namespace AdvCore.Attacks;

/// <summary>
/// FGSM (eq. 2.12): y = clip(x − ε·sign(gradSign·∇J(x))) for every budget ε, from one gradient
/// evaluation at x. Each image keeps its least-distorted success over the budgets.
/// </summary>
public sealed class Fgsm : Attack<FgsmOptions>
{
    /// <summary>Creates FGSM (defaults when <paramref name="options"/> is null).</summary>
    public Fgsm(FgsmOptions? options = null) : base(options ?? new FgsmOptions()) { }

    /// <inheritdoc />
    public override string Name => "fgsm";

    /// <inheritdoc />
    public override int Iterations => 1;

    /// <summary>One gradient at x; one forward pass judges each budget's candidate.</summary>
    public override AttackCost Cost(int classes, long features) => new(1, Options.Epsilons.Count);

    /// <inheritdoc />
    public override bool SupportsTargeted => true;

    /// <inheritdoc />
    public override bool SupportsMargin => true;

    /// <inheritdoc />
    protected override void Execute(AttackSession s)
    {
        // The gradient at x is the same for every budget: one evaluation, kept in our own buffer.
        var grad = s.CopyOf(s.Gradient(s.X, Options.Loss).Gradient);
        var y = s.NewLike();
        var eps = s.NewScalars(0f);
        float sign = s.GradSign(Options.Loss);
        foreach (float e in Options.Epsilons.Order())
        {
            y.CopyFrom(s.X);
            eps.Fill(e);
            AttackSteps.PgdStep(s.X, y, grad, null, null, null, null, eps, eps, AttackNorm.Linf, sign, quantize: false);
            s.Offer(y, e);
        }
    }
}
