namespace AdvCore.Nn;

/// <summary>Max pool with a square window; <paramref name="Stride"/> 0 means the window size.</summary>
public sealed record MaxPoolLayer(int KernelSize, int Stride = 0, int Padding = 0) : LayerSpec
{
    internal PoolParams Params => PoolParams.Square(KernelSize, Stride, Padding);

    /// <inheritdoc />
    public override string ToString() => $"MaxPool({KernelSize}, stride {Params.StrideH}, pad {Padding})";
}
