namespace AdvCore;

/// <summary>
/// Base of every error AdvCore reports. <see cref="Status"/> is the native status code (or the
/// closest one for errors detected on the managed side) and <see cref="NativeMessage"/> the
/// engine's own message when the error came from native code.
/// </summary>
public class AdvCoreException : Exception
{
    /// <summary>Creates an exception for <paramref name="status"/>.</summary>
    public AdvCoreException(AdvCoreStatus status, string message, string? nativeMessage = null, Exception? inner = null)
        : base(message, inner)
    {
        Status = status;
        NativeMessage = nativeMessage;
    }

    /// <summary>The native status code this error corresponds to.</summary>
    public AdvCoreStatus Status { get; }

    /// <summary>The message from <c>ac_last_error()</c>, or null when the error was raised in .NET.</summary>
    public string? NativeMessage { get; }
}
