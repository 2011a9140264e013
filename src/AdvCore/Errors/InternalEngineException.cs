namespace AdvCore;

/// <summary>A bug inside AdvCore; please report the message.</summary>
public sealed class InternalEngineException : AdvCoreException
{
    /// <summary>Creates the exception; <paramref name="nativeMessage"/> is null for errors found in .NET.</summary>
    public InternalEngineException(string message, string? nativeMessage = null, Exception? inner = null)
        : base(AdvCoreStatus.Internal, message, nativeMessage, inner) { }
}
