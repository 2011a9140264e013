namespace AdvCore;

/// <summary>An argument was invalid: a negative or absurd size, an unknown enum value, an out-of-range hyper-parameter, a tensor from another context.</summary>
public sealed class InvalidArgumentException : AdvCoreException
{
    /// <summary>Creates the exception; <paramref name="nativeMessage"/> is null for errors found in .NET.</summary>
    public InvalidArgumentException(string message, string? nativeMessage = null, Exception? inner = null)
        : base(AdvCoreStatus.InvalidArgument, message, nativeMessage, inner) { }
}
