using System.Diagnostics;
using AdvCore.Nn;

namespace AdvCore.Attacks;

/// <summary>
/// The state of one attack over one batch, shared by every attack: the validated inputs, the
/// criterion, the engine tensors the attack allocates (released together), the model behind its
/// counter (<see cref="Model"/>: every forward and gradient is charged per image; the attack has
/// no other way to the model), and the "offer" protocol that makes the result honest: every
/// candidate is rounded to the grid (or clipped), predicted afresh and kept only if it meets the
/// criterion and is less distorted than what the image already has. The last candidate offered
/// is what a failed image returns.
/// </summary>
public sealed class AttackSession : IDisposable
{
    private readonly List<Tensor> _owned = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly IClassifier _judge;       // the uncounted model: the harness's final verification only
    private readonly CountingClassifier _counter;
    private readonly QueryTracker? _tracker;
    private readonly Tensor _best;            // per image: the final output so far (rounded or clipped)
    private readonly Tensor _bestRaw;         // the same candidate before rounding/clipping
    private readonly Tensor _bestNorm;        // its distortion, +inf while no success
    private readonly Tensor _fallback;        // the last candidate (what a failure returns)
    private readonly Tensor _fallbackRaw;
    private readonly Tensor _candidate;       // scratch: the rounded candidate being judged
    private readonly float[] _budgets;
    private readonly List<float> _budgetList = [];
    private readonly List<bool[]> _budgetSuccess = [];
    private readonly List<Tensor> _budgetImages = [];
    private readonly bool _keepPerBudget;
    private LiveRows? _liveRows;              // compact batches of the charged images (DeepFool, JSMA, SmoothFool)
    private bool _offered;
    private bool _finished;

    internal AttackSession(IClassifier model, Tensor images, float[] imagesHost, Criterion criterion, bool quantize, AttackRunSettings settings)
    {
        _judge = model;
        X = images;
        XHost = imagesHost;
        Criterion = criterion;
        Quantize = quantize;
        N = (int)images.BatchSize;
        _keepPerBudget = settings.KeepPerBudget;
        Labels = Own(Tensor.FromArray(images.Context, criterion.Labels));
        AttackLabels = criterion.Targeted ? Own(Tensor.FromArray(images.Context, criterion.Targets!)) : Labels;
        if (settings.TrackQueries) _tracker = new QueryTracker(images, AttackLabels, criterion.Native);
        _counter = new CountingClassifier(model, N, settings.MaxPropagations, _tracker);
        _budgets = new float[N];
        Array.Fill(_budgets, float.NaN);
        _best = NewLike();
        _bestRaw = NewLike();
        _bestNorm = NewScalars(float.PositiveInfinity);
        _fallback = NewLike();
        _fallbackRaw = NewLike();
        _candidate = NewLike();
    }

    /// <summary>The model under attack, behind the per-image counter of forward and backward passes.</summary>
    public IClassifier Model => _counter;

    /// <summary>The original images [N, ...] (never modified).</summary>
    public Tensor X { get; }

    /// <summary>True labels y, i32 [N].</summary>
    public Tensor Labels { get; }

    /// <summary>
    /// The labels the attack's loss and keep-best test use: the targets when the criterion is
    /// targeted (the attack then decreases its loss towards them), else the true labels.
    /// </summary>
    public Tensor AttackLabels { get; }

    /// <summary>Host copy of the true labels.</summary>
    public int[] LabelsHost => Criterion.Labels;

    /// <summary>The success criterion (labels, targets, margin).</summary>
    public Criterion Criterion { get; }

    /// <summary>Whether the criterion is targeted.</summary>
    public bool Targeted => Criterion.Targeted;

    /// <summary>The native criterion for the fused steps.</summary>
    public AttackCriterion NativeCriterion => Criterion.Native;

    /// <summary>Host copy of the images (N·d).</summary>
    public float[] XHost { get; }

    /// <summary>Batch size.</summary>
    public int N { get; }

    /// <summary>Elements per image.</summary>
    public long SampleSize => X.SampleSize;

    /// <summary>Whether outputs are rounded to the 8-bit grid.</summary>
    public bool Quantize { get; }

    /// <summary>Gradient evaluations charged to each image so far.</summary>
    public IReadOnlyList<long> Gradients => _counter.Backwards;

    /// <summary>Forward-only passes charged to each image so far.</summary>
    public IReadOnlyList<long> Forwards => _counter.Forwards;

    /// <summary>
    /// +1 or −1: the sign that turns a loss's gradient into the attack's descent direction
    /// (advcore.h grad_sign): <see cref="AttackSteps.GradSign"/>, flipped for the losses a targeted
    /// run evaluates at the target (cross-entropy is decreased towards t, the margin of t is
    /// increased); the targeted losses (C&amp;W's, DLR's) already point the right way.
    /// </summary>
    public float GradSign(LossKind loss)
    {
        float untargeted = AttackSteps.GradSign(loss);
        return Targeted && loss is LossKind.CrossEntropy or LossKind.LogProbMargin or LossKind.CwMargin ? -untargeted : untargeted;
    }

    /// <summary>
    /// The operands of a fused step on iterate <paramref name="y"/>: the originals, the attack
    /// labels and the criterion, with the gradient, logits and best-so-far tensors given.
    /// </summary>
    public AttackOperands Operands(Tensor y, Tensor? grad = null, Tensor? logits = null, Tensor? bestY = null, Tensor? bestNorm = null) =>
        new() { X = X, Y = y, Grad = grad, Logits = logits, Labels = logits is null ? null : AttackLabels, BestY = bestY, BestNorm = bestNorm, Criterion = NativeCriterion };

    // ------------------------------------------------------------------ buffers

    /// <summary>A zero tensor shaped like the images, released with the session.</summary>
    public Tensor NewLike() => Own(Tensor.Zeros(X.Context, X.Shape));

    /// <summary>A copy of <paramref name="source"/> (shaped like the images), released with the session.</summary>
    public Tensor CopyOf(Tensor source)
    {
        var t = NewLike();
        t.CopyFrom(source);
        return t;
    }

    /// <summary>An f32 [N] tensor filled with <paramref name="value"/>.</summary>
    public Tensor NewScalars(float value)
    {
        var t = Own(Tensor.Zeros(X.Context, [N]));
        if (value != 0) t.Fill(value);
        return t;
    }

    /// <summary>An f32 [N] tensor holding <paramref name="values"/>.</summary>
    public Tensor NewScalars(float[] values) => Own(Tensor.FromArray(X.Context, values));

    /// <summary>An i32 [N] tensor filled with <paramref name="value"/>.</summary>
    public Tensor NewFlags(int value)
    {
        var host = new int[N];
        Array.Fill(host, value);
        return Own(Tensor.FromArray(X.Context, host));
    }

    /// <summary>Releases <paramref name="tensor"/> with the session.</summary>
    public Tensor Own(Tensor tensor)
    {
        _owned.Add(tensor);
        return tensor;
    }

    // ------------------------------------------------------------------ model calls

    /// <summary>
    /// One gradient evaluation at <paramref name="y"/> of <paramref name="loss"/> with the attack
    /// labels (or <paramref name="labels"/>), charged to every image (or only where
    /// <paramref name="charged"/> is true). The result's tensors belong to the model or the
    /// session. With <paramref name="charged"/>, only the charged images are evaluated (gathered
    /// into a smaller batch, <see cref="LiveRows"/>) unless queries are tracked: the rows of the
    /// others are then zero, so a caller must read only the charged rows.
    /// </summary>
    public GradientResult Gradient(Tensor y, LossKind loss, float lossParam = 0, Tensor? labels = null, bool[]? charged = null)
    {
        labels ??= AttackLabels;
        if (charged is not null && !_counter.Tracking && y.BatchSize == N)
        {
            int[] rows = [.. Enumerable.Range(0, N).Where(i => charged[i])];
            if (rows.Length > 0 && LiveRows.CompactSize(rows.Length, N) is int size)
            {
                _liveRows ??= new LiveRows(X, Model.Classes);
                return _liveRows.Gradient(y, labels, rows, size, (x, l) => _counter.GradientOfRows(x, l, loss, lossParam, rows));
            }
        }
        _counter.Charged = charged;
        try
        {
            return _counter.Gradient(y, labels, loss, lossParam);
        }
        finally
        {
            _counter.Charged = null;
        }
    }

    /// <summary>Whether the model under attack is a randomized-smoothing classifier (its heads can be differentiated).</summary>
    public bool TargetIsSmoothed => _judge is Defenses.SmoothedClassifier;

    /// <summary>
    /// The gradient of the smoothed model's <paramref name="head"/> (EPGD's mean logits, Salman
    /// et al.'s mean softmax) at <paramref name="y"/> with the attack labels, charged m passes per image.
    /// </summary>
    /// <exception cref="InvalidOperationException">The model is not a smoothed classifier.</exception>
    public GradientResult ExpectedGradient(Tensor y, LossKind loss, Defenses.ExpectationHead head, float lossParam = 0) =>
        _counter.ExpectedGradient(y, AttackLabels, loss, lossParam, head);

    /// <summary>Eval-mode logits of <paramref name="y"/>, one forward pass charged to every image.</summary>
    public Tensor Logits(Tensor y) => _counter.Logits(y);

    // ------------------------------------------------------------------ candidates

    /// <summary>
    /// Judges <paramref name="candidate"/>: rounds it to the grid (or clips it to [0,1]), predicts
    /// it (one forward pass) and keeps it for every image where it meets the criterion and is less
    /// distorted than the current output. It also becomes the fallback returned by images that
    /// never succeed. <paramref name="budget"/> (budgeted attacks) records the candidate as that
    /// budget's result: offer each budget's candidates in a row.
    /// </summary>
    public void Offer(Tensor candidate, float budget = float.NaN)
    {
        _candidate.CopyFrom(candidate);
        if (Quantize) Ops.Quantize8(_candidate);
        else Ops.Clip01(_candidate);
        _fallback.CopyFrom(_candidate);
        _fallbackRaw.CopyFrom(candidate);
        Tensor logits = Logits(_candidate);
        float[] before = _bestNorm.ToArray();
        using var adversarial = Tensor.Zeros(X.Context, [N], DType.I32);
        AttackSteps.KeepBest(Operands(_candidate, logits: logits, bestY: _best, bestNorm: _bestNorm), adversarial);
        _offered = true;
        float[] after = _bestNorm.ToArray();
        for (int i = 0; i < N; i++)
            if (after[i] < before[i])
            {
                _bestRaw.CopySamples(i, candidate, i, 1);
                if (!float.IsNaN(budget)) _budgets[i] = budget;
            }
        if (!float.IsNaN(budget)) RecordBudget(budget, adversarial.ToInt32Array());
    }

    /// <summary>
    /// Merges a best-so-far pair that the attack tracked with the fused keep-best, when its
    /// iterates are exactly what <see cref="Offer"/> would make of them (on the 8-bit grid when
    /// quantising, in [0,1] otherwise) and were judged by the criterion on those very points:
    /// no forward pass is spent judging them again. Rows without a success (+inf) are ignored;
    /// the final fresh prediction still decides every reported success.
    /// </summary>
    public void OfferJudged(Tensor bestY, Tensor bestNorm)
    {
        float[] tracked = bestNorm.ToArray(), current = _bestNorm.ToArray();
        if (!_offered)
        {
            _fallback.CopyFrom(bestY);
            _fallbackRaw.CopyFrom(bestY);
        }
        bool changed = false;
        for (int i = 0; i < N; i++)
        {
            if (!(tracked[i] < current[i])) continue;
            _best.CopySamples(i, bestY, i, 1);
            _bestRaw.CopySamples(i, bestY, i, 1);
            current[i] = tracked[i];
            changed = true;
        }
        if (changed)
        {
            _bestNorm.CopyFrom(current);
            // Idempotent on grid rows; only an off-grid start (x itself already meeting the
            // criterion) changes, and the final prediction judges it as returned.
            if (Quantize) Ops.Quantize8(_best);
        }
        _offered = true;
    }

    // Per-budget bookkeeping: success of any candidate of this budget, and its best (else last) image.
    private void RecordBudget(float budget, int[] adversarial)
    {
        int b = _budgetList.Count - 1;
        if (b < 0 || _budgetList[b] != budget)
        {
            _budgetList.Add(budget);
            _budgetSuccess.Add(new bool[N]);
            if (_keepPerBudget) _budgetImages.Add(Own(Tensor.Zeros(X.Context, X.Shape)));
            b++;
        }
        bool[] success = _budgetSuccess[b];
        for (int i = 0; i < N; i++)
        {
            // A budget's image is its first success, else its last candidate.
            if (_keepPerBudget && !success[i]) _budgetImages[b].CopySamples(i, _candidate, i, 1);
            if (adversarial[i] != 0) success[i] = true;
        }
    }

    /// <summary>Host copy of each image's best distortion so far (+inf while it has no success).</summary>
    public float[] BestDistortions() => _bestNorm.ToArray();

    // ------------------------------------------------------------------ result

    internal AttackResult Finish(string attack, bool budgetExhausted)
    {
        if (_finished) throw new InvalidOperationException("the session is finished");
        if (!_offered)
        {
            // An attack that offers only at its end, stopped by the propagation cap before it:
            // every image fails and returns its original (the query tracker still saw its points).
            if (!budgetExhausted) throw new InvalidOperationException($"attack {attack} offered no candidate");
            _fallback.CopyFrom(X);
            _fallbackRaw.CopyFrom(X);
        }
        _finished = true;

        // Images that never succeeded return the last candidate.
        float[] bestNorm = _bestNorm.ToArray();
        for (int i = 0; i < N; i++)
            if (float.IsPositiveInfinity(bestNorm[i]))
            {
                _best.CopySamples(i, _fallback, i, 1);
                _bestRaw.CopySamples(i, _fallbackRaw, i, 1);
            }

        // A fresh prediction on exactly the returned images decides success (the harness's
        // check, through the uncounted model: it is not the attack's query).
        float[] logits = _judge.Logits(_best).ToArray();
        int k = _judge.Classes;
        int bad = Array.FindIndex(logits, v => !float.IsFinite(v));
        if (bad >= 0)
            throw new NonFiniteException($"the model's logits of image {bad / k} are {logits[bad]} (a diverged network?): attack {attack} cannot be judged");
        int[] predicted = new int[N];
        bool[] success = new bool[N];
        for (int i = 0; i < N; i++)
        {
            var row = logits.AsSpan(i * k, k);
            predicted[i] = Criterion.ArgMax(row);
            success[i] = Criterion.IsMet(row, i);
            if (!success[i]) _budgets[i] = float.NaN;
        }
        float[] images = _best.ToArray();
        var (l2, linf, l0) = Distortion.Measure(images, XHost, N);

        _owned.Remove(_best); // ownership moves to the result
        _owned.Remove(_bestRaw);
        foreach (var t in _budgetImages) _owned.Remove(t);
        var perBudget = new bool[N, _budgetList.Count];
        for (int b = 0; b < _budgetList.Count; b++)
            for (int i = 0; i < N; i++) perBudget[i, b] = _budgetSuccess[b][i];
        return new AttackResult(attack, _best, _bestRaw, Criterion, predicted, success, l2, linf, l0,
                                [.. _counter.Backwards], [.. _counter.Forwards], (float[])_budgets.Clone(), Quantize, _clock.Elapsed)
        {
            BudgetList = [.. _budgetList],
            SuccessPerBudget = perBudget,
            PerBudget = _keepPerBudget ? [.. _budgetImages] : null,
            BudgetExhausted = budgetExhausted,
            QueryBestL2 = _tracker?.BestL2(),
        };
    }

    /// <summary>Releases every tensor the session allocated (not the caller's images).</summary>
    public void Dispose()
    {
        foreach (var t in _owned) t.Dispose();
        _owned.Clear();
        _liveRows?.Dispose();
        _tracker?.Dispose();
    }
}
