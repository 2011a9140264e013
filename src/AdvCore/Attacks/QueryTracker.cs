namespace AdvCore.Attacks;

/// <summary>
/// AttackBench's view of an attack: per image, the least L2-distorted point the attack ever
/// queried that met the criterion, whatever it returns in the end. One fused keep-best per query
/// (no host transfer); only queries of exactly the batch are looked at.
/// </summary>
internal sealed class QueryTracker : IDisposable
{
    private readonly Tensor _x;
    private readonly Tensor _labels;
    private readonly AttackCriterion _criterion;
    private readonly Tensor _best;
    private readonly Tensor _bestNorm;

    internal QueryTracker(Tensor x, Tensor attackLabels, AttackCriterion criterion)
    {
        _x = x;
        _labels = attackLabels;
        _criterion = criterion;
        _best = Tensor.Zeros(x.Context, x.Shape);
        _bestNorm = Tensor.Zeros(x.Context, [x.BatchSize]);
        _bestNorm.Fill(float.PositiveInfinity);
    }

    internal void Observe(Tensor query, Tensor logits)
    {
        if (query.BatchSize != _x.BatchSize) return;
        AttackSteps.KeepBest(new AttackOperands { X = _x, Y = query, Logits = logits, Labels = _labels, BestY = _best, BestNorm = _bestNorm, Criterion = _criterion }, null);
    }

    /// <summary>Per image, the L2 distortion of the best query point (+inf: none met the criterion).</summary>
    internal double[] BestL2() => [.. _bestNorm.ToArray().Select(v => (double)v)];

    public void Dispose()
    {
        _best.Dispose();
        _bestNorm.Dispose();
    }
}
