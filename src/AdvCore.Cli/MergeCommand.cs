using System.CommandLine;
using AdvCore.Evaluation;

namespace AdvCore.Cli;

/// <summary><c>advcore merge</c>: combines result records of shards (same attack and settings) into one.</summary>
internal static class MergeCommand
{
    public static Command Create()
    {
        var inputs = new Argument<string[]>("records") { Description = "Result records (JSON) of shards of one run", Arity = ArgumentArity.OneOrMore };
        var output = CommonOptions.Required<string>("--out", "Merged record to write (JSON)");
        var command = new Command("merge", "Merge result records of shards of the same attack run");
        command.Arguments.Add(inputs);
        command.Options.Add(output);
        command.SetAction(parse =>
        {
            string outPath = parse.GetValue(output)!;
            OutputPaths.ProbeFiles(("--out", outPath));
            var records = parse.GetValue(inputs)!.Select(AttackRunRecord.Load).ToList();
            var merged = AttackRunRecord.Merge(records);
            merged.Save(outPath);
            Console.WriteLine($"{merged.Label}: {AttackSetup.Summary(merged)}");
            Console.WriteLine($"wrote {outPath} ({records.Count} shards)");
            return 0;
        });
        return command;
    }
}
