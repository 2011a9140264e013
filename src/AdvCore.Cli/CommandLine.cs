using System.CommandLine;
using System.CommandLine.Invocation;

namespace AdvCore.Cli;

/// <summary>Builds the command tree and turns every failure into one clear line and an exit code (<see cref="ExitCodes"/>).</summary>
internal static class CommandLine
{
    /// <summary>Runs the command line <paramref name="args"/>; <paramref name="cancel"/> acts like SIGINT (tests, in-process callers).</summary>
    public static int Run(string[] args, CancellationToken cancel = default)
    {
        var root = new RootCommand("AdvCore: adversarial-robustness engine (train, evaluate, attack, reproduce the thesis tables)")
        {
            HelpName = "advcore", // not the assembly name AdvCore.Cli
        };
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
        root.Subcommands.Add(SoakCommand.Create());
        root.Subcommands.Add(ImportCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(SmoothCommand.Create());
        root.Subcommands.Add(CertifyCommand.Create());
        root.Subcommands.Add(MetricsCommand.Create());
        root.Subcommands.Add(TransferCommand.Create());
        root.Subcommands.Add(CodebookCommand.Create());
        root.Subcommands.Add(DefendCommand.Create());
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) Console.Error.WriteLine($"advcore: {CliErrors.Usage(error.Message)}");
            return ExitCodes.Usage;
        }
        Invocation.Set(parse);
        using var interruption = Interruption.Watch(args, cancel);
        try
        {
            // Our own handler below turns every error into one line; System.CommandLine's default
            // would print a stack trace. ProcessTerminationTimeout = null: signals are ours (Interruption).
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"advcore: {CliErrors.Describe(e)}");
            if (Environment.GetEnvironmentVariable("ADVCORE_DEBUG") == "1") Console.Error.WriteLine(e);
            return CliErrors.ExitCode(e);
        }
    }
}
