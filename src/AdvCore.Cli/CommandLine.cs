using System.CommandLine;

namespace AdvCore.Cli;

/// <summary>Builds the command tree and turns every failure into one clear line and an exit code.</summary>
internal static class CommandLine
{
    public static int Run(string[] args)
    {
        var root = new RootCommand("AdvCore: adversarial-robustness engine (train, evaluate, attack, reproduce the thesis tables)");
        root.Subcommands.Add(DevicesCommand.Create());
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) Console.Error.WriteLine($"advcore: {error.Message}");
            return 2;
        }
        try
        {
            return parse.Invoke();
        }
        catch (Exception e) when (CliErrors.IsUserFacing(e))
        {
            Console.Error.WriteLine($"advcore: {CliErrors.Describe(e)}");
            return 1;
        }
    }
}
