namespace AdvCore.Data;

/// <summary>
/// A dataset file is corrupt or not what its name says: wrong magic number, truncated payload,
/// label out of range, bad checksum. The message always starts with the file, then the problem.
/// </summary>
public class DatasetFormatException : AdvCoreException
{
    /// <summary>Creates the exception for <paramref name="path"/>; <paramref name="problem"/> says what is wrong.</summary>
    public DatasetFormatException(string path, string problem, Exception? inner = null)
        : base(AdvCoreStatus.InvalidArgument, $"{path}: {problem}", null, inner)
    {
        FilePath = path;
        Problem = problem;
    }

    /// <summary>The file (or archive member) that is wrong.</summary>
    public string FilePath { get; }

    /// <summary>What is wrong with it, without the file name.</summary>
    public string Problem { get; }
}
