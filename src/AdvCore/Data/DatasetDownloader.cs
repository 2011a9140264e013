using System.Formats.Tar;
using System.IO.Compression;

namespace AdvCore.Data;

/// <summary>
/// Downloads a dataset's official files into a data root (by default the user cache). Each file
/// goes to a temporary name in the target folder, is checked against its known SHA-256, and only
/// then renamed into place, so an interrupted or corrupt download never looks like data.
/// Files already present are kept. CIFAR-10's tar.gz is unpacked with System.Formats.Tar.
/// </summary>
public sealed class DatasetDownloader
{
    private static readonly Lazy<HttpClient> Http = new(() => new HttpClient(
        new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(30) }) { Timeout = TimeSpan.FromMinutes(15) });

    private readonly Func<Uri, Stream> _open;

    /// <summary>A downloader that fetches over HTTP(S).</summary>
    public DatasetDownloader() : this(OpenHttp) { }

    /// <summary>A downloader whose bytes come from <paramref name="open"/> (tests serve local bytes).</summary>
    internal DatasetDownloader(Func<Uri, Stream> open) => _open = open;

    /// <summary>
    /// Fetches whatever of <paramref name="dataset"/> is missing under <paramref name="root"/>
    /// (default <see cref="DatasetLocator.CacheRoot"/>) into its subfolder; returns that folder.
    /// </summary>
    public string Download(string dataset, string? root = null, IProgress<string>? log = null)
    {
        var info = DatasetCatalog.Info(dataset);
        root ??= DatasetLocator.CacheRoot ?? throw new InvalidOperationException("no home folder for the dataset cache; pass a root");
        string folder = Path.Combine(Path.GetFullPath(root), info.Folders[0]);
        if (info == DatasetInfo.Cifar10)
            FetchArchive(DatasetSources.Cifar10, folder, log);
        else
            foreach (var file in info == DatasetInfo.Mnist ? DatasetSources.Mnist : DatasetSources.FashionMnist)
                FetchFile(file, folder, log);
        return folder;
    }

    internal void FetchFile(RemoteFile file, string folder, IProgress<string>? log)
    {
        string target = Path.Combine(folder, file.FileName);
        if (File.Exists(target)) return;
        InFolder(folder, () => FetchFileInto(file, target, log));
    }

    private void FetchFileInto(RemoteFile file, string target, IProgress<string>? log)
    {
        log?.Report($"downloading {file.Url} -> {target}");
        string temp = TempName(target);
        try
        {
            using (Stream source = _open(file.Url))
            using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
                source.CopyTo(output);
            VerifyAs(temp, file.Url.ToString(), file.ContentSha256);
            File.Move(temp, target, overwrite: true);
            log?.Report($"verified SHA-256 of {file.FileName}");
        }
        finally
        {
            DeleteQuietly(temp);
        }
    }

    internal void FetchArchive(RemoteArchive archive, string folder, IProgress<string>? log)
    {
        if (archive.Members.Keys.All(name => File.Exists(Path.Combine(folder, name)))) return;
        InFolder(folder, () => FetchArchiveInto(archive, folder, log));
    }

    private void FetchArchiveInto(RemoteArchive archive, string folder, IProgress<string>? log)
    {
        string temp = TempName(Path.Combine(folder, Path.GetFileName(archive.Url.AbsolutePath)));
        try
        {
            log?.Report($"downloading {archive.Url}");
            using (Stream source = _open(archive.Url))
            using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
                source.CopyTo(output);
            var missing = new HashSet<string>(archive.Members.Keys);
            using (Stream content = DataFile.OpenContent(temp))
            using (var tar = new TarReader(content))
            {
                while (tar.GetNextEntry() is { } entry)
                {
                    string name = Path.GetFileName(entry.Name);
                    if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || !missing.Remove(name)) continue;
                    ExtractMember(entry, Path.Combine(folder, name), $"{archive.Url}!{entry.Name}", archive.Members[name]);
                    log?.Report($"extracted and verified {name}");
                }
            }
            if (missing.Count > 0)
                throw new DatasetFormatException(archive.Url.ToString(), $"archive lacks {string.Join(", ", missing.Order())}");
        }
        catch (InvalidDataException e)
        {
            throw new DatasetFormatException(archive.Url.ToString(), $"not a valid tar.gz ({e.Message})", e);
        }
        finally
        {
            DeleteQuietly(temp);
        }
    }

    // Creates the folder (and any missing parents) for one fetch; when the fetch fails (offline,
    // bad checksum) the folders it created are removed again if still empty, so a failed download
    // leaves no empty cache folder behind that would look like a dataset location.
    private static void InFolder(string folder, Action fetch)
    {
        string? firstCreated = null;
        for (string? f = folder; f is not null && !Directory.Exists(f); f = Path.GetDirectoryName(f)) firstCreated = f;
        Directory.CreateDirectory(folder);
        try
        {
            fetch();
        }
        catch when (firstCreated is not null)
        {
            RemoveEmptyFolders(folder, firstCreated);
            throw;
        }
    }

    // Deletes folder and its parents up to and including top, stopping at the first that is not empty.
    private static void RemoveEmptyFolders(string folder, string top)
    {
        for (string? f = folder; f is not null && f.Length >= top.Length; f = Path.GetDirectoryName(f))
        {
            try { Directory.Delete(f, recursive: false); }
            catch (IOException) { return; }
            catch (UnauthorizedAccessException) { return; }
        }
    }

    private static void ExtractMember(TarEntry entry, string target, string displayName, string sha256)
    {
        if (File.Exists(target)) return;
        string temp = TempName(target);
        try
        {
            using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
                entry.DataStream?.CopyTo(output);
            VerifyAs(temp, displayName, sha256);
            File.Move(temp, target, overwrite: true);
        }
        finally
        {
            DeleteQuietly(temp);
        }
    }

    // The temp file's name means nothing to the user; report the URL it came from.
    private static void VerifyAs(string temp, string displayName, string sha256)
    {
        string actual = Sha256Verifier.ComputeContent(temp);
        if (!string.Equals(actual, sha256, StringComparison.OrdinalIgnoreCase))
            throw new ChecksumMismatchException(displayName, sha256, actual);
    }

    private static string TempName(string target) =>
        Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.{Environment.ProcessId}.{Guid.NewGuid():N}.part");

    private static void DeleteQuietly(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static Stream OpenHttp(Uri url)
    {
        var response = Http.Value.Send(new HttpRequestMessage(HttpMethod.Get, url), HttpCompletionOption.ResponseHeadersRead);
        try
        {
            response.EnsureSuccessStatusCode();
            return response.Content.ReadAsStream();
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }
}
