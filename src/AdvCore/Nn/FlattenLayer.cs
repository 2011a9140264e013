namespace AdvCore.Nn;

/// <summary>Flattens each sample to one dimension: [C,H,W] → [C·H·W].</summary>
public sealed record FlattenLayer : LayerSpec
{
    /// <inheritdoc />
    public override string ToString() => "Flatten";
}
