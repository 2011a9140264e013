namespace AdvCore;

/// <summary>A class label lies outside [0, classes).</summary>
public sealed class LabelOutOfRangeException : AdvCoreException
{
    /// <summary>Creates the exception; <paramref name="nativeMessage"/> is null for errors found in .NET.</summary>
    public LabelOutOfRangeException(string message, string? nativeMessage = null, Exception? inner = null)
        : base(AdvCoreStatus.LabelRange, message, nativeMessage, inner) { }
}
