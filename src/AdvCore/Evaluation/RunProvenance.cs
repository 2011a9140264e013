using System.Globalization;
using System.Reflection;

namespace AdvCore.Evaluation;

/// <summary>
/// How a result was made, stored in every JSON result (attack run records, evaluation reports,
/// attack comparisons): the AdvCore version (with its git commit), the device, CPU threads and
/// Philox seed of the context, and, when a tool made it, the command and its full option set
/// (every option with the value it had, defaults included), so a run can be repeated from its file alone.
/// </summary>
public sealed record RunProvenance
{
    /// <summary>The AdvCore library version, e.g. "1.1.0+3f2a…" (release version + git commit).</summary>
    public string Version { get; init; } = "";

    /// <summary>The native engine version (<see cref="Context.EngineVersion"/>).</summary>
    public string Engine { get; init; } = "";

    /// <summary>The device of the context: "cpu" or "cuda".</summary>
    public string Device { get; init; } = "";

    /// <summary>CPU threads the context's kernels used.</summary>
    public int Threads { get; init; }

    /// <summary>The context's Philox seed (attacks with random starts also store their own seed in their options).</summary>
    public ulong Seed { get; init; }

    /// <summary>Whether the plain reference kernels ran instead of the fast ones.</summary>
    public bool ReferenceKernels { get; init; }

    /// <summary>The command that made the result (e.g. "advcore attack"), null from the library.</summary>
    public string? Command { get; init; }

    /// <summary>The command's options by name (without dashes), each with the value it had, defaults included.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new SortedDictionary<string, string>(StringComparer.Ordinal);

    /// <summary>When the result was made (UTC, ISO 8601).</summary>
    public string Created { get; init; } = "";

    /// <summary>The library version string (informational version: release + commit).</summary>
    public static string LibraryVersion { get; } =
        typeof(RunProvenance).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(RunProvenance).Assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>The provenance of work done on <paramref name="context"/> now, optionally by a command with its settings.</summary>
    public static RunProvenance Capture(Context context, string? command = null, IReadOnlyDictionary<string, string>? settings = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new RunProvenance
        {
            Version = LibraryVersion,
            Engine = Context.EngineVersion,
            Device = context.Device.ToString().ToLowerInvariant(),
            Threads = context.Threads,
            Seed = context.Seed,
            ReferenceKernels = context.UsesReferenceKernels,
            Command = command,
            Settings = new SortedDictionary<string, string>((settings ?? new Dictionary<string, string>()).ToDictionary(), StringComparer.Ordinal),
            Created = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
        };
    }
}
