namespace AdvCore.Data;

/// <summary>
/// Reads CIFAR-10 binary batches (data_batch_N.bin, test_batch.bin; raw or gzipped). A batch is a
/// headerless run of 3073-byte records: one label byte, then the red, green and blue 32×32 planes,
/// row-major. That is already CHW order, so each record's pixels are copied straight into NCHW.
/// </summary>
public static class CifarReader
{
    /// <summary>Bytes per record: 1 label + 3·32·32 pixels.</summary>
    public const int RecordSize = 1 + ImageBytes;

    private const int ImageBytes = 3 * 32 * 32;
    private const int Classes = 10;

    /// <summary>Reads one batch: its labels and raw pixel bytes (CHW per image).</summary>
    public static (byte[] Labels, byte[] Pixels) ReadBatch(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ReadOnlySpan<byte> content = ReadContent(path).Span;
        if (content.Length % RecordSize != 0)
            throw new DatasetFormatException(path,
                $"length {content.Length} is not a multiple of the {RecordSize}-byte record ({content.Length / RecordSize} whole records + {content.Length % RecordSize} bytes)");
        int count = content.Length / RecordSize;
        var labels = new byte[count];
        var pixels = new byte[(long)count * ImageBytes];
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<byte> record = content.Slice(i * RecordSize, RecordSize);
            if (record[0] >= Classes)
                throw new DatasetFormatException(path, $"label {record[0]} at index {i} is outside 0..{Classes - 1}");
            labels[i] = record[0];
            record[1..].CopyTo(pixels.AsSpan(i * ImageBytes, ImageBytes));
        }
        return (labels, pixels);
    }

    /// <summary>Reads the batches in order and concatenates them into one set named <paramref name="name"/>.</summary>
    public static LabeledImages Load(string name, IReadOnlyList<string> batchPaths)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(batchPaths);
        if (batchPaths.Count == 0) throw new ArgumentException("no CIFAR-10 batch files given", nameof(batchPaths));
        var batches = new (byte[] Labels, byte[] Pixels)[batchPaths.Count];
        // Decompression dominates; batches are independent, so read them in parallel.
        Parallel.For(0, batches.Length, b => batches[b] = ReadBatch(batchPaths[b]));
        int count = batches.Sum(b => b.Labels.Length);
        var pixels = new float[(long)count * ImageBytes];
        var labels = new int[count];
        int at = 0;
        foreach (var (batchLabels, batchPixels) in batches)
        {
            PixelScale.ToUnit(batchPixels, pixels.AsSpan(at * ImageBytes, batchPixels.Length));
            for (int i = 0; i < batchLabels.Length; i++) labels[at + i] = batchLabels[i];
            at += batchLabels.Length;
        }
        return new LabeledImages(name, 3, 32, 32, Classes, pixels, labels, trusted: true);
    }

    // A batch has no header, so its size is only known after decompression.
    private static ReadOnlyMemory<byte> ReadContent(string path)
    {
        using Stream stream = DataFile.OpenContent(path);
        var buffer = new MemoryStream(stream.CanSeek ? (int)Math.Min(stream.Length, Array.MaxLength) : 31 << 20);
        try { stream.CopyTo(buffer); }
        catch (InvalidDataException e) { throw new DatasetFormatException(path, $"corrupt gzip stream ({e.Message})", e); }
        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }
}
