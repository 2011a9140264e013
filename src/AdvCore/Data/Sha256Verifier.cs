using System.Security.Cryptography;

namespace AdvCore.Data;

/// <summary>SHA-256 checks of dataset files, as stored or after decompression.</summary>
public static class Sha256Verifier
{
    /// <summary>The lowercase hex SHA-256 of everything left in <paramref name="stream"/>.</summary>
    public static string Compute(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>The hash of the file's bytes as stored.</summary>
    public static string ComputeFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return Compute(stream);
    }

    /// <summary>The hash of the file's content: gunzipped when it is gzip, as stored otherwise.</summary>
    public static string ComputeContent(string path)
    {
        using Stream stream = DataFile.OpenContent(path);
        try { return Compute(stream); }
        catch (InvalidDataException e) { throw DataFile.CorruptGzip(path, e); }
    }

    /// <summary>Throws <see cref="ChecksumMismatchException"/> unless the stored file hashes to <paramref name="expectedSha256"/>.</summary>
    public static void Verify(string path, string expectedSha256) => Check(path, expectedSha256, ComputeFile(path));

    /// <summary>
    /// Throws <see cref="ChecksumMismatchException"/> unless the file's (decompressed) content hashes
    /// to <paramref name="expectedSha256"/>. Content hashes survive recompression, so one table serves
    /// the official .gz, a mirror's re-gzipped copy and an unpacked file alike.
    /// </summary>
    public static void VerifyContent(string path, string expectedSha256) => Check(path, expectedSha256, ComputeContent(path));

    private static void Check(string path, string expected, string actual)
    {
        ArgumentException.ThrowIfNullOrEmpty(expected);
        if (!string.Equals(expected, actual, StringComparison.OrdinalIgnoreCase))
            throw new ChecksumMismatchException(path, expected.ToLowerInvariant(), actual);
    }
}
