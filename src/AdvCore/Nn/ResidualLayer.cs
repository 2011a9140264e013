namespace AdvCore.Nn;

/// <summary>
/// y = x + body(x); the body must map its input shape to itself. Body parameters are named
/// "{i}.body.{j}.weight" and so on.
/// </summary>
public sealed record ResidualLayer(IReadOnlyList<LayerSpec> Body) : LayerSpec
{
    /// <summary>A residual block from the body layers in order.</summary>
    public ResidualLayer(params LayerSpec[] body) : this((IReadOnlyList<LayerSpec>)body) { }

    /// <inheritdoc />
    public override string ToString() => $"Residual[{string.Join(" -> ", Body)}]";
}
