namespace AdvCore.Data;

/// <summary>
/// A dataset's files are in none of the searched folders (and could not be downloaded). The
/// message lists every folder searched, the files expected there, and how to point AdvCore at a copy.
/// </summary>
public sealed class DatasetNotFoundException : FileNotFoundException
{
    /// <summary>Creates the exception; <paramref name="reason"/> (optional) says why a download did not help.</summary>
    public DatasetNotFoundException(string dataset, DatasetSplit split, IReadOnlyList<string> searched,
        IReadOnlyList<string> expectedFiles, string? reason = null, Exception? inner = null)
        : base(BuildMessage(dataset, split, searched, expectedFiles, reason), inner)
    {
        Dataset = dataset;
        Split = split;
        SearchedFolders = searched;
    }

    /// <summary>The canonical dataset name.</summary>
    public string Dataset { get; }

    /// <summary>The split that was asked for.</summary>
    public DatasetSplit Split { get; }

    /// <summary>The folders looked in, in search order.</summary>
    public IReadOnlyList<string> SearchedFolders { get; }

    private static string BuildMessage(string dataset, DatasetSplit split, IReadOnlyList<string> searched,
        IReadOnlyList<string> expectedFiles, string? reason)
    {
        var text = new System.Text.StringBuilder();
        text.Append($"{dataset} ({split.ToString().ToLowerInvariant()} split) not found. ");
        text.Append($"Expected files: {string.Join(", ", expectedFiles)} (raw or .gz). Searched:");
        foreach (string folder in searched) text.Append($"\n  {folder}");
        if (reason is not null) text.Append($"\n{reason}");
        text.Append("\nFix: pass --data <folder> (a folder holding the files, or a root with ");
        text.Append("mnist/, fashion-mnist/, cifar10/ subfolders), or set ADVCORE_DATA to such a root, ");
        text.Append("or allow the download into ~/.cache/advcore/datasets.");
        return text.ToString();
    }
}
