using System.Runtime.InteropServices;

namespace AdvCore.Interop;

/// <summary>Blittable mirror of <c>ac_conv2d_params</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct AcConv2dParams
{
    public int StrideH, StrideW;
    public int PadTop, PadBottom, PadLeft, PadRight;
}

/// <summary>Blittable mirror of <c>ac_pool_params</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct AcPoolParams
{
    public int KernelH, KernelW, StrideH, StrideW, PadH, PadW;
}

/// <summary>Blittable mirror of <c>ac_transfer_counts</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct AcTransferCounts
{
    public long HostToDevice, DeviceToHost, Synchronizations;
}

/// <summary>Blittable mirror of <c>ac_patch_geometry</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct AcPatchGeometry
{
    public int SliceDepth, Size, Stride;
}
