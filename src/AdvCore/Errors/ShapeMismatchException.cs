namespace AdvCore;

/// <summary>Tensor shapes or dtypes do not fit the operation; the message names the operand and both shapes.</summary>
public sealed class ShapeMismatchException : AdvCoreException
{
    /// <summary>Creates the exception; <paramref name="nativeMessage"/> is null for errors found in .NET.</summary>
    public ShapeMismatchException(string message, string? nativeMessage = null, Exception? inner = null)
        : base(AdvCoreStatus.Shape, message, nativeMessage, inner) { }
}
