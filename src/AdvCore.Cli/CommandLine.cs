using System.CommandLine;
using System.CommandLine.Invocation;

namespace AdvCore.Cli;

/// <summary>Builds the command tree and turns every failure into one clear line and an exit code.</summary>
internal static class CommandLine
{
    public static int Run(string[] args)
    {
        var root = new RootCommand("AdvCore: adversarial-robustness engine (train, evaluate, attack, reproduce the thesis tables)");
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(InfoCommand.Create());
        root.Subcommands.Add(AttackCommand.Create());
        root.Subcommands.Add(AttacksCommand.Create());
        root.Subcommands.Add(ReproduceCommand.Create());
        root.Subcommands.Add(CompareAttacksCommand.Create());
        root.Subcommands.Add(MergeCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(DevicesCommand.Create());
        root.Subcommands.Add(MagnifyCommand.Create());
        root.Subcommands.Add(SmoothCommand.Create());
        root.Subcommands.Add(CertifyCommand.Create());
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) Console.Error.WriteLine($"advcore: {error.Message}");
            return 2;
        }
        try
        {
            // Our own handler below turns user errors into one line; System.CommandLine's default
            // would print a stack trace.
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (CliErrors.IsUserFacing(e))
        {
            Console.Error.WriteLine($"advcore: {CliErrors.Describe(e)}");
            return 1;
        }
    }
}
