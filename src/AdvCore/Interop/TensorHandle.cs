using Microsoft.Win32.SafeHandles;

namespace AdvCore.Interop;

/// <summary>Owns one native <c>ac_tensor*</c>; releasing it calls <c>ac_tensor_destroy</c>.</summary>
internal sealed class TensorHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    /// <summary>
    /// Stands for a NULL tensor argument (optional operands such as a bias). It owns nothing and
    /// is never closed, so the marshaller passes a null pointer for it.
    /// </summary>
    internal static readonly TensorHandle Null = new(ownsHandle: false);

    // The marshaller creates instances for `out TensorHandle` parameters.
    public TensorHandle() : base(ownsHandle: true) { }

    private TensorHandle(bool ownsHandle) : base(ownsHandle) { }

    protected override bool ReleaseHandle() => Native.ac_tensor_destroy(handle) == NativeStatus.Ok;
}
