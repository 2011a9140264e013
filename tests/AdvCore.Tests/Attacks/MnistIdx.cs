using System.IO.Compression;

namespace AdvCore.Tests.Attacks;

/// <summary>
/// A tiny private reader of MNIST IDX files (gzip) for these tests only (the library's data
/// readers live elsewhere). Looks in ADVCORE_DATA/mnist, then ../shared/datasets/mnist above the
/// working directory.
/// </summary>
internal static class MnistIdx
{
    /// <summary>The folder holding the MNIST .gz files, or null.</summary>
    internal static string? Folder()
    {
        var candidates = new List<string>();
        string? env = Environment.GetEnvironmentVariable("ADVCORE_DATA");
        if (!string.IsNullOrEmpty(env)) candidates.Add(Path.Combine(env, "mnist"));
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            candidates.Add(Path.Combine(dir.FullName, "shared", "datasets", "mnist"));
        return candidates.FirstOrDefault(c => File.Exists(Path.Combine(c, "t10k-images-idx3-ubyte.gz")));
    }

    /// <summary>The first <paramref name="count"/> images (k/255, [count·784]) and labels of a split.</summary>
    internal static (float[] Images, int[] Labels) Load(string folder, bool train, int count)
    {
        string prefix = train ? "train" : "t10k";
        byte[] images = ReadGz(Path.Combine(folder, $"{prefix}-images-idx3-ubyte.gz"), 16 + count * 784);
        byte[] labels = ReadGz(Path.Combine(folder, $"{prefix}-labels-idx1-ubyte.gz"), 8 + count);
        if (BigEndian(images, 0) != 2051 || BigEndian(labels, 0) != 2049)
            throw new InvalidDataException($"{folder}: not MNIST IDX files");
        var x = new float[count * 784];
        for (int i = 0; i < x.Length; i++) x[i] = images[16 + i] / 255f;
        var y = new int[count];
        for (int i = 0; i < count; i++) y[i] = labels[8 + i];
        return (x, y);
    }

    private static int BigEndian(byte[] b, int at) => (b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3];

    private static byte[] ReadGz(string path, int bytes)
    {
        using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        var buffer = new byte[bytes];
        gz.ReadExactly(buffer);
        return buffer;
    }
}
