namespace AdvCore;

/// <summary>The requested backend is not present on this machine (for example "CUDA is not available: ...").</summary>
public sealed class DeviceUnavailableException : AdvCoreException
{
    /// <summary>Creates the exception; <paramref name="nativeMessage"/> is null for errors found in .NET.</summary>
    public DeviceUnavailableException(string message, string? nativeMessage = null, Exception? inner = null)
        : base(AdvCoreStatus.NotAvailable, message, nativeMessage, inner) { }
}
