using AdvCore.Interop;

namespace AdvCore;

/// <summary>Window, stride and symmetric padding of a max or average pool.</summary>
public readonly record struct PoolParams(int KernelH, int KernelW, int StrideH, int StrideW, int PadH = 0, int PadW = 0)
{
    /// <summary>A square window of <paramref name="kernel"/> with <paramref name="stride"/> (0 = kernel) and padding.</summary>
    public static PoolParams Square(int kernel, int stride = 0, int padding = 0) =>
        new(kernel, kernel, stride > 0 ? stride : kernel, stride > 0 ? stride : kernel, padding, padding);

    /// <summary>Output height for an input of <paramref name="height"/> rows.</summary>
    public long OutputHeight(long height) => (height + 2L * PadH - KernelH) / StrideH + 1;

    /// <summary>Output width for an input of <paramref name="width"/> columns.</summary>
    public long OutputWidth(long width) => (width + 2L * PadW - KernelW) / StrideW + 1;

    internal AcPoolParams ToNative() => new()
    {
        KernelH = KernelH, KernelW = KernelW, StrideH = StrideH, StrideW = StrideW, PadH = PadH, PadW = PadW,
    };
}
