using System.Diagnostics;
using AdvCore.Nn;

namespace AdvCore.Attacks;

/// <summary>
/// The state of one attack over one batch, shared by every attack: the validated inputs and their
/// host copies, the engine tensors the attack allocates (released together), the gradient-evaluation
/// counter, and the final "offer" protocol that makes the result honest: every candidate image is
/// rounded to the grid (or clipped), predicted afresh and kept only if adversarial and less
/// distorted than what the image already has (<see cref="AttackSteps.KeepBest"/>). The last
/// candidate offered is what a failed image returns.
/// </summary>
public sealed class AttackSession : IDisposable
{
    private readonly List<Tensor> _owned = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Tensor _best;       // per image: the final output so far
    private readonly Tensor _bestNorm;   // its distortion, +inf while no success
    private readonly Tensor _fallback;   // the last candidate (what a failure returns)
    private readonly Tensor _candidate;  // scratch: the rounded candidate being judged
    private readonly float[] _budgets;
    private bool _offered;
    private bool _finished;

    internal AttackSession(IClassifier model, Tensor images, Tensor labels, int[] labelsHost, float[] imagesHost, bool quantize)
    {
        Model = model;
        X = images;
        Labels = labels;
        LabelsHost = labelsHost;
        XHost = imagesHost;
        Quantize = quantize;
        N = (int)images.BatchSize;
        Gradients = new long[N];
        _budgets = new float[N];
        Array.Fill(_budgets, float.NaN);
        _best = NewLike();
        _bestNorm = NewScalars(float.PositiveInfinity);
        _fallback = NewLike();
        _candidate = NewLike();
    }

    /// <summary>The model under attack.</summary>
    public IClassifier Model { get; }

    /// <summary>The original images [N, ...] (never modified).</summary>
    public Tensor X { get; }

    /// <summary>True labels, i32 [N].</summary>
    public Tensor Labels { get; }

    /// <summary>Host copy of the labels.</summary>
    public int[] LabelsHost { get; }

    /// <summary>Host copy of the images (N·d).</summary>
    public float[] XHost { get; }

    /// <summary>Batch size.</summary>
    public int N { get; }

    /// <summary>Elements per image.</summary>
    public long SampleSize => X.SampleSize;

    /// <summary>Whether outputs are rounded to the 8-bit grid.</summary>
    public bool Quantize { get; }

    /// <summary>Gradient evaluations spent per image so far.</summary>
    public long[] Gradients { get; }

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
    /// One gradient evaluation at <paramref name="y"/>, counted for every image (or only where
    /// <paramref name="counted"/> is true). The result's tensors belong to the model.
    /// </summary>
    public GradientResult Gradient(Tensor y, LossKind loss, float lossParam = 0, Tensor? labels = null, bool[]? counted = null)
    {
        var result = Model.Gradient(y, labels ?? Labels, loss, lossParam);
        for (int i = 0; i < N; i++)
            if (counted is null || counted[i]) Gradients[i]++;
        return result;
    }

    // ------------------------------------------------------------------ candidates

    /// <summary>
    /// Judges <paramref name="candidate"/>: rounds it to the grid (or clips it to [0,1]), predicts
    /// it and keeps it for every image where it is adversarial and less distorted than the current
    /// output. It also becomes the fallback returned by images that never succeed.
    /// <paramref name="budget"/> (distortion-targeted attacks) is recorded for the images it improves.
    /// </summary>
    public void Offer(Tensor candidate, float budget = float.NaN)
    {
        _candidate.CopyFrom(candidate);
        if (Quantize) Ops.Quantize8(_candidate);
        else Ops.Clip01(_candidate);
        _fallback.CopyFrom(_candidate);
        float[]? before = float.IsNaN(budget) ? null : _bestNorm.ToArray();
        Tensor logits = Model.Logits(_candidate);
        AttackSteps.KeepBest(X, _candidate, logits, Labels, _best, _bestNorm, null);
        _offered = true;
        if (before is null) return;
        float[] after = _bestNorm.ToArray();
        for (int i = 0; i < N; i++)
            if (after[i] < before[i]) _budgets[i] = budget;
    }

    /// <summary>Host copy of each image's best distortion so far (+inf while it has no success).</summary>
    public float[] BestDistortions() => _bestNorm.ToArray();

    // ------------------------------------------------------------------ result

    internal AttackResult Finish(string attack)
    {
        if (!_offered) throw new InvalidOperationException($"attack {attack} offered no candidate");
        if (_finished) throw new InvalidOperationException("the session is finished");
        _finished = true;

        // Images that never succeeded return the last candidate.
        float[] bestNorm = _bestNorm.ToArray();
        for (int i = 0; i < N; i++)
            if (float.IsPositiveInfinity(bestNorm[i])) _best.CopySamples(i, _fallback, i, 1);

        // A fresh prediction on exactly the returned images decides success.
        int[] predicted = new int[N];
        using (var predictions = Tensor.Zeros(X.Context, [N], DType.I32))
        {
            Ops.ArgMax(Model.Logits(_best), predictions);
            predictions.CopyTo(predicted);
        }
        float[] images = _best.ToArray();
        var (l2, linf, l0) = Distortion.Measure(images, XHost, N);
        for (int i = 0; i < N; i++)
            if (predicted[i] == LabelsHost[i]) _budgets[i] = float.NaN;

        _owned.Remove(_best); // ownership moves to the result
        return new AttackResult(attack, _best, LabelsHost, predicted, l2, linf, l0, (long[])Gradients.Clone(), (float[])_budgets.Clone(),
                                Quantize, _clock.Elapsed);
    }

    /// <summary>Releases every tensor the session allocated (not the caller's images or labels).</summary>
    public void Dispose()
    {
        foreach (var t in _owned) t.Dispose();
        _owned.Clear();
    }
}
