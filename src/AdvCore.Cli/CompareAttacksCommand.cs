using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using AdvCore.Attacks;
using AdvCore.Data;
using AdvCore.Evaluation;
using AdvCore.Models;

namespace AdvCore.Cli;

/// <summary>
/// <c>advcore compare-attacks</c>: a minimum-norm attack benchmark in the AttackBench manner
/// (Cinà et al. 2024). Every attack gets the same budget of propagations per image, with the
/// largest iteration count that fits; the harness caps the queries and tracks the best
/// adversarial query per image. Prints the table (P_suc, median and mean L2, optimality) and
/// writes one JSON record per attack, comparison.json, comparison.csv and robust-accuracy.png. A
/// failing attack is reported and skipped; the exit code is then 1.
/// </summary>
internal static class CompareAttacksCommand
{
    public static Command Create()
    {
        var model = CommonOptions.ModelFile();
        var dataset = CommonOptions.Dataset();
        var budget = CommonOptions.Required<long>("--budget", "Propagations per image (forward + backward passes; a gradient counts 2), e.g. 2000");
        var attacks = new Option<string?>("--attacks")
        {
            Description = $"Comma-separated attacks (default: every minimum-norm attack: {string.Join(",", AttackComparison.DefaultEntrants().Select(a => a.Name))}; " +
                          "budgeted L2 attacks such as pgd2 may be named too)",
        };
        var count = new Option<int>("--count") { Description = "Attack the first N test images (from --start)", DefaultValueFactory = _ => 1000 };
        var start = new Option<int>("--start") { Description = "Index of the first test image", DefaultValueFactory = _ => 0 };
        var batch = CommonOptions.AttackBatch();
        var output = new Option<string>("--out") { Description = "Folder for the results (created if needed)", DefaultValueFactory = _ => "compare-attacks" };
        var data = CommonOptions.Data();
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();
        var command = new Command("compare-attacks", "Compare minimum-norm attacks at one budget of propagations per image (AttackBench): P_suc, median L2, optimality");
        foreach (var o in new Option[] { model, dataset, budget, attacks, count, start, batch, output, data, device, threads }) command.Options.Add(o);

        command.SetAction(parse =>
        {
            string datasetName = DatasetCatalog.Normalize(parse.GetValue(dataset)!);
            long propagations = parse.GetValue(budget);
            int n = parse.GetValue(count), first = parse.GetValue(start), batchSize = parse.GetValue(batch);
            CommonOptions.Check(propagations >= 1, $"--budget must be >= 1 (got {propagations})");
            CommonOptions.Check(n >= 1, $"--count must be >= 1 (got {n})");
            CommonOptions.Check(first >= 0, $"--start must be >= 0 (got {first})");
            CommonOptions.Check(batchSize >= 1, $"--batch must be >= 1 (got {batchSize})");
            var entrants = Entrants(parse.GetValue(attacks), datasetName);
            string folder = parse.GetValue(output)!;
            OutputPaths.ProbeFolder("--out", folder);
            string modelPath = parse.GetValue(model)!;

            using var context = CommonOptions.CreateContext(parse.GetValue(device)!, parse.GetValue(threads));
            using var loaded = ModelFile.Load(modelPath, context);
            var test = DatasetCatalog.Load(datasetName, DatasetSplit.Test, parse.GetValue(data), log: new Progress<string>(Console.WriteLine));
            var slice = AttackSetup.Slice(test, first, n);
            var classifier = new NetworkClassifier(loaded.Network);
            AttackSetup.CheckShape(classifier, slice, modelPath);
            long features = slice.Shape.Aggregate(1L, (a, b) => a * b);
            Directory.CreateDirectory(folder);
            float[] pixels = slice.Pixels.ToArray();
            int[] labels = slice.Labels.ToArray();
            int[] indices = [.. Enumerable.Range(first, slice.Count)];

            Console.WriteLine($"compare-attacks: {string.Join(", ", entrants.Select(e => e.Name))} against {loaded.Architecture.Name} on {datasetName} " +
                              $"test images {first}..{first + n - 1}, budget {propagations} propagations per image");
            var records = new List<AttackRunRecord>();
            var failures = new List<string>();
            foreach (var info in entrants)
            {
                var clock = Stopwatch.StartNew();
                try
                {
                    var plan = AttackComparison.Plan(info.Name, datasetName, propagations, classifier.Classes, features);
                    string label = $"{info.Name} {(plan.Iterations is int k ? k.ToString(CultureInfo.InvariantCulture) : "(thesis settings)")}";
                    var run = ProgressLine.Run(label, update => AttackComparison.Run(classifier, plan, pixels, labels, indices, new AttackRunnerOptions
                    {
                        BatchSize = batchSize,
                        UpperDistortion = Budgets.UpperDistortion(datasetName),
                        Dataset = datasetName,
                        Model = Path.GetFileName(modelPath),
                        KeepExamples = 0,
                        Progress = p => update((double)p.Processed / p.Total,
                            string.Create(CultureInfo.InvariantCulture, $"{p.Processed}/{p.Total} images, P_suc {p.SuccessRate:F3}")),
                    }));
                    run = run with { Record = run.Record with { Run = Invocation.Stamp(run.Record.Run) } };
                    string path = Path.Combine(folder, info.Name + ".json");
                    run.Record.Save(path);
                    records.Add(run.Record);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{label}: planned {plan.Cost.Propagations} propagations ({plan.Cost.Gradients} gradients, {plan.Cost.Forwards} forwards); {AttackSetup.Summary(run.Record)}; wall {clock.Elapsed.TotalSeconds:F1} s; wrote {path}"));
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    string message = CliErrors.Describe(e);
                    Console.Error.WriteLine($"advcore: {info.Name} failed: {message}");
                    failures.Add($"{info.Name}: {message}");
                }
            }

            if (records.Count > 0)
            {
                var comparison = AttackComparison.Compare(records, propagations);
                string json = Path.Combine(folder, "comparison.json"), csv = Path.Combine(folder, "comparison.csv"), png = Path.Combine(folder, "robust-accuracy.png");
                comparison.SaveJson(json);
                comparison.SaveCsv(csv);
                RobustAccuracyChart.Save(png, comparison, $"{loaded.Architecture.Name} on {datasetName}, {propagations} propagations per image");
                Console.Write(Render(comparison));
                Console.WriteLine($"wrote {json}, {csv}, {png}");
            }
            if (failures.Count > 0)
            {
                Console.Error.WriteLine($"advcore: {failures.Count} of {entrants.Count} attacks failed: {string.Join("; ", failures)}");
                return 1;
            }
            return 0;
        });
        return command;
    }

    /// <summary>The attacks to compare: the named ones (registry names or aliases, each once), else every minimum-norm row.</summary>
    internal static IReadOnlyList<AttackInfo> Entrants(string? names, string dataset)
    {
        if (names is null) return AttackComparison.DefaultEntrants();
        var list = names.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        CommonOptions.Check(list.Length > 0, "--attacks names no attack");
        var result = new List<AttackInfo>();
        foreach (string name in list)
        {
            var info = AttackComparison.Entrant(name, dataset); // the registry's "unknown attack" error, or not an L2 attack
            CommonOptions.Check(!result.Contains(info), $"attack '{info.Name}' is listed twice in --attacks");
            result.Add(info);
        }
        return result;
    }

    /// <summary>The comparison table.</summary>
    internal static string Render(AttackComparisonResult c)
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine();
        text.AppendLine(inv, $"budget {c.Budget} propagations per image; N = {c.Correct} of N′ = {c.Count} images attacked (clean accuracy {c.CleanAccuracy:F3})");
        text.AppendLine(inv, $"distance per image: {c.Distance}");
        text.AppendLine(inv, $"ε_max = {(c.EpsilonMax is double e ? e.ToString("F4", inv) : "–")} ({c.EpsilonMaxRule}); A_best = {c.BestArea:F4}");
        text.AppendLine(inv, $"{"attack",-12} {"iters",6} {"mean prop.",10} {"P_suc",6} {"median L2",9} {"mean L2",8} {"optimality",10} {"seconds",8}");
        foreach (var r in c.Entries)
            text.AppendLine(inv, $"{r.Display,-12} {r.Iterations,6} {r.MeanPropagations,10:F1} {r.PSuc,6:F3} {F(r.MedianL2),9} {F(r.MeanL2),8} {F(r.Optimality),10} {r.Seconds,8:F2}");
        return text.ToString();

        static string F(double? v) => v is double d ? d.ToString("F3", CultureInfo.InvariantCulture) : "–";
    }
}
