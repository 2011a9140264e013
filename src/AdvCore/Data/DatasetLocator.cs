namespace AdvCore.Data;

/// <summary>
/// Finds a dataset's files on disk. Roots, in order: the explicit folder (<c>--data</c>), the
/// <c>ADVCORE_DATA</c> environment variable, <c>~/.cache/advcore/datasets</c>, then per-dataset
/// system folders (Fashion-MNIST: <c>/usr/share/datasets/fashion-mnist</c>). In each root the
/// dataset's subfolder (<c>mnist/</c>, <c>fashion-mnist/</c>, <c>cifar10/</c>) is tried first, then
/// the root itself, so a folder holding the files directly works too. The first folder that holds
/// every file of the split wins; each file may be raw or gzipped.
/// </summary>
public static class DatasetLocator
{
    /// <summary>The environment variable naming a data root.</summary>
    public const string EnvironmentVariable = "ADVCORE_DATA";

    /// <summary>The per-user cache root, where downloads go: ~/.cache/advcore/datasets (null without a home folder).</summary>
    public static string? CacheRoot
    {
        get
        {
            string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            return string.IsNullOrEmpty(home) ? null : Path.Combine(home, ".cache", "advcore", "datasets");
        }
    }

    /// <summary>The folders searched for <paramref name="dataset"/>, in order.</summary>
    public static IReadOnlyList<string> SearchFolders(string dataset, string? dataDirectory = null) =>
        SearchFolders(DatasetCatalog.Info(dataset), dataDirectory, Environment.GetEnvironmentVariable(EnvironmentVariable), CacheRoot);

    /// <summary>The full paths of the split's files (in the order the reader needs them), or null when no folder has them all.</summary>
    public static IReadOnlyList<string>? TryLocate(string dataset, DatasetSplit split, string? dataDirectory = null) =>
        FindIn(DatasetCatalog.Info(dataset), split, SearchFolders(dataset, dataDirectory));

    /// <summary>Like <see cref="TryLocate"/> but throws <see cref="DatasetNotFoundException"/> listing the folders searched.</summary>
    public static IReadOnlyList<string> Locate(string dataset, DatasetSplit split, string? dataDirectory = null)
    {
        var info = DatasetCatalog.Info(dataset);
        var folders = SearchFolders(dataset, dataDirectory);
        return FindIn(info, split, folders) ?? throw new DatasetNotFoundException(info.Name, split, folders, info.Files(split));
    }

    // Environment and cache are parameters so tests can check the order without touching the process environment.
    internal static IReadOnlyList<string> SearchFolders(DatasetInfo info, string? dataDirectory, string? environmentRoot, string? cacheRoot)
    {
        var folders = new List<string>();
        foreach (string? root in new[] { dataDirectory, environmentRoot, cacheRoot })
        {
            if (string.IsNullOrWhiteSpace(root)) continue;
            string full = Path.GetFullPath(root);
            foreach (string sub in info.Folders) Add(folders, Path.Combine(full, sub));
            Add(folders, full);
        }
        foreach (string extra in info.ExtraRoots) Add(folders, extra);
        return folders;
    }

    internal static IReadOnlyList<string>? FindIn(DatasetInfo info, DatasetSplit split, IReadOnlyList<string> folders)
    {
        foreach (string folder in folders)
        {
            if (!Directory.Exists(folder)) continue;
            var found = new List<string>();
            foreach (string file in info.Files(split))
            {
                string? path = FindFile(folder, file);
                if (path is null) break;
                found.Add(path);
            }
            if (found.Count == info.Files(split).Count) return found;
        }
        return null;
    }

    // Raw first: if someone unpacked the files, the unpacked copy is the one they meant.
    private static string? FindFile(string folder, string baseName)
    {
        string raw = Path.Combine(folder, baseName);
        if (File.Exists(raw)) return raw;
        string gz = raw + ".gz";
        return File.Exists(gz) ? gz : null;
    }

    private static void Add(List<string> folders, string folder)
    {
        if (!folders.Contains(folder, StringComparer.Ordinal)) folders.Add(folder);
    }
}
