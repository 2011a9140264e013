using System.CommandLine;
using System.Globalization;
using AdvCore.Attacks;
using AdvCore.Data;
using AdvCore.Defenses;
using AdvCore.Evaluation;
using AdvCore.IO;
using AdvCore.Models;

namespace AdvCore.Cli;

/// <summary>
/// <c>advcore transfer</c>: black-box transfer — crafts adversarial images with one attack on the
/// source model, then judges them on the source and on every target model, one table row each
/// (clean accuracy, accuracy on the attacked slice, transfer rate of the source's successes).
/// </summary>
internal static class TransferCommand
{
    public static Command Create()
    {
        var source = CommonOptions.Required<string>("--source-model", "Model the adversarial images are crafted on (safetensors or .onnx)");
        var targets = new Option<string[]>("--target-model")
        {
            Description = "Model(s) that judge them (repeat the option or list several files after it)",
            Required = true, AllowMultipleArgumentsPerToken = true,
        };
        var dataset = CommonOptions.Dataset();
        var attack = CommonOptions.Required<string>("--attack", $"Attack run on the source: {AttacksCommand.Names}");
        var iterations = new Option<int?>("--iterations") { Description = "The attack's iteration count (default: the thesis setting)" };
        var parameters = new Option<string[]>("--param") { Description = "Attack option as key=value on top of the thesis settings (repeatable)" };
        var noQuantize = new Option<bool>("--no-quantize") { Description = "Real-valued adversarial images instead of the 8-bit grid" };
        var count = new Option<int>("--count") { Description = "Test images from --start", DefaultValueFactory = _ => 1000 };
        var start = new Option<int>("--start") { Description = "Index of the first test image", DefaultValueFactory = _ => 0 };
        var batch = CommonOptions.AttackBatch();
        var targetSqueeze = new Option<string[]>("--target-squeeze")
        {
            Description = "Defend every target with input transforms (bit-depth:B, median:K; repeatable): the oblivious attack on that defense",
        };
        var json = new Option<string?>("--json") { Description = "Also write the table as JSON to this file" };
        var data = CommonOptions.Data();
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();
        var command = new Command("transfer", "Black-box transfer: craft adversarial images on one model, judge them on others");
        foreach (var o in new Option[] { source, targets, dataset, attack, iterations, parameters, noQuantize, count, start, batch, targetSqueeze, json, data, device, threads })
            command.Options.Add(o);

        command.SetAction(parse =>
        {
            string datasetName = DatasetCatalog.Normalize(parse.GetValue(dataset)!);
            int n = parse.GetValue(count), first = parse.GetValue(start), b = parse.GetValue(batch);
            CommonOptions.Check(n >= 1, $"--count must be >= 1 (got {n})");
            CommonOptions.Check(first >= 0, $"--start must be >= 0 (got {first})");
            CommonOptions.Check(b >= 1, $"--batch must be >= 1 (got {b})");
            string[] targetPaths = parse.GetValue(targets) ?? [];
            CommonOptions.Check(targetPaths.Length >= 1, "--target-model: give at least one model file");
            var attackInstance = AttackSetup.Build(parse.GetValue(attack)!, datasetName, parse.GetValue(iterations), !parse.GetValue(noQuantize),
                                                   AttackSetup.ParseParameters(parse.GetValue(parameters)));
            string? jsonPath = parse.GetValue(json);
            OutputPaths.ProbeFiles(("--json", jsonPath));
            Interruption.Graceful();

            using var context = CommonOptions.CreateContext(parse.GetValue(device)!, parse.GetValue(threads));
            string sourcePath = parse.GetValue(source)!;
            var loaded = new List<LoadedModel>();
            var defenses = new List<TransformedClassifier>();
            try
            {
                string[] paths = [sourcePath, .. targetPaths];
                foreach (string path in paths) loaded.Add(ModelFile.Load(path, context));
                var names = Names(paths);
                string[]? squeeze = parse.GetValue(targetSqueeze);
                var models = new List<TransferTarget>();
                for (int i = 0; i < loaded.Count; i++)
                {
                    var bare = new NetworkClassifier(loaded[i].Network);
                    var judge = i == 0 ? bare : CommonOptions.Defend(bare, squeeze);
                    if (judge is TransformedClassifier defended) defenses.Add(defended);
                    models.Add(new TransferTarget(judge is TransformedClassifier d ? $"{names[i]} + {d.Name}" : names[i], judge));
                }
                var test = AttackSetup.Slice(DatasetCatalog.Load(datasetName, DatasetSplit.Test, parse.GetValue(data), log: new Progress<string>(Console.WriteLine)), first, n);
                Console.WriteLine($"{attackInstance.Name} crafted on {models[0].Name} ({loaded[0].Architecture.Name}), judged on {targetPaths.Length} model(s): {datasetName} test images {first}..{first + n - 1}");
                TransferReport report;
                try
                {
                    report = ProgressLine.Run($"{attackInstance.Name} {attackInstance.Iterations} on the source", update =>
                        TransferEvaluation.Evaluate(models[0], models.Skip(1).ToList(), attackInstance, test, new AttackRunnerOptions
                        {
                            BatchSize = b, UpperDistortion = Budgets.UpperDistortion(datasetName), Dataset = datasetName,
                            Progress = p => update((double)p.Processed / p.Total,
                                string.Create(CultureInfo.InvariantCulture, $"{p.Processed}/{p.Total} images, P_suc {p.SuccessRate:F3}")),
                        }, first, cancel: Interruption.Token));
                }
                catch (OperationCanceledException e) when (Interruption.Requested)
                {
                    Console.WriteLine($"{e.Message}: nothing written (a transfer run is not resumable; run the command again)");
                    return ExitCodes.Interrupted;
                }
                Console.WriteLine($"source {report.Attack}: {AttackSetup.Summary(report.Source)}");
                foreach (string line in Table(report)) Console.WriteLine(line);
                if (jsonPath is not null)
                {
                    AtomicFile.WriteText(jsonPath, (report with { Run = Invocation.Stamp(report.Run) }).ToJson());
                    Console.WriteLine($"wrote {jsonPath}");
                }
                return 0;
            }
            finally
            {
                foreach (var d in defenses) d.Dispose();
                foreach (var m in loaded) m.Dispose();
            }
        });
        return command;
    }

    /// <summary>The table: one row per judging model, the source first.</summary>
    internal static IEnumerable<string> Table(TransferReport report)
    {
        int width = Math.Max(24, report.Rows.Max(r => r.Model.Length + (r.IsSource ? 9 : 0)) + 2);
        yield return $"{"model".PadRight(width)}{"clean acc",10}{"adv acc",10}{"transfer rate",15}{"of N",7}";
        foreach (var r in report.Rows)
        {
            string rate = double.IsNaN(r.TransferRate) ? "–" : r.TransferRate.ToString("F3", CultureInfo.InvariantCulture);
            yield return string.Create(CultureInfo.InvariantCulture,
                $"{(r.Model + (r.IsSource ? " (source)" : "")).PadRight(width)}{r.CleanAccuracy,10:F3}{r.AdversarialAccuracy,10:F3}{rate,15}{r.Transferable,7}");
        }
    }

    // File names, or the whole paths when two files share a name.
    private static List<string> Names(IReadOnlyList<string> paths)
    {
        var names = paths.Select(Path.GetFileName).Select(n => n!).ToList();
        return names.Distinct(StringComparer.Ordinal).Count() == names.Count ? names : [.. paths];
    }
}
