namespace AdvCore;

/// <summary>An input held NaN or infinity where that is refused (images, logits, hyper-parameters).</summary>
public sealed class NonFiniteException : AdvCoreException
{
    /// <summary>Creates the exception; <paramref name="nativeMessage"/> is null for errors found in .NET.</summary>
    public NonFiniteException(string message, string? nativeMessage = null, Exception? inner = null)
        : base(AdvCoreStatus.NonFinite, message, nativeMessage, inner) { }
}
