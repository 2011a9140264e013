namespace AdvCore.Attacks;

/// <summary>How one call of <see cref="IAttack.Run"/> runs, besides the attack's own options.</summary>
public sealed record AttackRunSettings
{
    /// <summary>Budgeted attacks: also return each budget's adversarial images (<see cref="AttackResult.PerBudget"/>).</summary>
    public bool KeepPerBudget { get; init; }

    /// <summary>
    /// A cap on propagations per image (forwards + backwards, a gradient counting two), as
    /// AttackBench budgets attacks; the attack stops at the first query that would pass it and
    /// returns what it had offered (<see cref="AttackResult.BudgetExhausted"/>). Null: no cap.
    /// </summary>
    public long? MaxPropagations { get; init; }

    /// <summary>Track, per image, the least L2-distorted query point that met the criterion (<see cref="AttackResult.QueryBestL2"/>).</summary>
    public bool TrackQueries { get; init; }

    internal void Validate()
    {
        if (MaxPropagations is long p && p < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxPropagations), p, $"MaxPropagations must be >= 1 (got {p})");
    }
}
