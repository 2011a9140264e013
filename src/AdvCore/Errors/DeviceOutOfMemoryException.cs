namespace AdvCore;

/// <summary>An allocation on the context's device failed (host memory for a CPU context, GPU memory for CUDA).</summary>
public sealed class DeviceOutOfMemoryException : AdvCoreException
{
    /// <summary>Creates the exception; <paramref name="nativeMessage"/> is null for errors found in .NET.</summary>
    public DeviceOutOfMemoryException(string message, string? nativeMessage = null, Exception? inner = null)
        : base(AdvCoreStatus.OutOfMemory, message, nativeMessage, inner) { }
}
