using AdvCore.Interop;

namespace AdvCore;

/// <summary>Resolves 'same', 'valid' and explicit padding into <see cref="Conv2dParams"/>.</summary>
public static class ConvPadding
{
    /// <summary>TensorFlow 'same' padding of one axis (<c>ac_conv2d_same_padding</c>): output = ceil(in/stride).</summary>
    public static (int Before, int After) SameAxis(int input, int kernel, int stride)
    {
        NativeStatus.Check(Native.ac_conv2d_same_padding(input, kernel, stride, out int before, out int after));
        return (before, after);
    }

    /// <summary>'same' parameters for an input of <paramref name="height"/>×<paramref name="width"/>.</summary>
    public static Conv2dParams Same(int height, int width, int kernelH, int kernelW, int strideH, int strideW)
    {
        var (top, bottom) = SameAxis(height, kernelH, strideH);
        var (left, right) = SameAxis(width, kernelW, strideW);
        return new Conv2dParams(strideH, strideW, top, bottom, left, right);
    }

    /// <summary>'valid' (unpadded) parameters.</summary>
    public static Conv2dParams Valid(int strideH, int strideW) => new(strideH, strideW, 0, 0, 0, 0);

    /// <summary>Explicit padding.</summary>
    public static Conv2dParams Explicit(int strideH, int strideW, int top, int bottom, int left, int right) =>
        new(strideH, strideW, top, bottom, left, right);

    /// <summary>Resolves <paramref name="padding"/> for an input of <paramref name="height"/>×<paramref name="width"/>.</summary>
    public static Conv2dParams Resolve(Padding padding, int height, int width, int kernelH, int kernelW, int strideH, int strideW) =>
        padding.Mode switch
        {
            PaddingMode.Valid => Valid(strideH, strideW),
            PaddingMode.Same => Same(height, width, kernelH, kernelW, strideH, strideW),
            _ => Explicit(strideH, strideW, padding.Top, padding.Bottom, padding.Left, padding.Right),
        };
}
