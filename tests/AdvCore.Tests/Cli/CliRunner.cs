namespace AdvCore.Tests.Cli;

/// <summary>Runs the advcore command line in-process, capturing what it prints.</summary>
internal static class CliRunner
{
    private static readonly Lock Gate = new();

    public static (int Code, string Out, string Error) Run(params string[] args) => RunInterrupted(null, args);

    /// <summary>
    /// Runs the command line and interrupts it (as SIGINT would) as soon as it prints a line containing
    /// <paramref name="marker"/> (a progress line: the cancel lands between two batches); null never interrupts.
    /// </summary>
    public static (int Code, string Out, string Error) RunInterrupted(string? marker, params string[] args)
    {
        lock (Gate)
        {
            var (oldOut, oldError) = (Console.Out, Console.Error);
            using var interrupt = new CancellationTokenSource();
            var output = new InterruptingWriter(marker, interrupt);
            var error = new StringWriter();
            Console.SetOut(output);
            Console.SetError(error);
            try
            {
                int code = AdvCore.Cli.CommandLine.Run(args, interrupt.Token);
                return (code, output.ToString(), error.ToString());
            }
            finally
            {
                Console.SetOut(oldOut);
                Console.SetError(oldError);
            }
        }
    }

    /// <summary>The MNIST folder root for tests, or null (the test is then ignored with the reason).</summary>
    public static string? DataRoot() =>
        Environment.GetEnvironmentVariable("ADVCORE_DATA") is { } root && Directory.Exists(Path.Combine(root, "mnist")) ? root : null;

    // Captures what the command prints and cancels once a line holds the marker.
    private sealed class InterruptingWriter(string? marker, CancellationTokenSource interrupt) : StringWriter
    {
        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            if (marker is not null && value is not null && value.Contains(marker, StringComparison.Ordinal)) interrupt.Cancel();
        }
    }
}
