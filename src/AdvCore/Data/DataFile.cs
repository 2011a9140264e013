using System.IO.Compression;

namespace AdvCore.Data;

/// <summary>
/// Opens a dataset file whether or not it is gzipped (decided by the gzip magic bytes, not the
/// name, so a renamed file still works) and reads exact byte counts, turning short reads and bad
/// gzip streams into <see cref="DatasetFormatException"/>s that name the file.
/// </summary>
internal static class DataFile
{
    private const int BufferSize = 1 << 20;

    /// <summary>A stream of the file's (decompressed) content.</summary>
    internal static Stream OpenContent(string path)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize);
        try
        {
            Span<byte> magic = stackalloc byte[2];
            int read = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
            file.Position = 0;
            if (read == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
                return new BufferedStream(new GZipStream(file, CompressionMode.Decompress), BufferSize);
            return file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    // Deflate's best case: 258-byte matches coded in about 2 bits each.
    private const long MaxDeflateRatio = 1032;

    /// <summary>
    /// The content length to expect: the file size, or for gzip the ISIZE trailer (uncompressed
    /// size mod 2³²). Only a capacity hint; the reader checks the real length.
    /// </summary>
    internal static int ContentLengthHint(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
        Span<byte> probe = stackalloc byte[4];
        if (file.Length < 18 || file.ReadAtLeast(probe[..2], 2, throwOnEndOfStream: false) < 2 || probe[0] != 0x1f || probe[1] != 0x8b)
            return (int)Math.Min(file.Length, Array.MaxLength);
        file.Position = file.Length - 4;
        file.ReadExactly(probe);
        // Deflate inflates at most ~1032:1, so a trailer claiming more than that is corrupt: trust the bound instead.
        long bound = Math.Min(file.Length * MaxDeflateRatio, Array.MaxLength);
        return (int)Math.Min(System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(probe), bound);
    }

    /// <summary>Fills <paramref name="buffer"/>; <paramref name="offset"/> (bytes consumed so far) makes the truncation message give file offsets.</summary>
    internal static void ReadExactly(Stream stream, string path, Span<byte> buffer, long offset, long expectedTotal)
    {
        int read = ReadAll(stream, path, buffer);
        if (read < buffer.Length)
            throw new DatasetFormatException(path, $"truncated: expected {expectedTotal} bytes, found {offset + read}");
    }

    /// <summary>
    /// Reads the <paramref name="payload"/> bytes a header announced. A plain file shorter than that
    /// is refused before anything is allocated; a compressed stream is read in chunks, so a forged
    /// header claiming gigabytes costs only what the stream really holds (fuzzing found both).
    /// </summary>
    internal static byte[] ReadPayload(Stream stream, string path, long payload, long offset, long expectedTotal)
    {
        if (stream.CanSeek && stream.Length - offset < payload)
            throw new DatasetFormatException(path, $"truncated: expected {expectedTotal} bytes, found {stream.Length}");
        const int Chunk = 16 << 20;
        if (stream.CanSeek || payload <= Chunk)
        {
            var whole = new byte[payload];
            ReadExactly(stream, path, whole, offset, expectedTotal);
            return whole;
        }
        var chunks = new List<byte[]>();
        long read = 0;
        while (read < payload)
        {
            var chunk = new byte[Math.Min(Chunk, payload - read)];
            int n = ReadAll(stream, path, chunk);
            if (n < chunk.Length) throw new DatasetFormatException(path, $"truncated: expected {expectedTotal} bytes, found {offset + read + n}");
            chunks.Add(chunk);
            read += n;
        }
        var result = new byte[payload];
        long at = 0;
        foreach (var chunk in chunks)
        {
            chunk.CopyTo(result, at);
            at += chunk.Length;
        }
        return result;
    }

    /// <summary>Throws when anything follows the expected content: a wrong count in the header or a concatenated file.</summary>
    internal static void ExpectEnd(Stream stream, string path, long expectedTotal)
    {
        Span<byte> probe = stackalloc byte[4096];
        long extra = 0;
        int n;
        while ((n = ReadAll(stream, path, probe)) > 0) extra += n;
        if (extra > 0)
            throw new DatasetFormatException(path, $"expected {expectedTotal} bytes, found {expectedTotal + extra} ({extra} extra bytes after the data)");
    }

    /// <summary>Reads until <paramref name="buffer"/> is full or the stream ends; returns the bytes read.</summary>
    private static int ReadAll(Stream stream, string path, Span<byte> buffer)
    {
        try { return stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false); }
        catch (InvalidDataException e) { throw CorruptGzip(path, e); }
    }

    /// <summary>
    /// The error for a damaged gzip stream. GZipStream reports every zlib data error as "unsupported
    /// compression method" and without the file, which sends users looking for a format problem;
    /// the cause is a corrupt or cut-off download, so say that and name the file.
    /// </summary>
    internal static DatasetFormatException CorruptGzip(string path, InvalidDataException e) =>
        new(path, "corrupt or truncated gzip file (its compressed data is damaged; download or copy it again)", e);
}
