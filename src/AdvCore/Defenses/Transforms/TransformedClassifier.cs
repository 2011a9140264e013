using AdvCore.Attacks;
using AdvCore.Nn;

namespace AdvCore.Defenses;

/// <summary>
/// A classifier defended by input transforms applied before the wrapped one: logits of T(x). Its
/// input gradient is BPDA (Athalye et al. 2018; thesis §6.6): the gradient of the wrapped
/// classifier at T(x), the non-differentiable T taken as the identity in the backward pass — so
/// any gradient attack run on it is the adaptive white-box attack; run on the bare model and judged
/// here (advcore transfer), the oblivious one.
/// </summary>
public sealed class TransformedClassifier : IClassifier, IDisposable
{
    private Tensor? _transformed;

    /// <summary>Applies <paramref name="transforms"/> in order before <paramref name="inner"/> (not owned).</summary>
    /// <exception cref="ArgumentException">No transform.</exception>
    public TransformedClassifier(IClassifier inner, IReadOnlyList<IInputTransform> transforms)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(transforms);
        if (transforms.Count == 0) throw new ArgumentException("a transformed classifier needs at least one transform", nameof(transforms));
        Inner = inner;
        Transforms = transforms;
    }

    /// <summary>The defended classifier.</summary>
    public IClassifier Inner { get; }

    /// <summary>The transforms, in the order applied.</summary>
    public IReadOnlyList<IInputTransform> Transforms { get; }

    /// <summary>The transforms as the command line writes them, e.g. "bit-depth:1+median:2".</summary>
    public string Name => string.Join('+', Transforms.Select(t => t.Name));

    /// <inheritdoc />
    public Context Context => Inner.Context;

    /// <inheritdoc />
    public IReadOnlyList<int> InputShape => Inner.InputShape;

    /// <inheritdoc />
    public int Classes => Inner.Classes;

    /// <inheritdoc />
    public int PassesPerImage => Inner.PassesPerImage;

    /// <inheritdoc />
    public int GradientPassesPerImage => Inner.GradientPassesPerImage;

    /// <summary>T(x) for a batch x, in a buffer of this classifier.</summary>
    public Tensor Transform(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        float[] host = x.ToArray();
        foreach (var t in Transforms) t.Apply(host, (int)x.BatchSize, InputShape);
        if (_transformed is null || !_transformed.HasShape(x.Shape))
        {
            _transformed?.Dispose();
            _transformed = Tensor.Zeros(Context, x.Shape);
        }
        _transformed.CopyFrom(host);
        return _transformed;
    }

    /// <inheritdoc />
    public Tensor Logits(Tensor x) => Inner.Logits(Transform(x));

    /// <inheritdoc />
    public GradientResult Gradient(Tensor x, Tensor labels, LossKind loss, float lossParam = 0) =>
        Inner.Gradient(Transform(x), labels, loss, lossParam);

    /// <inheritdoc />
    public GradientResult GradientOfLogits(Tensor x, Tensor logitGradient) => Inner.GradientOfLogits(Transform(x), logitGradient);

    /// <summary>Releases the transform buffer (not the wrapped classifier).</summary>
    public void Dispose() => _transformed?.Dispose();
}
