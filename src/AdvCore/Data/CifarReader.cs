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
        ReadOnlyMemory<byte> content = ReadChecked(path);
        int count = content.Length / RecordSize;
        var labels = new byte[count];
        var pixels = new byte[(long)count * ImageBytes];
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<byte> record = content.Span.Slice(i * RecordSize, RecordSize);
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
        var contents = new ReadOnlyMemory<byte>[batchPaths.Count];
        // Decompression dominates; batches are independent, so read them in parallel.
        ParallelLoop.For(0, contents.Length, b => contents[b] = ReadChecked(batchPaths[b]));
        var firstRecord = new int[contents.Length + 1];
        for (int b = 0; b < contents.Length; b++) firstRecord[b + 1] = firstRecord[b] + contents[b].Length / RecordSize;
        int count = firstRecord[^1];
        var pixels = new float[(long)count * ImageBytes];
        var labels = new int[count];
        // Records go straight from the decompressed bytes into the float array: no intermediate copy.
        ParallelLoop.For(0, contents.Length, b =>
        {
            ReadOnlySpan<byte> content = contents[b].Span;
            for (int i = 0, n = firstRecord[b]; n < firstRecord[b + 1]; i++, n++)
            {
                ReadOnlySpan<byte> record = content.Slice(i * RecordSize, RecordSize);
                labels[n] = record[0];
                PixelScale.ToUnit(record[1..], pixels.AsSpan(n * ImageBytes, ImageBytes));
            }
        });
        return new LabeledImages(name, 3, 32, 32, Classes, pixels, labels, trusted: true);
    }

    // The whole (decompressed) batch, with its length and every label checked.
    private static ReadOnlyMemory<byte> ReadChecked(string path)
    {
        ReadOnlyMemory<byte> content = ReadContent(path);
        if (content.Length % RecordSize != 0)
            throw new DatasetFormatException(path,
                $"length {content.Length} is not a multiple of the {RecordSize}-byte record ({content.Length / RecordSize} whole records + {content.Length % RecordSize} bytes)");
        ReadOnlySpan<byte> span = content.Span;
        for (int i = 0; i < span.Length / RecordSize; i++)
            if (span[i * RecordSize] >= Classes)
                throw new DatasetFormatException(path, $"label {span[i * RecordSize]} at index {i} is outside 0..{Classes - 1}");
        return content;
    }

    private const int MaxBatchRecords = 60000;
    private const long MaxBatchBytes = (long)MaxBatchRecords * RecordSize;

    // A batch has no header, so its size is only known after decompression.
    private static ReadOnlyMemory<byte> ReadContent(string path)
    {
        using Stream stream = DataFile.OpenContent(path);
        // One spare byte so a correct hint never makes the stream grow (and copy) at the end.
        // The hint comes from the gzip trailer, which a corrupt file can set to gigabytes: capped.
        var buffer = new MemoryStream((int)Math.Min(DataFile.ContentLengthHint(path), MaxBatchBytes) + 1);
        var chunk = new byte[1 << 20];
        try
        {
            for (int read; (read = stream.Read(chunk)) > 0;)
            {
                // A corrupt or hostile gzip can inflate without end (found by fuzzing): stop at the
                // whole training set's size instead of running out of memory.
                if (buffer.Length + read > MaxBatchBytes)
                    throw new DatasetFormatException(path, $"holds more than {MaxBatchRecords} records ({MaxBatchBytes} bytes); a CIFAR-10 batch holds 10000");
                buffer.Write(chunk, 0, read);
            }
        }
        catch (InvalidDataException e) { throw DataFile.CorruptGzip(path, e); }
        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }
}
