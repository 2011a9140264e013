namespace AdvCore.Attacks;

/// <summary>
/// DeepFool L2 (eq. 2.21; Moosavi-Dezfooli et al.): linearise every class boundary, step to the
/// nearest, overshoot 0.02. One iteration costs K gradient evaluations (one Jacobian row per class).
/// </summary>
public sealed record DeepFoolOptions : AttackOptions
{
    /// <summary>Iterations at most (an image stops as soon as it is adversarial).</summary>
    public int MaxIterations { get; init; } = 50;

    /// <summary>Overshoot: y = x + (1 + overshoot)·r_total.</summary>
    public float Overshoot { get; init; } = 0.02f;

    /// <inheritdoc />
    public override void Validate()
    {
        OptionChecks.AtLeast(MaxIterations, 1, nameof(MaxIterations));
        OptionChecks.NonNegative(Overshoot, nameof(Overshoot));
    }
}
