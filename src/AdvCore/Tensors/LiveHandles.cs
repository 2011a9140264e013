using AdvCore.Interop;

namespace AdvCore;

/// <summary>
/// The native handles alive in the process: a leak check (advcore soak) reads them before and
/// after a long loop; they return to where they started when every handle was disposed.
/// </summary>
/// <param name="Contexts">Live native contexts.</param>
/// <param name="Tensors">Live native tensors (views included).</param>
/// <param name="TensorBytes">Bytes of tensor storage they hold (shared storage counted once).</param>
public readonly record struct LiveHandles(long Contexts, long Tensors, long TensorBytes)
{
    /// <summary>The counts now.</summary>
    public static LiveHandles Now()
    {
        NativeStatus.Check(Native.ac_live_handles(out long contexts, out long tensors, out long bytes));
        return new LiveHandles(contexts, tensors, bytes);
    }
}
