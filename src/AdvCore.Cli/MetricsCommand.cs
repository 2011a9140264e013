using System.CommandLine;
using System.Globalization;
using AdvCore.Attacks;
using AdvCore.Data;
using AdvCore.Evaluation;
using AdvCore.IO;
using AdvCore.Models;

namespace AdvCore.Cli;

/// <summary>
/// <c>advcore metrics</c>: seed 002's robustness metrics of a model on a slice of the test set —
/// empirical robustness (minimal FGSM), training-set distance (over the whole training split),
/// local loss sensitivity.
/// </summary>
internal static class MetricsCommand
{
    public static Command Create()
    {
        var model = CommonOptions.ModelFile();
        var dataset = CommonOptions.Dataset();
        var count = new Option<int>("--count") { Description = "Test images from --start", DefaultValueFactory = _ => 100 };
        var start = new Option<int>("--start") { Description = "Index of the first test image", DefaultValueFactory = _ => 0 };
        var batch = CommonOptions.AttackBatch();
        var attack = new Option<string>("--attack") { Description = "Minimal-perturbation attack (fgsm)", DefaultValueFactory = _ => "fgsm" };
        var defaults = new MinimalFgsmOptions();
        var step = new Option<float>("--epsilon-step") { Description = "Grid step of the L∞ ε search", DefaultValueFactory = _ => defaults.Step };
        var max = new Option<float>("--epsilon-max") { Description = "Largest ε tried", DefaultValueFactory = _ => defaults.MaxEpsilon };
        var refine = new Option<int>("--refine") { Description = "Bisection steps after the grid (0 = ART's grid only)", DefaultValueFactory = _ => defaults.Refinements };
        var noTrain = new Option<bool>("--no-training-distance") { Description = "Skip the training-set distance" };
        var json = new Option<string?>("--json") { Description = "Also write the report (with per-image rows) as JSON to this file" };
        var data = CommonOptions.Data();
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();
        var command = new Command("metrics", "Empirical robustness (minimal FGSM), training-set distance and loss sensitivity (seed 002)");
        foreach (var o in new Option[] { model, dataset, count, start, batch, attack, step, max, refine, noTrain, json, data, device, threads }) command.Options.Add(o);

        command.SetAction(parse =>
        {
            int n = parse.GetValue(count), first = parse.GetValue(start), b = parse.GetValue(batch);
            CommonOptions.Check(n >= 1, $"--count must be >= 1 (got {n})");
            CommonOptions.Check(first >= 0, $"--start must be >= 0 (got {first})");
            CommonOptions.Check(b >= 1, $"--batch must be >= 1 (got {b})");
            string name = parse.GetValue(attack)!.Trim();
            if (AttackRegistry.Get(name).Name != "fgsm") // Get throws "unknown attack" with the list
                throw new ArgumentException($"--attack {name}: the metrics need a minimal-perturbation FGSM; only fgsm is supported");
            var search = new MinimalFgsmOptions { Step = parse.GetValue(step), MaxEpsilon = parse.GetValue(max), Refinements = parse.GetValue(refine) };
            try { search.Validate(); }
            catch (ArgumentException e) { throw new ArgumentException($"--epsilon-step / --epsilon-max / --refine: {CliErrors.Describe(e)}", e); }
            string datasetName = DatasetCatalog.Normalize(parse.GetValue(dataset)!);
            OutputPaths.ProbeFiles(("--json", parse.GetValue(json)));
            using var context = CommonOptions.CreateContext(parse.GetValue(device)!, parse.GetValue(threads));
            using var loaded = ModelFile.Load(parse.GetValue(model)!, context);
            var log = new Progress<string>(Console.WriteLine);
            var test = AttackSetup.Slice(DatasetCatalog.Load(datasetName, DatasetSplit.Test, parse.GetValue(data), log: log), first, n);
            var train = parse.GetValue(noTrain) ? null : DatasetCatalog.Load(datasetName, DatasetSplit.Train, parse.GetValue(data), log: log);
            var classifier = new NetworkClassifier(loaded.Network);
            AttackSetup.CheckShape(classifier, test, parse.GetValue(model)!);
            var report = ProgressLine.Run("metrics", update => RobustnessMetrics.Evaluate(classifier, test, train, search, b, first,
                (done, total, phase) => update((double)done / total, $"{done}/{total} images ({phase})"), Interruption.Token));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{loaded.Architecture.Name} on {datasetName} test {first}..{first + n - 1}: {report.Correct}/{report.Count} correct, {report.Unflipped} not flipped by ε ≤ {search.MaxEpsilon}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  empirical robustness ρ {report.EmpiricalRobustness:F4}  (mean ε {report.MeanEpsilon:F4}, mean ‖Δx‖₂ {report.MeanL2:F4})"));
            Console.WriteLine(train is null ? "  training-set distance  (skipped)" : string.Create(CultureInfo.InvariantCulture,
                $"  training-set distance  {report.TrainingSetDistance:F4}  (nearest of {report.TrainingImages} training images)"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  loss sensitivity       {report.LossSensitivity:F4}  ({report.Seconds:F1} s)"));
            if (parse.GetValue(json) is { } path)
            {
                AtomicFile.WriteText(path, (report with { Run = Invocation.Stamp(report.Run) }).ToJson());
                Console.WriteLine($"wrote {path}");
            }
            return 0;
        });
        return command;
    }
}
