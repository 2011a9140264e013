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
/// <c>advcore reproduce table-4.1|table-4.2|table-5.1|table-5.2|table-5.3</c>: runs every attack of a thesis table on
/// the same test images, writes one JSON per attack, the summary and operating-characteristic CSVs,
/// the operating-characteristic chart and an image grid into a folder, and prints our table beside
/// the thesis's numbers (<see cref="ThesisTables"/>). A failing attack is reported and skipped; the
/// exit code is then 1.
/// </summary>
internal static class ReproduceCommand
{
    public static Command Create()
    {
        var table = new Argument<string>("table") { Description = string.Join(", ", ThesisTables.Names.Concat(PatchReproduce.Names).Concat(SmoothFoolTables.Names).Append(SmoothedInferenceReproduce.Name)) };
        var model = CommonOptions.ModelFile();
        var dataset = CommonOptions.Dataset();
        var count = new Option<int>("--count") { Description = "Attack the first N test images", DefaultValueFactory = _ => 1000 };
        var batch = CommonOptions.AttackBatch();
        var output = CommonOptions.Required<string>("--out", "Folder for the results (created if needed)");
        var data = CommonOptions.Data();
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();
        var resume = new Option<bool>("--resume") { Description = "Reuse the records already in --out and continue an interrupted one (thesis tables)" };
        var sigmas = new Option<string?>("--sigmas") { Description = "smoothfool tables: comma-separated σ_g list (default 1,2,3,5 for smoothfool-table-1, 20,60,100 for smoothfool-table-2); smoothed-inference: the noise σ list" };
        var samples = new Option<string>("--samples") { Description = "smoothed-inference: comma-separated copies m", DefaultValueFactory = _ => "1,4,8,16,32" };
        var epsilon = new Option<float?>("--epsilon") { Description = "smoothed-inference: the attacks' budget (default L2 1.5 MNIST, 0.5 CIFAR-10)" };
        var norm = new Option<string>("--norm") { Description = "smoothed-inference: l2 or linf", DefaultValueFactory = _ => "l2" };
        var iterations = new Option<int>("--iterations") { Description = "smoothed-inference: attack steps", DefaultValueFactory = _ => 10 };
        var seed = new Option<ulong>("--seed") { Description = "smoothed-inference: noise seed", DefaultValueFactory = _ => 0UL };
        var codebooks = PatchDefenseSetup.Codebooks(required: false);
        codebooks.Description = "table-6.x: the patch-replacement codebooks (repeatable: one per layer)";
        var strategy = PatchDefenseSetup.Strategy();
        var patchEpsilon = new Option<float>("--strategy-epsilon") { Description = "table-6.x: ε of the last codebook's --strategy", DefaultValueFactory = _ => 0f };
        var advModel = new Option<string?>("--adv-model") { Description = "table-6.3/6.4: a PGD adversarially trained model for the comparison row" };
        var command = new Command("reproduce", "Run every attack of a thesis table (4.1, 4.2, 5.1, 5.2, 5.3, 6.2, 6.3, 6.4) or of SmoothFool's Tables 1-2 (smoothfool-table-1, smoothfool-table-2) and print it beside the published numbers; smoothed-inference: seed 003's accuracy vs σ and m per voting");
        command.Arguments.Add(table);
        foreach (var o in new Option[] { model, dataset, count, batch, output, data, device, threads, resume, sigmas, samples, epsilon, norm, iterations, seed, codebooks, strategy, patchEpsilon, advModel })
            command.Options.Add(o);

        command.SetAction(parse =>
        {
            string tableName = parse.GetValue(table)!;
            if (tableName.Equals(SmoothedInferenceReproduce.Name, StringComparison.OrdinalIgnoreCase))
            {
                string name = DatasetCatalog.Normalize(parse.GetValue(dataset)!);
                int siCount = parse.GetValue(count);
                CommonOptions.Check(siCount >= 1, $"--count must be >= 1 (got {siCount})");
                var settings = new SmoothedInferenceSettings
                {
                    Sigmas = parse.GetValue(sigmas) is { } text ? ListParse.Floats(text, "--sigmas", allowZero: true) : SmoothedInferenceReproduce.DefaultSigmas(name),
                    SampleCounts = ListParse.Ints(parse.GetValue(samples)!, "--samples"),
                    Norm = ListParse.Norm(parse.GetValue(norm)!, "--norm"),
                    Epsilon = parse.GetValue(epsilon) ?? SmoothedInferenceReproduce.DefaultEpsilon(name),
                    Iterations = parse.GetValue(iterations),
                    Batch = parse.GetValue(batch),
                    Seed = parse.GetValue(seed),
                };
                return SmoothedInferenceReproduce.Run(parse.GetValue(model)!, name, siCount, parse.GetValue(output)!, parse.GetValue(data), parse.GetValue(device)!,
                                                      parse.GetValue(threads), parse.GetValue(resume), settings);
            }
            if (PatchReproduce.Names.Contains(tableName.ToLowerInvariant()))
                return PatchReproduce.Run(tableName, parse.GetValue(model)!, DatasetCatalog.Normalize(parse.GetValue(dataset)!), parse.GetValue(count), parse.GetValue(batch),
                                          parse.GetValue(output)!, parse.GetValue(data), parse.GetValue(device)!, parse.GetValue(threads),
                                          parse.GetValue(codebooks) ?? [], parse.GetValue(strategy)!, parse.GetValue(patchEpsilon), parse.GetValue(advModel));
            if (tableName.StartsWith("smoothfool", StringComparison.OrdinalIgnoreCase))
            {
                int sfCount = parse.GetValue(count), sfBatch = parse.GetValue(batch);
                CommonOptions.Check(sfCount >= 1, $"--count must be >= 1 (got {sfCount})");
                CommonOptions.Check(sfBatch >= 1, $"--batch must be >= 1 (got {sfBatch})");
                return SmoothFoolReproduce.Run(tableName.ToLowerInvariant(), parse.GetValue(model)!, DatasetCatalog.Normalize(parse.GetValue(dataset)!), sfCount, sfBatch,
                                               parse.GetValue(output)!, parse.GetValue(data), parse.GetValue(device)!, parse.GetValue(threads), parse.GetValue(sigmas));
            }
            var thesis = ThesisTables.Get(parse.GetValue(table)!);
            string datasetName = DatasetCatalog.Normalize(parse.GetValue(dataset)!);
            int n = parse.GetValue(count), batchSize = parse.GetValue(batch);
            CommonOptions.Check(n >= 1, $"--count must be >= 1 (got {n})");
            CommonOptions.Check(batchSize >= 1, $"--batch must be >= 1 (got {batchSize})");
            string folder = parse.GetValue(output)!;
            string modelPath = parse.GetValue(model)!;
            OutputPaths.ProbeFolder("--out", folder);
            Interruption.Graceful();

            using var context = CommonOptions.CreateContext(parse.GetValue(device)!, parse.GetValue(threads));
            using var loaded = ModelFile.Load(modelPath, context);
            var test = DatasetCatalog.Load(datasetName, DatasetSplit.Test, parse.GetValue(data), log: new Progress<string>(Console.WriteLine));
            var slice = AttackSetup.Slice(test, 0, n);
            var classifier = new NetworkClassifier(loaded.Network);
            AttackSetup.CheckShape(classifier, slice, modelPath);
            Directory.CreateDirectory(folder);

            Console.WriteLine($"{thesis.Name}: {thesis.Title}; {loaded.Architecture.Name} on {datasetName}, test images 0..{n - 1}, {thesis.Rows.Count} runs");
            if (thesis == ThesisTables.Table42)
                Console.WriteLine("note: Table 4.2 attacks a network adversarially trained against FGSM; AdvCore's trainer cannot make one yet " +
                                  "(adversarial training is its own issue), so this runs on the model given, whatever its training: " +
                                  "compare with the thesis only if that model was FGSM-adversarially trained");
            var results = new List<(ThesisRow Row, AttackRun? Run, string? Error, double Wall)>();
            foreach (var row in thesis.Rows)
            {
                string label = row.Variant is null || row.Variant == row.Grads ? $"{row.Attack} {row.Grads}" : $"{row.Attack} {row.Grads} ({row.Variant})";
                var clock = Stopwatch.StartNew();
                try
                {
                    var attack = AttackSetup.Build(row.Attack, datasetName, row.Iterations, thesis.Quantize, row.Parameters);
                    string path = Path.Combine(folder, row.Stem + ".json");
                    var partial = parse.GetValue(resume) ? PartialRun.Load(path, attack, row.Variant, datasetName, Path.GetFileName(modelPath), slice, 0) : null;
                    var run = partial is { } done && done.Record.Count == n
                        ? new AttackRun(done.Record, done.Examples, Completed: true)
                        : AttackSetup.Run(classifier, attack, slice, 0, batchSize, datasetName, Path.GetFileName(modelPath), row.Variant, 1, label,
                                          resume: partial, partialOk: true);
                    // The kept image stays beside the record until the table is complete, so a resumed table draws the same grid.
                    PartialRun.Save(path, run, slice.Shape);
                    if (!run.Completed)
                    {
                        Console.WriteLine($"{label}: interrupted after {run.Record.Count} of {n} images: wrote the partial record {path}; " +
                                          $"the table's files are written when every run is complete");
                        Console.WriteLine($"continue with: {Interruption.ResumeCommand()}");
                        return ExitCodes.Interrupted;
                    }
                    Console.WriteLine($"{label}: {AttackSetup.Summary(run.Record)}; wall {clock.Elapsed.TotalSeconds:F1} s; {(partial is { } reused && reused.Record.Count == n ? "reused" : "wrote")} {path}");
                    results.Add((row, run, null, clock.Elapsed.TotalSeconds));
                }
                catch (Exception e) when (e is not OutOfMemoryException and not OperationCanceledException)
                {
                    string message = CliErrors.Describe(e);
                    Console.Error.WriteLine($"advcore: {label} failed: {message}");
                    results.Add((row, null, message, clock.Elapsed.TotalSeconds));
                }
            }

            var records = results.Where(r => r.Run is not null).Select(r => r.Run!.Record).ToList();
            if (records.Count > 0)
            {
                var files = new List<string>();
                string summary = Path.Combine(folder, "summary.csv");
                ResultFiles.WriteSummary(summary, records);
                files.Add(summary);
                string curves = Path.Combine(folder, "operating-characteristic.csv");
                ResultFiles.WriteOperatingCharacteristics(curves, records);
                files.Add(curves);
                string chart = Path.Combine(folder, "operating-characteristic.png");
                OperatingCharacteristicChart.Save(chart, records, $"{thesis.Name}: {loaded.Architecture.Name} on {datasetName}");
                files.Add(chart);
                // One column per run (in table order) on the first attacked image, the same image for every run.
                var firsts = results.Where(r => r.Run is { Examples.Count: > 0 }).Select(r => r.Run!.Examples[0]).ToList();
                if (firsts.Count > 0)
                {
                    int index = firsts[0].Index;
                    var columns = firsts.Where(e => e.Index == index).ToList();
                    string grid = Path.Combine(folder, "adversarial-grid.png");
                    AdversarialGrid.Save(grid, columns, slice.Shape);
                    files.Add(grid);
                    Console.WriteLine($"grid: test image {index}, columns = {string.Join(" | ", results.Where(r => r.Run is { Examples.Count: > 0 } && r.Run.Examples[0].Index == index).Select(r => r.Run!.Record.Label))}");
                }
                Console.WriteLine($"wrote {string.Join(", ", files)}");
            }

            foreach (var row in thesis.Rows) PartialRun.Complete(Path.Combine(folder, row.Stem + ".json"));
            Console.Write(Render(thesis, datasetName, results));
            int failed = results.Count(r => r.Error is not null);
            if (failed > 0)
            {
                Console.Error.WriteLine($"advcore: {failed} of {results.Count} runs failed: {string.Join("; ", results.Where(r => r.Error is not null).Select(r => $"{r.Row.Stem}: {r.Error}"))}");
                return 1;
            }
            return 0;
        });
        return command;
    }

    /// <summary>Our table beside the thesis's column for the dataset (Table 5.1: ImageNet, its only column).</summary>
    internal static string Render(ThesisTable table, string dataset, IReadOnlyList<(ThesisRow Row, AttackRun? Run, string? Error, double Wall)> results)
    {
        string? column = ThesisTables.Column(table, dataset);
        var text = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        text.AppendLine();
        text.AppendLine(inv, $"{table.Name} ({table.Title}) on {dataset}; thesis column: {column ?? "none for this dataset"}");
        text.AppendLine(inv, $"thesis numbers: {table.Source}");
        text.AppendLine(inv, $"{"attack",-34} {"# grads",7} | {"P_suc",6} {"D̄",6} {"P_upp",6} {"wall s",8} | {"thesis",6} {"D̄",6} {"P_upp",6}");
        foreach (var (row, run, error, wall) in results)
        {
            string name = (AttackRegistry.Find(row.Attack)?.Display ?? row.Attack) + (row.Variant is null || row.Attack == "cw" ? "" : $" ({row.Variant})");
            string ours = run is null
                ? $"{"failed",-29}"
                : string.Create(inv, $"{run.Record.PSuc,6:F2} {(run.Record.MeanL2 is double m ? m.ToString("F2", inv) : "–"),6} {run.Record.PUpp,6:F2} {wall,8:F1}");
            string theirs = column is not null && row.Thesis.TryGetValue(column, out var t)
                ? string.Create(inv, $"{t.PSuc,6:F2} {t.MeanL2,6:F2} {(t.PUpp is double u ? u.ToString("F2", inv) : "–"),6}")
                : $"{"–",6} {"–",6} {"–",6}";
            text.AppendLine(inv, $"{name,-34} {row.Grads,7} | {ours} | {theirs}");
        }
        if (table == ThesisTables.Table51)
            text.AppendLine("(the thesis reports Table 5.1 on ImageNet only; compare the ordering of the three strategies, not the values)");
        return text.ToString();
    }
}
