using System.Runtime.InteropServices;

namespace AdvCore.Cli;

/// <summary>
/// SIGINT (Ctrl-C) and SIGTERM while a command runs. A command that can stop cleanly (attack,
/// reproduce, train) calls <see cref="Graceful"/>: the first signal then only cancels
/// <see cref="Token"/>, the command finishes its current batch, writes its partial record and exits
/// with 130; a second signal terminates at once. Other commands keep the default: the first signal
/// terminates (they write their files atomically, so nothing is left half-written).
/// </summary>
internal sealed class Interruption : IDisposable
{
    private static Interruption? s_current;

    private readonly CancellationTokenSource _cancel;
    private readonly PosixSignalRegistration[] _signals;
    private readonly string[] _args;
    private volatile bool _graceful;

    private Interruption(string[] args, CancellationToken external)
    {
        _args = args;
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(external);
        _signals = [PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal), PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal)];
    }

    /// <summary>Starts watching the signals for one run of the command line <paramref name="args"/>.</summary>
    /// <param name="external">Cancels like a signal (in-process callers and tests).</param>
    public static Interruption Watch(string[] args, CancellationToken external = default) =>
        s_current = new Interruption(args, external);

    /// <summary>Cancelled by the first signal once the command runs <see cref="Graceful"/>ly (never cancelled outside a run).</summary>
    public static CancellationToken Token => s_current?._cancel.Token ?? CancellationToken.None;

    /// <summary>Whether the run was asked to stop.</summary>
    public static bool Requested => Token.IsCancellationRequested;

    /// <summary>Declares that the running command stops between batches and keeps its partial work.</summary>
    public static void Graceful()
    {
        if (s_current is { } current) current._graceful = true;
    }

    /// <summary>
    /// The command line that continues the run: the same arguments plus <c>--resume</c> (without
    /// <paramref name="addFlag"/>: the same arguments, for commands that resume by themselves).
    /// </summary>
    public static string ResumeCommand(bool addFlag = true)
    {
        var args = s_current?._args ?? [];
        var words = args.Select(Quote).ToList();
        if (addFlag && !args.Contains("--resume", StringComparer.Ordinal)) words.Add("--resume");
        return "advcore " + string.Join(' ', words);
    }

    private static string Quote(string arg) =>
        arg.Length > 0 && arg.All(c => char.IsLetterOrDigit(c) || "-_./=,:+@%".Contains(c)) ? arg : "'" + arg.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private void OnSignal(PosixSignalContext context)
    {
        // Not graceful, or the second signal: let the runtime terminate the process.
        if (!_graceful || _cancel.IsCancellationRequested) return;
        context.Cancel = true;
        Console.Error.WriteLine($"advcore: {context.Signal} received: stopping after the current batch and saving the partial work (send it again to abort at once)");
        _cancel.Cancel();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var signal in _signals) signal.Dispose();
        if (ReferenceEquals(s_current, this)) s_current = null;
        _cancel.Dispose();
    }
}
