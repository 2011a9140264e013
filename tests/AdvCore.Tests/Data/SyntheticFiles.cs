using System.Buffers.Binary;
using System.IO.Compression;

namespace AdvCore.Tests.Data;

/// <summary>Writes tiny IDX and CIFAR-10 files (raw or gzipped) with known content into a temp folder.</summary>
internal sealed class SyntheticFiles : IDisposable
{
    internal SyntheticFiles()
    {
        Folder = Path.Combine(Path.GetTempPath(), $"advcore-data-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Folder);
    }

    internal string Folder { get; }

    public void Dispose() => Directory.Delete(Folder, recursive: true);

    /// <summary>Pixel byte i of image n: deterministic and varied, covering 0 and 255.</summary>
    internal static byte PixelByte(int image, int i) => (byte)((image * 37 + i * 11) % 256);

    internal static byte[] IdxImages(int count, int rows, int columns, int magic = 0x00000803)
    {
        var bytes = new byte[16 + count * rows * columns];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), columns);
        for (int n = 0; n < count; n++)
            for (int i = 0; i < rows * columns; i++) bytes[16 + n * rows * columns + i] = PixelByte(n, i);
        return bytes;
    }

    internal static byte[] IdxLabels(params byte[] labels)
    {
        var bytes = new byte[8 + labels.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, 0x00000801);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), labels.Length);
        labels.CopyTo(bytes, 8);
        return bytes;
    }

    internal static byte[] CifarBatch(params byte[] labels)
    {
        var bytes = new byte[labels.Length * 3073];
        for (int n = 0; n < labels.Length; n++)
        {
            bytes[n * 3073] = labels[n];
            for (int i = 0; i < 3072; i++) bytes[n * 3073 + 1 + i] = PixelByte(n, i);
        }
        return bytes;
    }

    /// <summary>Writes <paramref name="content"/> as <paramref name="name"/> (gzipped when the name ends in .gz); returns the path.</summary>
    internal string Write(string name, byte[] content)
    {
        string path = Path.Combine(Folder, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, name.EndsWith(".gz", StringComparison.Ordinal) ? Gzip(content) : content);
        return path;
    }

    internal static byte[] Gzip(byte[] content)
    {
        using var buffer = new MemoryStream();
        using (var gz = new GZipStream(buffer, CompressionLevel.Fastest)) gz.Write(content);
        return buffer.ToArray();
    }

    /// <summary>A small MNIST-shaped test split (3 images of 28×28, labels 7 2 1) under <paramref name="subfolder"/>.</summary>
    internal void WriteMnistTest(string subfolder, int count = 3, bool gz = true)
    {
        string ext = gz ? ".gz" : "";
        Write(Path.Combine(subfolder, "t10k-images-idx3-ubyte" + ext), IdxImages(count, 28, 28));
        Write(Path.Combine(subfolder, "t10k-labels-idx1-ubyte" + ext), IdxLabels([.. Enumerable.Range(0, count).Select(i => (byte)(i % 10))]));
    }
}
