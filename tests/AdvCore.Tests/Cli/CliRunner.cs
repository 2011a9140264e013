namespace AdvCore.Tests.Cli;

/// <summary>Runs the advcore command line in-process, capturing what it prints.</summary>
internal static class CliRunner
{
    private static readonly Lock Gate = new();

    public static (int Code, string Out, string Error) Run(params string[] args)
    {
        lock (Gate)
        {
            var (oldOut, oldError) = (Console.Out, Console.Error);
            var (output, error) = (new StringWriter(), new StringWriter());
            Console.SetOut(output);
            Console.SetError(error);
            try
            {
                int code = AdvCore.Cli.CommandLine.Run(args);
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
}
