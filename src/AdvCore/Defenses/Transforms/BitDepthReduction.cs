namespace AdvCore.Defenses;

/// <summary>
/// Feature squeezing by colour depth (Xu et al. 2017; seed 002's comparison defense: 1 bit MNIST,
/// 3 bits CIFAR-10): each value x ∈ [0, 1] becomes round(x·(2^b − 1)) / (2^b − 1), ties to even as
/// numpy's round (ART's FeatureSqueezing).
/// </summary>
public sealed class BitDepthReduction : IInputTransform
{
    private readonly float _levels;

    /// <summary>Squeezes to <paramref name="bits"/> bits (1..8).</summary>
    /// <exception cref="ArgumentOutOfRangeException">bits outside 1..8.</exception>
    public BitDepthReduction(int bits)
    {
        if (bits is < 1 or > 8) throw new ArgumentOutOfRangeException(nameof(bits), bits, $"bit depth must be in 1..8 (got {bits})");
        Bits = bits;
        _levels = (1 << bits) - 1;
    }

    /// <summary>Bits kept.</summary>
    public int Bits { get; }

    /// <inheritdoc />
    public string Name => $"bit-depth:{Bits}";

    /// <inheritdoc />
    public void Apply(Span<float> images, int count, IReadOnlyList<int> shape)
    {
        foreach (ref float v in images) v = MathF.Round(v * _levels, MidpointRounding.ToEven) / _levels;
    }
}
