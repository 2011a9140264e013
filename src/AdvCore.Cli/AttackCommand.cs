using System.CommandLine;
using AdvCore.Attacks;
using AdvCore.Data;
using AdvCore.Defenses;
using AdvCore.Evaluation;
using AdvCore.Models;

namespace AdvCore.Cli;

/// <summary>
/// <c>advcore attack</c>: runs one attack with the thesis settings over a slice of the test set
/// (thesis §3.3 protocol: only correctly classified images are attacked), prints P_suc, D̄, P_upp,
/// # grads and seconds, and writes the result record (JSON, atomically) and optionally the
/// adversarial images, the operating characteristic (CSV, PNG) and an image grid. Every output path
/// is checked before the attack starts. Interrupted (SIGINT/SIGTERM), it finishes the current batch,
/// writes the partial record to <c>--out</c> and exits with 130; <c>--resume</c> continues it to the
/// same results as an uninterrupted run. Side files are written only once the run is complete.
/// </summary>
internal static class AttackCommand
{
    public static Command Create()
    {
        var model = CommonOptions.ModelFile();
        var dataset = CommonOptions.Dataset();
        var attack = CommonOptions.Required<string>("--attack", $"Attack: {AttacksCommand.Names} (advcore attacks: what each does)");
        var iterations = new Option<int?>("--iterations")
        {
            Description = "The attack's iteration count (advcore attacks says what it means for each). Default: the thesis setting",
        };
        var target = new Option<string?>("--target") { Description = "Targeted attack: random | least-likely | LABEL (default: untargeted)" };
        var targetSeed = new Option<ulong>("--target-seed") { Description = "Seed of --target random (targets are a function of seed and image index)", DefaultValueFactory = _ => 0 };
        var margin = new Option<float>("--margin") { Description = "Success needs a logit margin above this (0: plain argmax)", DefaultValueFactory = _ => 0 };
        var count = new Option<int>("--count") { Description = "Attack the first N test images (from --start)", DefaultValueFactory = _ => 1000 };
        var start = new Option<int>("--start") { Description = "Index of the first test image (for sharding; combine shards with advcore merge)", DefaultValueFactory = _ => 0 };
        var batch = CommonOptions.AttackBatch();
        var noQuantize = new Option<bool>("--no-quantize") { Description = "Real-valued adversarial images (thesis Table 5.3) instead of the 8-bit grid" };
        var parameters = new Option<string[]>("--param")
        {
            Description = "Attack option as key=value on top of the thesis settings, e.g. epsilons=0.1,0.2 or gamma-min=0.6 (repeatable; cw also takes schedule=5x20|1x100)",
            AllowMultipleArgumentsPerToken = false,
        };
        var output = CommonOptions.Required<string>("--out", "Result record to write (JSON)");
        var saveImages = new Option<string?>("--save-images") { Description = "Also write the adversarial images of the attacked images (safetensors: images, indices, labels, adv_labels)" };
        var csv = new Option<string?>("--csv") { Description = "Also write the operating characteristic P(D) as CSV" };
        var chart = new Option<string?>("--chart") { Description = "Also write the operating characteristic as PNG" };
        var grid = new Option<string?>("--grid") { Description = "Also write a PNG grid of 8 originals, adversarials and perturbations" };
        var squeeze = CommonOptions.Squeeze();
        var resume = new Option<bool>("--resume") { Description = "Continue the interrupted run whose partial record is at --out (same options)" };
        var data = CommonOptions.Data();
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();

        var command = new Command("attack", "Attack a model on the first N test images and write the result record\n\n" + AttacksCommand.HelpTable());
        foreach (var o in new Option[] { model, dataset, attack, iterations, target, targetSeed, margin, count, start, batch, noQuantize, parameters, output, saveImages, csv, chart, grid, squeeze, resume, data, device, threads })
            command.Options.Add(o);

        command.SetAction(parse =>
        {
            string datasetName = DatasetCatalog.Normalize(parse.GetValue(dataset)!);
            int n = parse.GetValue(count), first = parse.GetValue(start);
            CommonOptions.Check(n >= 1, $"--count must be >= 1 (got {n})");
            CommonOptions.Check(first >= 0, $"--start must be >= 0 (got {first})");
            var attackInstance = AttackSetup.Build(parse.GetValue(attack)!, datasetName, parse.GetValue(iterations), !parse.GetValue(noQuantize),
                                                   AttackSetup.ParseParameters(parse.GetValue(parameters)));
            var targets = parse.GetValue(target) is { } t ? TargetSelection.Parse(t, parse.GetValue(targetSeed)) : TargetSelection.None;
            float marginValue = parse.GetValue(margin);
            CommonOptions.Check(marginValue >= 0 && float.IsFinite(marginValue), $"--margin must be a finite number >= 0 (got {marginValue})");
            if (targets.Mode != TargetMode.None && !attackInstance.SupportsTargeted)
                throw new ArgumentException($"--target: {attackInstance.Name} has no targeted form (targeted attacks: {string.Join(", ", AttackRegistry.All.Where(a => a.SupportsTargeted).Select(a => a.Name))})");
            if (marginValue > 0 && !attackInstance.SupportsMargin)
                throw new ArgumentException($"--margin: {attackInstance.Name} does not take a confidence margin");
            string modelPath = parse.GetValue(model)!;
            string outPath = parse.GetValue(output)!;
            string? imagesPath = parse.GetValue(saveImages), csvPath = parse.GetValue(csv), chartPath = parse.GetValue(chart), gridPath = parse.GetValue(grid);
            OutputPaths.ProbeFiles(("--out", outPath), ("--save-images", imagesPath), ("--csv", csvPath), ("--chart", chartPath), ("--grid", gridPath));
            Interruption.Graceful();

            using var context = CommonOptions.CreateContext(parse.GetValue(device)!, parse.GetValue(threads));
            using var loaded = ModelFile.Load(modelPath, context);
            var test = DatasetCatalog.Load(datasetName, DatasetSplit.Test, parse.GetValue(data), log: new Progress<string>(Console.WriteLine));
            var slice = AttackSetup.Slice(test, first, n);
            var classifier = CommonOptions.Defend(new NetworkClassifier(loaded.Network), parse.GetValue(squeeze));
            using var defense = classifier as TransformedClassifier;
            AttackSetup.CheckShape(classifier, slice, modelPath);

            string modelName = Path.GetFileName(modelPath) + (defense is null ? "" : $" + {defense.Name}");
            var partial = parse.GetValue(resume) ? PartialRun.Load(outPath, attackInstance, null, datasetName, modelName, slice, first) : null;
            if (partial is { } p) Console.WriteLine($"resuming {outPath}: {p.Record.Count} of {n} images done");
            else if (parse.GetValue(resume)) Console.WriteLine($"no partial record at {outPath}: starting from the first image");
            int keep = imagesPath is not null ? int.MaxValue : gridPath is not null ? 8 : 0;
            var cost = attackInstance.Cost(classifier.Classes, slice.Shape.Aggregate(1L, (a, b) => a * b));
            Console.WriteLine($"{attackInstance.Name} ({cost.Gradients} grads + {cost.Forwards} forwards per image at most, {targets.Describe()}, {(attackInstance.Options.Quantize ? "quantized" : "real-valued")}) " +
                              $"against {loaded.Architecture.Name}{(defense is null ? "" : $" defended by {defense.Name} (BPDA gradients)")} on {datasetName} test images {first}..{first + n - 1}");
            var run = AttackSetup.Run(classifier, attackInstance, slice, first, parse.GetValue(batch), datasetName, modelName,
                                      null, keep, $"{attackInstance.Name} {attackInstance.Iterations}", targets, marginValue, partial, partialOk: true);
            var record = run.Record;
            if (!run.Completed)
            {
                PartialRun.Save(outPath, run, slice.Shape);
                Console.WriteLine($"interrupted after {record.Count} of {n} images: wrote the partial record {outPath} (side files are written when the run completes)");
                Console.WriteLine($"continue with: {Interruption.ResumeCommand()}");
                return ExitCodes.Interrupted;
            }
            Console.WriteLine($"{record.Label}: {AttackSetup.Summary(record)}");

            record.Save(outPath);
            Console.WriteLine($"wrote {outPath}");
            if (imagesPath is not null)
            {
                AttackSetup.SaveImages(imagesPath, run.Examples, slice.Shape, record);
                Console.WriteLine($"wrote {imagesPath} ({run.Examples.Count} images)");
            }
            if (csvPath is not null)
            {
                ResultFiles.WriteOperatingCharacteristics(csvPath, [record]);
                Console.WriteLine($"wrote {csvPath}");
            }
            if (chartPath is not null)
            {
                OperatingCharacteristicChart.Save(chartPath, [record], $"{record.Label} on {datasetName}");
                Console.WriteLine($"wrote {chartPath}");
            }
            if (gridPath is not null)
            {
                if (run.Examples.Count == 0) Console.WriteLine($"no attacked image to draw; {gridPath} not written");
                else
                {
                    AdversarialGrid.Save(gridPath, run.Examples.Take(8).ToList(), slice.Shape);
                    Console.WriteLine($"wrote {gridPath}");
                }
            }
            PartialRun.Complete(outPath);
            return 0;
        });
        return command;
    }
}
