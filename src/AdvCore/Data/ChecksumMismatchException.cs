namespace AdvCore.Data;

/// <summary>A file's SHA-256 differs from the known hash of the official file (corrupt or tampered download).</summary>
public sealed class ChecksumMismatchException : DatasetFormatException
{
    /// <summary>Creates the exception; both hashes are lowercase hex.</summary>
    public ChecksumMismatchException(string path, string expectedSha256, string actualSha256)
        : base(path, $"SHA-256 mismatch: expected {expectedSha256}, actual {actualSha256}")
    {
        ExpectedSha256 = expectedSha256;
        ActualSha256 = actualSha256;
    }

    /// <summary>The hash of the official file.</summary>
    public string ExpectedSha256 { get; }

    /// <summary>The hash of what was read.</summary>
    public string ActualSha256 { get; }
}
