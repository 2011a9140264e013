using AdvCore.Interop;

namespace AdvCore;

/// <summary>
/// Strides and explicit padding of a 2-D convolution: rows added above/below and columns
/// left/right of the input. Build one from a <see cref="Padding"/> with <see cref="ConvPadding"/>.
/// </summary>
public readonly record struct Conv2dParams(int StrideH, int StrideW, int PadTop, int PadBottom, int PadLeft, int PadRight)
{
    /// <summary>Output size along one axis: (in + before + after − kernel) / stride + 1.</summary>
    public static long OutputSize(long input, long kernel, int stride, int padBefore, int padAfter) =>
        (input + padBefore + padAfter - kernel) / stride + 1;

    /// <summary>Output height for an input of <paramref name="height"/> rows and a kernel of <paramref name="kernelH"/>.</summary>
    public long OutputHeight(long height, long kernelH) => OutputSize(height, kernelH, StrideH, PadTop, PadBottom);

    /// <summary>Output width for an input of <paramref name="width"/> columns and a kernel of <paramref name="kernelW"/>.</summary>
    public long OutputWidth(long width, long kernelW) => OutputSize(width, kernelW, StrideW, PadLeft, PadRight);

    internal AcConv2dParams ToNative() => new()
    {
        StrideH = StrideH, StrideW = StrideW,
        PadTop = PadTop, PadBottom = PadBottom, PadLeft = PadLeft, PadRight = PadRight,
    };
}
