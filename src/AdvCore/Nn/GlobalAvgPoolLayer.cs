namespace AdvCore.Nn;

/// <summary>Mean over the spatial dimensions: [C,H,W] → [C].</summary>
public sealed record GlobalAvgPoolLayer : LayerSpec
{
    /// <inheritdoc />
    public override string ToString() => "GlobalAvgPool";
}
