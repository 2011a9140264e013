using AdvCore.Data;

namespace AdvCore.Tests.Attacks;

/// <summary>
/// MNIST for the attack tests, through the library's <see cref="DatasetCatalog"/> (no download).
/// Looks in ADVCORE_DATA (and the usual locator roots), then ../shared/datasets above the working directory.
/// </summary>
internal static class MnistIdx
{
    /// <summary>The folder holding the MNIST files, or null.</summary>
    internal static string? Folder()
    {
        var roots = new List<string?> { null };
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            roots.Add(Path.Combine(dir.FullName, "shared", "datasets"));
        foreach (string? root in roots)
        {
            var files = DatasetLocator.TryLocate("mnist", DatasetSplit.Test, root);
            if (files is not null) return Path.GetDirectoryName(files[0]);
        }
        return null;
    }

    /// <summary>The first <paramref name="count"/> images (k/255, [count·784]) and labels of a split.</summary>
    internal static (float[] Images, int[] Labels) Load(string folder, bool train, int count)
    {
        var set = DatasetCatalog.Load("mnist", train ? DatasetSplit.Train : DatasetSplit.Test, folder, allowDownload: false)
            .Take(0, count);
        return (set.Pixels.ToArray(), set.Labels.ToArray());
    }
}
