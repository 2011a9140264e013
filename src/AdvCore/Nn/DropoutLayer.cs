namespace AdvCore.Nn;

/// <summary>Inverted dropout with drop probability <paramref name="P"/> in [0, 1); the identity in eval mode.</summary>
public sealed record DropoutLayer(float P) : LayerSpec
{
    /// <inheritdoc />
    public override string ToString() => $"Dropout({P})";
}
