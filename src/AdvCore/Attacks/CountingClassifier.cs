using AdvCore.Nn;

namespace AdvCore.Attacks;

/// <summary>
/// The model as an attack sees it: every forward-only pass and every gradient evaluation is
/// counted per image on its way to the wrapped classifier, which the attack cannot reach
/// otherwise. A query of m·N images (m stacked copies of the batch) charges each image m times.
/// With a propagation cap the query that would pass it is refused; with tracking, each query
/// point that meets the criterion updates the per-image least-distorted point seen (AttackBench).
/// </summary>
internal sealed class CountingClassifier : IClassifier
{
    private readonly IClassifier _inner;
    private readonly int _n;
    private readonly long? _cap;
    private readonly QueryTracker? _tracker;

    internal CountingClassifier(IClassifier inner, int n, long? maxPropagations, QueryTracker? tracker)
    {
        _inner = inner;
        _n = n;
        _cap = maxPropagations;
        _tracker = tracker;
        Forwards = new long[n];
        Backwards = new long[n];
    }

    /// <summary>Forward-only passes charged to each image.</summary>
    internal long[] Forwards { get; }

    /// <summary>Gradient evaluations (one forward + one backward) charged to each image.</summary>
    internal long[] Backwards { get; }

    /// <summary>Which images the next calls charge (null: all). DeepFool and JSMA stop charging finished images.</summary>
    internal bool[]? Charged { get; set; }

    public Context Context => _inner.Context;
    public IReadOnlyList<int> InputShape => _inner.InputShape;
    public int Classes => _inner.Classes;

    public Tensor Logits(Tensor x)
    {
        long copies = Charge(x, propagations: 1);
        var logits = _inner.Logits(x);
        for (int i = 0; i < _n; i++) if (IsCharged(i)) Forwards[i] += copies;
        _tracker?.Observe(x, logits);
        return logits;
    }

    public GradientResult Gradient(Tensor x, Tensor labels, LossKind loss, float lossParam = 0)
    {
        long copies = Charge(x, propagations: 2, gradient: true);
        var result = _inner.Gradient(x, labels, loss, lossParam);
        for (int i = 0; i < _n; i++) if (IsCharged(i)) Backwards[i] += copies;
        _tracker?.Observe(x, result.Logits);
        return result;
    }

    /// <summary>
    /// One gradient evaluation of a gathered batch whose first rows are the images
    /// <paramref name="rows"/> (the rest is padding, not charged); the query tracker, which needs
    /// whole batches, must be off.
    /// </summary>
    internal GradientResult GradientOfRows(Tensor x, Tensor labels, LossKind loss, float lossParam, int[] rows)
    {
        if (_tracker is not null) throw new InvalidOperationException("query tracking needs whole-batch queries");
        long copies = _inner.GradientPassesPerImage; // a smoothed classifier runs its copies per gradient
        if (_cap is long cap)
            foreach (int i in rows)
                if (2 * Backwards[i] + Forwards[i] + 2 * copies > cap) throw new AttackBudgetExhaustedException(cap);
        var result = _inner.Gradient(x, labels, loss, lossParam);
        foreach (int i in rows) Backwards[i] += copies;
        return result;
    }

    /// <summary>Whether queries are tracked (then every query must stack whole copies of the batch).</summary>
    internal bool Tracking => _tracker is not null;

    public int PassesPerImage => _inner.PassesPerImage;

    public int GradientPassesPerImage => _inner.GradientPassesPerImage;

    public GradientResult GradientOfLogits(Tensor x, Tensor logitGradient)
    {
        long copies = Charge(x, propagations: 2, gradient: true);
        var result = _inner.GradientOfLogits(x, logitGradient);
        for (int i = 0; i < _n; i++) if (IsCharged(i)) Backwards[i] += copies;
        _tracker?.Observe(x, result.Logits);
        return result;
    }

    public GradientResult ExpectedGradient(Tensor x, Tensor labels, LossKind loss, float lossParam, Defenses.ExpectationHead head)
    {
        if (_inner is not Defenses.SmoothedClassifier smoothed)
            throw new InvalidOperationException("an expected gradient needs a smoothed classifier under attack");
        long copies = Charge(x, propagations: 2, gradient: true);
        var result = smoothed.Gradient(x, labels, loss, lossParam, head);
        for (int i = 0; i < _n; i++) if (IsCharged(i)) Backwards[i] += copies;
        _tracker?.Observe(x, result.Logits);
        return result;
    }

    private bool IsCharged(int i) => Charged is null || Charged[i];

    // Copies of the batch in this query; refuses it when it would pass the cap for a charged image.
    private long Charge(Tensor x, long propagations, bool gradient = false)
    {
        long batch = x.BatchSize;
        if (batch % _n != 0)
            throw new InvalidOperationException($"an attack queried the model with {batch} images; queries must stack whole copies of the batch of {_n}");
        // A smoothed classifier runs m base passes per image (its copies per gradient for gradients).
        long copies = batch / _n * (gradient ? _inner.GradientPassesPerImage : _inner.PassesPerImage);
        if (_cap is long cap)
            for (int i = 0; i < _n; i++)
                if (IsCharged(i) && 2 * Backwards[i] + Forwards[i] + copies * propagations > cap)
                    throw new AttackBudgetExhaustedException(cap);
        return copies;
    }
}

/// <summary>Thrown inside an attack when its next query would pass the propagation cap; the harness catches it.</summary>
internal sealed class AttackBudgetExhaustedException(long cap) : Exception($"the budget of {cap} propagations per image is spent");
