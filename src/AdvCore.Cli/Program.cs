namespace AdvCore.Cli;

/// <summary>Entry point of the <c>advcore</c> console tool.</summary>
public static class Program
{
    public static int Main(string[] args) => CommandLine.Run(args);
}
