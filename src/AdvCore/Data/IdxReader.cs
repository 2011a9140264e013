using System.Buffers.Binary;

namespace AdvCore.Data;

/// <summary>
/// Reads the IDX files of MNIST and Fashion-MNIST, gzipped or raw. Layout (big-endian int32s):
/// images = magic 0x00000803, count, rows, columns, then count·rows·columns bytes; labels = magic
/// 0x00000801, count, then count bytes. Every header field and the exact payload length are checked.
/// </summary>
public static class IdxReader
{
    /// <summary>Magic number of an IDX file of unsigned-byte 3-D data (images).</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>Magic number of an IDX file of unsigned-byte 1-D data (labels).</summary>
    public const int LabelsMagic = 0x00000801;

    /// <summary>Reads an image file: the count, the image size and the raw bytes (0 = background, 255 = ink).</summary>
    public static (int Count, int Rows, int Columns, byte[] Pixels) ReadImages(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using Stream stream = DataFile.OpenContent(path);
        Span<byte> header = stackalloc byte[16];
        ReadHeader(stream, path, header, ImagesMagic, "images");
        int count = ReadDim(path, header, 4, "image count", allowZero: true);
        int rows = ReadDim(path, header, 8, "row count", allowZero: false);
        int columns = ReadDim(path, header, 12, "column count", allowZero: false);
        // In double: three header ints can overflow a long (fuzzing found the wrapped, negative size).
        if ((double)count * rows * columns > Array.MaxLength)
            throw new DatasetFormatException(path, $"header claims {count} images of {rows}x{columns}, more than one array can hold");
        long payload = (long)count * rows * columns;
        long total = header.Length + payload;
        byte[] pixels = DataFile.ReadPayload(stream, path, payload, header.Length, total);
        DataFile.ExpectEnd(stream, path, total);
        return (count, rows, columns, pixels);
    }

    /// <summary>Reads a label file; every label must be below <paramref name="classes"/>.</summary>
    public static byte[] ReadLabels(string path, int classes = 10)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        using Stream stream = DataFile.OpenContent(path);
        Span<byte> header = stackalloc byte[8];
        ReadHeader(stream, path, header, LabelsMagic, "labels");
        int count = ReadDim(path, header, 4, "label count", allowZero: true);
        long total = header.Length + (long)count;
        byte[] labels = DataFile.ReadPayload(stream, path, count, header.Length, total);
        DataFile.ExpectEnd(stream, path, total);
        for (int i = 0; i < labels.Length; i++)
            if (labels[i] >= classes)
                throw new DatasetFormatException(path, $"label {labels[i]} at index {i} is outside 0..{classes - 1}");
        return labels;
    }

    /// <summary>Reads an image file and its label file into a single-channel set named <paramref name="name"/>.</summary>
    public static LabeledImages Load(string name, string imagesPath, string labelsPath, int classes = 10)
    {
        ArgumentNullException.ThrowIfNull(name);
        var (count, rows, columns, bytes) = ReadImages(imagesPath);
        byte[] labelBytes = ReadLabels(labelsPath, classes);
        if (labelBytes.Length != count)
            throw new DatasetFormatException(labelsPath, $"holds {labelBytes.Length} labels but {imagesPath} holds {count} images");
        var pixels = new float[bytes.Length];
        PixelScale.ToUnit(bytes, pixels);
        var labels = new int[count];
        for (int i = 0; i < count; i++) labels[i] = labelBytes[i];
        return new LabeledImages(name, 1, rows, columns, classes, pixels, labels, trusted: true);
    }

    // The magic is checked before the rest of the header is read, so a swapped or foreign file
    // is reported as such rather than as a short header.
    private static void ReadHeader(Stream stream, string path, Span<byte> header, int expected, string kind)
    {
        DataFile.ReadExactly(stream, path, header[..4], 0, header.Length);
        CheckMagic(path, header, expected, kind);
        DataFile.ReadExactly(stream, path, header[4..], 4, header.Length);
    }

    private static void CheckMagic(string path, ReadOnlySpan<byte> header, int expected, string kind)
    {
        int magic = BinaryPrimitives.ReadInt32BigEndian(header);
        if (magic == expected) return;
        string hint = magic switch
        {
            ImagesMagic => " (an IDX image file)",
            LabelsMagic => " (an IDX label file)",
            _ => "",
        };
        throw new DatasetFormatException(path, $"wrong magic number 0x{magic:X8}{hint}; IDX {kind} files start with 0x{expected:X8}");
    }

    private static int ReadDim(string path, ReadOnlySpan<byte> header, int at, string what, bool allowZero)
    {
        int value = BinaryPrimitives.ReadInt32BigEndian(header[at..]);
        if (value < 0 || (value == 0 && !allowZero))
            throw new DatasetFormatException(path, $"invalid {what} {value} in the header");
        return value;
    }
}
