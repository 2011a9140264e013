using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;

namespace AdvCore.Interop;

/// <summary>
/// Finds libadvcore for <c>[LibraryImport("advcore")]</c>. Tries, in order: the directory of the
/// AdvCore assembly, <see cref="AppContext.BaseDirectory"/>, the <c>ADVCORE_NATIVE_PATH</c>
/// environment variable (a file or a directory), then the runtime's default probing. Every attempt
/// is recorded so that a failure lists exactly what was tried and why each attempt failed.
/// </summary>
internal static class NativeLibraryResolver
{
    /// <summary>Environment variable naming the native library file or its directory.</summary>
    internal const string PathVariable = "ADVCORE_NATIVE_PATH";

    private static readonly object Gate = new();
    private static nint _handle;
    private static bool _registered;

    internal static void Register(Assembly assembly)
    {
        lock (Gate)
        {
            if (_registered) return;
            NativeLibrary.SetDllImportResolver(assembly, Resolve);
            _registered = true;
        }
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != Native.LibraryName) return 0;
        lock (Gate)
        {
            if (_handle == 0) _handle = Load(assembly, searchPath, PlatformFileName, Native.LibraryName);
            return _handle;
        }
    }

    /// <summary>The platform file name of the library (libadvcore.so, advcore.dll, libadvcore.dylib).</summary>
    internal static string PlatformFileName =>
        OperatingSystem.IsWindows() ? "advcore.dll" : OperatingSystem.IsMacOS() ? "libadvcore.dylib" : "libadvcore.so";

    /// <summary>Loads <paramref name="fileName"/> from the candidate directories, then
    /// <paramref name="probeName"/> by default probing; throws <see cref="DllNotFoundException"/>
    /// listing every attempt. (Parameterised so tests can exercise the failure path.)</summary>
    internal static nint Load(Assembly assembly, DllImportSearchPath? searchPath, string fileName, string probeName)
    {
        var attempts = new List<string>();
        foreach (string candidate in CandidatePaths(assembly, fileName))
        {
            if (!File.Exists(candidate))
            {
                attempts.Add($"{candidate}: no such file");
                continue;
            }
            try
            {
                return NativeLibrary.Load(candidate);
            }
            catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
            {
                // The file exists but the loader refused it (missing dependency, wrong architecture):
                // that reason is the one the user needs.
                attempts.Add($"{candidate}: {e.Message}");
            }
        }

        if (NativeLibrary.TryLoad(probeName, assembly, searchPath, out nint handle)) return handle;
        attempts.Add($"default probing for '{probeName}' (LD_LIBRARY_PATH, system directories): not found");

        var message = new StringBuilder();
        message.Append("Could not load the AdvCore native engine (").Append(fileName).AppendLine("). Tried:");
        foreach (string attempt in attempts) message.Append("  - ").AppendLine(attempt);
        message.Append("Build the solution with `dotnet build` (it compiles the engine with CMake) or set ")
               .Append(PathVariable).Append(" to the library file or its directory.");
        throw new DllNotFoundException(message.ToString());
    }

    private static IEnumerable<string> CandidatePaths(Assembly assembly, string fileName)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? assemblyDirectory = string.IsNullOrEmpty(assembly.Location) ? null : Path.GetDirectoryName(assembly.Location);
        foreach (string? directory in new[] { assemblyDirectory, AppContext.BaseDirectory })
        {
            if (string.IsNullOrEmpty(directory)) continue;
            string path = Path.GetFullPath(Path.Combine(directory, fileName));
            if (seen.Add(path)) yield return path;
        }

        string? configured = Environment.GetEnvironmentVariable(PathVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            string path = NamesALibraryFile(configured) ? configured : Path.Combine(configured, fileName);
            path = Path.GetFullPath(path);
            if (seen.Add(path)) yield return path;
        }
    }

    // An existing file, or a name that looks like a library, is the library itself; anything else a directory.
    private static bool NamesALibraryFile(string path)
    {
        if (File.Exists(path)) return true;
        if (Directory.Exists(path)) return false;
        string name = Path.GetFileName(path);
        return name.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".dylib", StringComparison.Ordinal)
            || name.EndsWith(".so", StringComparison.Ordinal) || name.Contains(".so.", StringComparison.Ordinal);
    }
}
