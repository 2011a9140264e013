namespace AdvCore.Nn;

/// <summary>
/// Fully connected layer y = x wᵀ + b with weights [out, in] ("{i}.weight") and bias ("{i}.bias");
/// an input with several dimensions per sample is flattened implicitly.
/// </summary>
public sealed record LinearLayer(int OutFeatures, bool Bias = true) : LayerSpec
{
    /// <inheritdoc />
    public override string ToString() => $"Linear({OutFeatures}{(Bias ? "" : ", no bias")})";
}
