using AdvCore.Attacks;
using AdvCore.Nn;

namespace AdvCore.Defenses;

/// <summary>
/// Expectation over transformation (Athalye et al. 2018) for any randomized classifier (a
/// smoothing defense, a random input transform): every call averages k calls of the wrapped
/// classifier, each on its own fresh randomness: logits, losses and input gradients. Any gradient
/// attack given this wrapper attacks the expectation instead of one random draw. The wrapper
/// owns no randomness; a deterministic classifier gives k identical draws.
/// </summary>
public sealed class ExpectationOverTransformation : IClassifier, IDisposable
{
    private Tensor? _loss, _logits, _gradient, _ones;

    /// <summary>Averages <paramref name="draws"/> calls of <paramref name="randomized"/> (not owned).</summary>
    /// <exception cref="ArgumentOutOfRangeException">draws &lt; 1.</exception>
    public ExpectationOverTransformation(IClassifier randomized, int draws)
    {
        ArgumentNullException.ThrowIfNull(randomized);
        OptionChecks.AtLeast(draws, 1, "draws");
        Inner = randomized;
        Draws = draws;
    }

    /// <summary>The randomized classifier.</summary>
    public IClassifier Inner { get; }

    /// <summary>Draws k averaged per call.</summary>
    public int Draws { get; }

    /// <inheritdoc />
    public Context Context => Inner.Context;

    /// <inheritdoc />
    public IReadOnlyList<int> InputShape => Inner.InputShape;

    /// <inheritdoc />
    public int Classes => Inner.Classes;

    /// <inheritdoc />
    public int PassesPerImage => Draws * Inner.PassesPerImage;

    /// <inheritdoc />
    public int GradientPassesPerImage => Draws * Inner.GradientPassesPerImage;

    /// <inheritdoc />
    public Tensor Logits(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        _logits = Reshape(_logits, [x.BatchSize, Classes]);
        _logits.Fill(0f);
        var w = Weights(x.BatchSize);
        for (int k = 0; k < Draws; k++) Ops.BatchAxpy(w, Inner.Logits(x), _logits);
        return _logits;
    }

    /// <inheritdoc />
    public GradientResult Gradient(Tensor x, Tensor labels, LossKind loss, float lossParam = 0)
    {
        ArgumentNullException.ThrowIfNull(x);
        _loss = Reshape(_loss, [x.BatchSize]);
        _logits = Reshape(_logits, [x.BatchSize, Classes]);
        _gradient = Reshape(_gradient, x.Shape);
        foreach (var t in new[] { _loss, _logits, _gradient }) t.Fill(0f);
        var w = Weights(x.BatchSize);
        for (int k = 0; k < Draws; k++)
        {
            var g = Inner.Gradient(x, labels, loss, lossParam);
            Ops.BatchAxpy(w, g.Loss, _loss);
            Ops.BatchAxpy(w, g.Logits, _logits);
            Ops.BatchAxpy(w, g.Gradient, _gradient);
        }
        return new GradientResult(_loss, _logits, _gradient);
    }

    private Tensor Weights(long n)
    {
        if (_ones is null || _ones.Count != n)
        {
            _ones?.Dispose();
            _ones = Tensor.Zeros(Context, [n]);
        }
        _ones.Fill(1f / Draws);
        return _ones;
    }

    private Tensor Reshape(Tensor? t, ReadOnlySpan<long> shape)
    {
        if (t is not null && t.HasShape(shape)) return t;
        t?.Dispose();
        return Tensor.Zeros(Context, shape);
    }

    /// <summary>Releases the buffers (not the wrapped classifier).</summary>
    public void Dispose()
    {
        foreach (var t in new[] { _loss, _logits, _gradient, _ones }) t?.Dispose();
    }
}
