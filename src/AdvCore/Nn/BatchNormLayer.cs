namespace AdvCore.Nn;

/// <summary>
/// Batch norm per channel (of [C,H,W] or [C] inputs): "{i}.weight" (γ, init 1), "{i}.bias" (β,
/// init 0) and the buffers "{i}.running_mean" (0) and "{i}.running_var" (1), PyTorch conventions.
/// </summary>
public sealed record BatchNormLayer(float Momentum = 0.1f, float Eps = 1e-5f) : LayerSpec
{
    /// <inheritdoc />
    public override string ToString() => $"BatchNorm(momentum {Momentum}, eps {Eps})";
}
