namespace AdvCore.Attacks;

/// <summary>The native mirror of a criterion's kind and margin (<c>ac_criterion</c>); the labels travel separately.</summary>
/// <param name="Targeted">Success means reaching the label given (a target) rather than leaving it.</param>
/// <param name="Margin">The confidence margin in logits (0: argmax test).</param>
public readonly record struct AttackCriterion(bool Targeted, float Margin = 0)
{
    /// <summary>Untargeted, no margin (argmax ≠ label).</summary>
    public static AttackCriterion Untargeted => default;
}
