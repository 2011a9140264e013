using Microsoft.Win32.SafeHandles;

namespace AdvCore.Interop;

/// <summary>Owns one native <c>ac_context*</c>; releasing it calls <c>ac_context_destroy</c>.</summary>
internal sealed class ContextHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    // The marshaller creates instances for `out ContextHandle` parameters.
    public ContextHandle() : base(ownsHandle: true) { }

    protected override bool ReleaseHandle() => Native.ac_context_destroy(handle) == NativeStatus.Ok;
}
