using Microsoft.Win32.SafeHandles;

namespace AdvCore.Smoothing;

/// <summary>Owns one native <c>ac_smoothing_graph*</c>; releasing it calls <c>ac_smoothing_graph_destroy</c>.</summary>
internal sealed class SmoothingGraphHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    // The marshaller creates instances for `out SmoothingGraphHandle` parameters.
    public SmoothingGraphHandle() : base(ownsHandle: true) { }

    protected override bool ReleaseHandle() => SmoothingNative.ac_smoothing_graph_destroy(handle) == 0;
}
