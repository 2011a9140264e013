namespace AdvCore.Attacks;

/// <summary>
/// What one run of an attack spends per image, at most: gradient evaluations (each one forward
/// and one backward pass) and forward-only passes (judging candidates). Propagations count as
/// AttackBench does (Cinà et al. 2024): a gradient is one forward plus one backward.
/// </summary>
/// <param name="Gradients">Gradient evaluations (backward passes).</param>
/// <param name="Forwards">Forward-only passes (logits without a gradient).</param>
public readonly record struct AttackCost(long Gradients, long Forwards)
{
    /// <summary>Forward plus backward passes: 2·Gradients + Forwards.</summary>
    public long Propagations => 2 * Gradients + Forwards;
}
