namespace AdvCore.Nn;

/// <summary>
/// 2-D convolution with <paramref name="OutChannels"/> square <paramref name="KernelSize"/> filters,
/// weights OIHW ("{i}.weight") and an optional bias ("{i}.bias").
/// </summary>
/// <param name="OutChannels">Output channels O.</param>
/// <param name="KernelSize">Kernel height and width.</param>
/// <param name="Stride">Stride in both directions.</param>
/// <param name="Padding">'valid' (the default), 'same' or explicit.</param>
/// <param name="Bias">Whether the layer has a bias (often off before batch norm).</param>
public sealed record Conv2dLayer(int OutChannels, int KernelSize, int Stride = 1, Padding Padding = default, bool Bias = true)
    : LayerSpec
{
    /// <inheritdoc />
    public override string ToString() =>
        $"Conv2d({OutChannels}, {KernelSize}x{KernelSize}, stride {Stride}, {Padding}{(Bias ? "" : ", no bias")})";
}
