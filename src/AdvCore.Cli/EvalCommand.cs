using System.CommandLine;
using System.Globalization;
using AdvCore.Attacks;
using AdvCore.Data;
using AdvCore.Defenses;
using AdvCore.Evaluation;
using AdvCore.IO;
using AdvCore.Models;
using Spectre.Console;

namespace AdvCore.Cli;

/// <summary><c>advcore eval</c>: clean test accuracy, per-class accuracy and the confusion matrix (of the model, or of it defended by --squeeze transforms).</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var model = CommonOptions.ModelFile();
        var dataset = CommonOptions.Dataset();
        var json = new Option<string?>("--json") { Description = "Also write the report as JSON to this file" };
        var count = new Option<int>("--count") { Description = "Evaluate the first N test images (0 = all)", DefaultValueFactory = _ => 0 };
        var batch = new Option<int>("--batch") { Description = "Batch size", DefaultValueFactory = _ => 500 };
        var squeeze = CommonOptions.Squeeze();
        var data = CommonOptions.Data();
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();
        var command = new Command("eval", "Evaluate a model on a dataset's test split");
        foreach (var o in new Option[] { model, dataset, json, count, batch, squeeze, data, device, threads }) command.Options.Add(o);

        command.SetAction(parse =>
        {
            int n = parse.GetValue(count);
            CommonOptions.Check(n >= 0, $"--count must be >= 0 (got {n})");
            string datasetName = DatasetCatalog.Normalize(parse.GetValue(dataset)!);
            OutputPaths.ProbeFiles(("--json", parse.GetValue(json)));
            using var context = CommonOptions.CreateContext(parse.GetValue(device)!, parse.GetValue(threads));
            using var loaded = ModelFile.Load(parse.GetValue(model)!, context);
            var test = DatasetCatalog.Load(datasetName, DatasetSplit.Test, parse.GetValue(data), log: new Progress<string>(Console.WriteLine));
            if (n > 0) test = test.Take(0, Math.Min(n, test.Count));
            var defended = CommonOptions.Defend(new NetworkClassifier(loaded.Network), parse.GetValue(squeeze));
            var report = ProgressLine.Run("evaluating", update =>
            {
                var progress = new Progress<(int Done, int Total)>(p => update((double)p.Done / p.Total, $"{p.Done}/{p.Total}"));
                return defended is TransformedClassifier squeezed
                    ? Evaluator.Evaluate(squeezed, test, parse.GetValue(batch), progress)
                    : Evaluator.Evaluate(loaded.Network, test, parse.GetValue(batch), progress);
            });
            Print(report, loaded.Architecture.Name + (defended is TransformedClassifier t ? $" + {t.Name}" : ""));
            if (parse.GetValue(json) is { } path)
            {
                AtomicFile.WriteText(path, report.WithRun(Invocation.Stamp(report.Run)).ToJson());
                Console.WriteLine($"wrote {path}");
            }
            return 0;
        });
        return command;
    }

    private static void Print(ClassificationReport report, string model)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{model} on {report.Dataset}: accuracy {report.Accuracy:F4} ({report.Correct}/{report.Count}), {report.Count / report.Seconds:F0} images/s"));
        int k = report.PerClassAccuracy.Length;
        var table = new Table().AddColumn("true \\ predicted");
        for (int p = 0; p < k; p++) table.AddColumn(new TableColumn(p.ToString(CultureInfo.InvariantCulture)).RightAligned());
        table.AddColumn(new TableColumn("accuracy").RightAligned());
        for (int c = 0; c < k; c++)
        {
            var cells = new List<string> { c.ToString(CultureInfo.InvariantCulture) };
            for (int p = 0; p < k; p++) cells.Add(report.Confusion[c, p].ToString(CultureInfo.InvariantCulture));
            cells.Add(report.PerClassAccuracy[c].ToString("F4", CultureInfo.InvariantCulture));
            table.AddRow(cells.ToArray());
        }
        AnsiConsole.Write(table);
    }
}
