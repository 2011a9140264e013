using System.Diagnostics;

namespace AdvCore.Data;

/// <summary>
/// The entry point for real data: finds a dataset on disk (see <see cref="DatasetLocator"/>),
/// downloads it into the cache when allowed and absent, and reads it into a <see cref="LabeledImages"/>.
/// </summary>
public static class DatasetCatalog
{
    /// <summary>The canonical dataset names.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. DatasetInfo.All.Select(d => d.Name)];

    /// <summary>
    /// Loads one split. <paramref name="dataDirectory"/> is searched first (a data root or a folder
    /// holding the files). Missing everywhere → downloaded when <paramref name="allowDownload"/>,
    /// otherwise (or when that fails) <see cref="DatasetNotFoundException"/>. Corrupt files →
    /// <see cref="DatasetFormatException"/>.
    /// </summary>
    public static LabeledImages Load(string dataset, DatasetSplit split, string? dataDirectory = null,
        bool allowDownload = true, IProgress<string>? log = null)
    {
        var info = Info(dataset);
        var folders = DatasetLocator.SearchFolders(info.Name, dataDirectory);
        var files = DatasetLocator.FindIn(info, split, folders);
        if (files is null && allowDownload)
        {
            Download(info, split, folders, log);
            files = DatasetLocator.FindIn(info, split, DatasetLocator.SearchFolders(info.Name, dataDirectory));
        }
        if (files is null)
            throw new DatasetNotFoundException(info.Name, split, folders, info.Files(split),
                allowDownload ? null : "Downloading was not allowed.");

        var clock = Stopwatch.StartNew();
        string name = $"{info.Name}/{split.ToString().ToLowerInvariant()}";
        LabeledImages images = info.IsIdx
            ? IdxReader.Load(name, files[0], files[1], info.Classes)
            : CifarReader.Load(name, files);
        if (images.Height != info.Height || images.Width != info.Width)
            throw new DatasetFormatException(files[0], $"images are {images.Height}x{images.Width}, {info.Name} images are {info.Height}x{info.Width}");
        log?.Report($"loaded {name}: {images.Count} images from {Path.GetDirectoryName(files[0])} in {clock.Elapsed.TotalSeconds:F2} s");
        return images;
    }

    /// <summary>The image shape and class count of <paramref name="dataset"/>.</summary>
    public static (int Channels, int Height, int Width, int Classes) ShapeOf(string dataset)
    {
        var info = Info(dataset);
        return (info.Channels, info.Height, info.Width, info.Classes);
    }

    /// <summary>
    /// The canonical name for <paramref name="dataset"/>: case, '-', '_' and spaces are ignored, and
    /// "fmnist"/"fashion" mean Fashion-MNIST. Unknown names → <see cref="ArgumentException"/> listing the valid ones.
    /// </summary>
    public static string Normalize(string dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        string key = new([.. dataset.Trim().ToLowerInvariant().Where(c => c is not ('-' or '_' or ' '))]);
        return key switch
        {
            "mnist" => DatasetInfo.Mnist.Name,
            "fashionmnist" or "fmnist" or "fashion" => DatasetInfo.FashionMnist.Name,
            "cifar10" => DatasetInfo.Cifar10.Name,
            _ => throw new ArgumentException(
                $"unknown dataset '{dataset}'; valid names: {string.Join(", ", Names)} (also fashion_mnist, fmnist, cifar-10)", nameof(dataset)),
        };
    }

    internal static DatasetInfo Info(string dataset)
    {
        string name = Normalize(dataset);
        return DatasetInfo.All.First(d => d.Name == name);
    }

    // Network and disk failures become "not found, and here is why the download did not help";
    // a checksum mismatch stays what it is, since a corrupt download must not look like absence.
    private static void Download(DatasetInfo info, DatasetSplit split, IReadOnlyList<string> folders, IProgress<string>? log)
    {
        try
        {
            new DatasetDownloader().Download(info.Name, null, log);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException
                                     or UnauthorizedAccessException or InvalidOperationException)
        {
            throw new DatasetNotFoundException(info.Name, split, folders, info.Files(split),
                $"Download into {DatasetLocator.CacheRoot} failed: {e.Message}", e);
        }
    }
}
