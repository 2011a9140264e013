using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using AdvCore.Attacks;
using AdvCore.Data;
using AdvCore.Evaluation;
using AdvCore.Models;
using AdvCore.Nn;
using AdvCore.Training;

namespace AdvCore.Cli;

/// <summary>
/// <c>advcore demo</c>, the README's main job: gets a C4 MNIST model (offline without MNIST: Fashion-MNIST, see <see cref="LoadTestSet"/>) (--model, else the cached
/// ~/.cache/advcore/models/c4-mnist-1epoch.safetensors, else trains one epoch with the default
/// TrainingOptions and caches it), evaluates it on the test set, attacks the first N test images
/// with BP (20 iterations) and DDN (100 iterations), and writes the result records, the operating
/// characteristic chart and an image grid with the adversarial magnification rows (<see cref="MagnifiedGrid"/>).
/// </summary>
internal static class DemoCommand
{
    private const string CachedName = "c4-mnist-1epoch.safetensors";

    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = $"Model file to attack (default: the cached ~/.cache/advcore/models/{CachedName}, trained on first use)" };
        var output = new Option<string>("--out") { Description = "Folder for the results", DefaultValueFactory = _ => "demo-out" };
        var count = new Option<int>("--count") { Description = "Attack the first N test images", DefaultValueFactory = _ => 300 };
        var batch = new Option<int>("--batch") { Description = "Images per attack batch", DefaultValueFactory = _ => 100 };
        var offline = new Option<bool>("--offline") { Description = "Never download: without MNIST on disk, use Fashion-MNIST (Debian's dataset-fashion-mnist)" };
        var data = CommonOptions.Data();
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();
        var command = new Command("demo", "Train (or reuse) C4 on MNIST (offline without MNIST: on Fashion-MNIST, if installed), evaluate it, attack it with BP and DDN, and write the results");
        foreach (var o in new Option[] { model, output, count, batch, offline, data, device, threads }) command.Options.Add(o);

        command.SetAction(parse =>
        {
            int n = parse.GetValue(count), batchSize = parse.GetValue(batch);
            CommonOptions.Check(n >= 1, $"--count must be >= 1 (got {n})");
            CommonOptions.Check(batchSize >= 1, $"--batch must be >= 1 (got {batchSize})");
            string folder = parse.GetValue(output)!;
            OutputPaths.ProbeFolder("--out", folder);
            string? dataDir = parse.GetValue(data);
            var total = Stopwatch.StartNew();

            using var context = CommonOptions.CreateContext(parse.GetValue(device)!, parse.GetValue(threads), seed: 1);
            var log = new Progress<string>(Console.WriteLine);
            var (dataset, test) = LoadTestSet(dataDir, !parse.GetValue(offline), log);
            string modelPath = parse.GetValue(model) ?? CachedModelPath(dataset);
            if (parse.GetValue(model) is null && !File.Exists(modelPath))
                TrainAndCache(context, modelPath, dataset, test, dataDir, log);
            else
                Console.WriteLine($"using model {modelPath}");
            using var loaded = ModelFile.Load(modelPath, context);

            var report = ProgressLine.Run("evaluating", update =>
                Evaluator.Evaluate(loaded.Network, test, 500, new Progress<(int Done, int Total)>(p => update((double)p.Done / p.Total, $"{p.Done}/{p.Total}"))));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{loaded.Architecture.Name} on {dataset} test: accuracy {report.Accuracy:F4} ({report.Correct}/{report.Count})"));

            var slice = AttackSetup.Slice(test, 0, Math.Min(n, test.Count));
            var classifier = new NetworkClassifier(loaded.Network);
            AttackSetup.CheckShape(classifier, slice, modelPath);
            Directory.CreateDirectory(folder);
            var files = new List<string>();
            var runs = new List<AttackRun>();
            foreach (var (name, iterations) in new[] { ("bp", 20), ("ddn", 100) })
            {
                var attack = AttackSetup.Build(name, dataset, iterations, quantize: true, new Dictionary<string, string>());
                var run = AttackSetup.Run(classifier, attack, slice, 0, batchSize, dataset, Path.GetFileName(modelPath), null, 8, $"{name} {iterations}");
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{name.ToUpperInvariant()} {iterations}: P_suc {run.Record.PSuc:F3}, D̄ {AttackSetup.Mean(run.Record)} " +
                    $"(P_upp {run.Record.PUpp:F3} at D_upp {run.Record.DUpp:G3}, {run.Record.Correct} images attacked, {run.Record.Seconds:F1} s)"));
                string path = Path.Combine(folder, $"{name}-{iterations}.json");
                run.Record.Save(path);
                files.Add(path);
                runs.Add(run);
            }
            string chart = Path.Combine(folder, "operating-characteristic.png");
            OperatingCharacteristicChart.Save(chart, runs.Select(r => r.Record).ToList(), $"BP 20 vs DDN 100, {loaded.Architecture.Name} on {Display(dataset)}");
            files.Add(chart);
            // Columns 1-8: BP 20 on the first attacked images; 9-16: DDN 100 on the same images;
            // rows as MagnifiedGrid (the last two: adversarial magnification, thesis §4.5).
            var examples = runs.SelectMany(r => r.Examples).ToList();
            if (examples.Count > 0)
            {
                string grid = Path.Combine(folder, "adversarial-grid.png");
                MagnifiedGrid.Save(grid, runs.Select(r => new MagnifiedGridBlock(r.Record.Label, r.Examples)).ToList(), slice.Shape);
                files.Add(grid);
            }
            Console.WriteLine($"wrote into {Path.GetFullPath(folder)} ({total.Elapsed.TotalSeconds:F1} s in all):");
            foreach (var f in files) Console.WriteLine($"  {f}  ({new FileInfo(f).Length:N0} bytes)");
            if (examples.Count > 0) Console.WriteLine($"  (adversarial-grid.png: rows {string.Join(" / ", MagnifiedGrid.RowNames)}; columns 1-8 BP 20, 9-16 DDN 100 on the same images)");
            return 0;
        });
        return command;
    }

    /// <summary>
    /// The MNIST test set (found, or downloaded and checksummed); when it is nowhere and cannot be
    /// downloaded (offline), Fashion-MNIST where it is already on disk (Debian's
    /// dataset-fashion-mnist: /usr/share/datasets/fashion-mnist), saying so. Neither: the MNIST
    /// error plus what to do.
    /// </summary>
    internal static (string Dataset, LabeledImages Test) LoadTestSet(string? dataDir, bool allowDownload, IProgress<string> log)
    {
        try
        {
            return ("mnist", DatasetCatalog.Load("mnist", DatasetSplit.Test, dataDir, allowDownload, log));
        }
        catch (DatasetNotFoundException e)
        {
            const string fallback = "fashion-mnist";
            if (DatasetLocator.TryLocate(fallback, DatasetSplit.Test, dataDir) is { } files &&
                DatasetLocator.TryLocate(fallback, DatasetSplit.Train, dataDir) is not null)
            {
                Console.WriteLine($"{Summary(e)}; falling back to Fashion-MNIST from {Path.GetDirectoryName(files[0])}");
                return (fallback, DatasetCatalog.Load(fallback, DatasetSplit.Test, dataDir, allowDownload: false, log: log));
            }
            throw new FileNotFoundException(Summary(e) +
                " — set ADVCORE_DATA to a folder holding mnist/ (in this workplace ../shared/datasets), pass --data DIR, or install Debian's dataset-fashion-mnist for the offline fallback", e);
        }
    }

    // "MNIST (test split) not found in 4 folders; Download into … failed: …" on one line.
    private static string Summary(DatasetNotFoundException e)
    {
        string? download = e.Message.Split('\n').FirstOrDefault(l => l.StartsWith("Download", StringComparison.Ordinal));
        return $"MNIST ({e.Split.ToString().ToLowerInvariant()} split) not found in {e.SearchedFolders.Count} folders ({string.Join(", ", e.SearchedFolders)})" +
               (download is null ? "" : "; " + download.TrimEnd('.', '\r'));
    }

    private static string Display(string dataset) => dataset == "mnist" ? "MNIST" : "Fashion-MNIST";

    /// <summary>~/.cache/advcore/models/c4-&lt;dataset&gt;-1epoch.safetensors (c4-mnist-1epoch.safetensors for MNIST).</summary>
    internal static string CachedModelPath(string dataset = "mnist")
    {
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (string.IsNullOrEmpty(home)) home = Path.GetTempPath();
        return Path.Combine(home, ".cache", "advcore", "models", dataset == "mnist" ? CachedName : $"c4-{dataset}-1epoch.safetensors");
    }

    private static void TrainAndCache(Context context, string path, string dataset, LabeledImages test, string? dataDir, IProgress<string> log)
    {
        Console.WriteLine($"no cached model at {path}: training C4 on {Display(dataset)} for one epoch (Adam 1e-3, batch 128; a few minutes on a CPU)");
        var train = DatasetCatalog.Load(dataset, DatasetSplit.Train, dataDir, log: log);
        var options = new TrainingOptions { Epochs = 1 };
        options.Validate();
        var architecture = ModelZoo.Create("c4", test.Shape, test.Classes);
        using var trainer = new Trainer(Network.Build(context, architecture.InputShape, architecture.Layers, options.Seed), architecture, options, ownsNetwork: true);
        var report = ProgressLine.Run("training C4, epoch 1/1", update =>
            trainer.RunEpoch(train, null, new Progress<TrainingProgress>(p =>
                update((double)p.Batch / p.Batches, string.Create(CultureInfo.InvariantCulture, $"loss {p.Loss:F4} acc {p.Accuracy:F4} {p.ImagesPerSecond:F0} img/s")))));
        AttackSetup.EnsureFolder(path);
        ModelFile.Save(path, architecture, trainer.Network, TrainCommand.TrainingRecord(trainer, dataset));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"trained in {report.Seconds:F1} s: loss {report.Loss:F4}, train accuracy {report.TrainAccuracy:F4}; cached {path}"));
    }
}
