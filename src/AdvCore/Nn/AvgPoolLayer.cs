namespace AdvCore.Nn;

/// <summary>Average pool with a square window (padding counts as zeros); <paramref name="Stride"/> 0 means the window size.</summary>
public sealed record AvgPoolLayer(int KernelSize, int Stride = 0, int Padding = 0) : LayerSpec
{
    internal PoolParams Params => PoolParams.Square(KernelSize, Stride, Padding);

    /// <inheritdoc />
    public override string ToString() => $"AvgPool({KernelSize}, stride {Params.StrideH}, pad {Padding})";
}
