namespace AdvCore;

/// <summary>A device (CUDA) call failed; the message names the driver error.</summary>
public sealed class DeviceException : AdvCoreException
{
    /// <summary>Creates the exception; <paramref name="nativeMessage"/> is null for errors found in .NET.</summary>
    public DeviceException(string message, string? nativeMessage = null, Exception? inner = null)
        : base(AdvCoreStatus.Device, message, nativeMessage, inner) { }
}
