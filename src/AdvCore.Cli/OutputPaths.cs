namespace AdvCore.Cli;

/// <summary>
/// Checks every output path of a command before any work starts, so that an unwritable
/// <c>--out</c> or <c>--csv</c> fails in a second with one line instead of after the whole run.
/// Nothing is created: the probe writes (and deletes) a file in the nearest existing folder.
/// </summary>
internal static class OutputPaths
{
    /// <summary>
    /// Refuses outputs (option name, path; null paths are skipped) that name a folder, lie under a
    /// file, sit in a folder that cannot be written, or that two options share.
    /// </summary>
    /// <exception cref="IOException">A path that cannot be written.</exception>
    /// <exception cref="ArgumentException">An empty path, or two options naming the same file.</exception>
    public static void ProbeFiles(params (string Option, string? Path)[] outputs)
    {
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (option, path) in outputs)
        {
            if (path is null) continue;
            string full = FullPath(option, path);
            if (!seen.TryAdd(full, option)) throw new ArgumentException($"{seen[full]} and {option} both name {path}; give each output its own file");
            if (Directory.Exists(full)) throw new IOException($"{option} {path}: is a folder; expected a file name");
            ProbeFolder(option, path, Path.GetDirectoryName(full)!);
        }
    }

    /// <summary>Refuses an output folder (created later if missing) that is a file or cannot be written.</summary>
    /// <exception cref="IOException">The folder is a file or cannot be written.</exception>
    public static void ProbeFolder(string option, string folder)
    {
        string full = FullPath(option, folder);
        if (File.Exists(full)) throw new IOException($"{option} {folder}: is a file; expected a folder");
        ProbeFolder(option, folder, full);
    }

    private static string FullPath(string option, string path)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new ArgumentException($"{option}: the path is empty");
        try
        {
            return Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new ArgumentException($"{option} {path}: not a valid path ({e.Message})", e);
        }
    }

    // The nearest folder at or above `folder` that exists must be writable: what is missing below it is created at write time.
    private static void ProbeFolder(string option, string path, string folder)
    {
        string? existing = folder;
        while (existing is not null && !Directory.Exists(existing))
        {
            if (File.Exists(existing)) throw new IOException($"{option} {path}: {existing} is a file, not a folder");
            existing = Path.GetDirectoryName(existing);
        }
        if (existing is null) throw new IOException($"{option} {path}: no existing folder above it");
        string probe = Path.Combine(existing, $".advcore-probe-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            using var stream = new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{option} {path}: cannot write in {existing} ({e.Message})", e);
        }
    }
}
