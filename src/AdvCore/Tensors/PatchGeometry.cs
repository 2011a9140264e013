using AdvCore.Interop;

namespace AdvCore;

/// <summary>
/// How the patch-replacement defense (thesis §6.3) cuts a feature map [N, D, H, W]: into
/// D / <see cref="SliceDepth"/> slices of consecutive channels and, per slice, square patches of side
/// <see cref="Size"/> (the thesis's 2a+1) placed every <see cref="Stride"/> pixels (1 ≤ stride ≤ size;
/// stride = size: no overlap). Patch rows start at 0, c, 2c, … while the patch fits, plus H − p when the
/// last one misses the bottom edge, so every pixel is covered; likewise columns. A patch is a vector of
/// <see cref="PatchDim"/> = p·p·d values ordered (dy, dx, channel within the slice), channel fastest
/// (advcore.h <c>ac_patch_geometry</c>).
/// </summary>
/// <param name="SliceDepth">Channels per slice d (≥ 1, must divide the map's depth).</param>
/// <param name="Size">Patch side p (≥ 1, at most the map's height and width).</param>
/// <param name="Stride">Distance c between neighbouring patches, in [1, <paramref name="Size"/>].</param>
public readonly record struct PatchGeometry(int SliceDepth, int Size, int Stride)
{
    /// <summary>Values per patch: <see cref="Size"/>² · <see cref="SliceDepth"/>.</summary>
    public int PatchDim => checked(Size * Size * SliceDepth);

    /// <summary>
    /// Patches per slice per image on a map of <paramref name="height"/> × <paramref name="width"/>
    /// (advcore.h <c>ac_patch_count</c>); <see cref="InvalidArgumentException"/> when the geometry does not fit.
    /// </summary>
    public long PatchCount(int height, int width)
    {
        var native = ToNative();
        NativeStatus.Check(Native.ac_patch_count(in native, height, width, out long count));
        return count;
    }

    internal AcPatchGeometry ToNative() => new() { SliceDepth = SliceDepth, Size = Size, Stride = Stride };
}
