using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using AdvCore.Attacks;
using AdvCore.Data;
using AdvCore.Evaluation;
using AdvCore.IO;
using AdvCore.Models;

namespace AdvCore.Cli;

/// <summary>
/// <c>advcore defend eval</c>: clean and adversarial accuracy of a model defended by patch
/// replacement, each attack run oblivious (crafted on the bare model, judged by the defended one)
/// and adaptive (BPDA: the defended model's gradients with the replacement as identity).
/// <c>advcore defend sweep</c>: the accuracy-vs-robustness curve of the strategies over ε
/// (thesis Fig. 6.7), as CSV and PNG. <c>advcore defend codebooks</c>: the same chart over
/// single-layer codebooks — k-means of several K and d, E8 lattices of several scales (Fig. 6.5).
/// </summary>
internal static class DefendCommand
{
    public static Command Create()
    {
        var command = new Command("defend", "Patch-replacement defense (thesis ch. 6): evaluate, sweep strategies and codebooks");
        command.Subcommands.Add(Eval());
        command.Subcommands.Add(Sweep());
        command.Subcommands.Add(CodebookSweep());
        return command;
    }

    private static Command Eval()
    {
        var s = new Shared();
        var attacks = new Option<string[]>("--attack") { Description = "Attacks to run (repeatable; none: clean accuracy only)" };
        var mode = new Option<string>("--mode") { Description = "oblivious, bpda or both", DefaultValueFactory = _ => "both" };
        var json = new Option<string?>("--json") { Description = "Also write the rows as JSON to this file" };
        var command = new Command("eval", "Clean and adversarial accuracy with patch replacement (oblivious and BPDA attacks)");
        s.AddTo(command);
        foreach (var o in new Option[] { attacks, mode, json }) command.Options.Add(o);
        command.SetAction(parse =>
        {
            var modes = parse.GetValue(mode)!.Trim().ToLowerInvariant() switch
            {
                "oblivious" => new[] { AttackMode.Oblivious },
                "bpda" => [AttackMode.Bpda],
                "both" => [AttackMode.Oblivious, AttackMode.Bpda],
                var other => throw new ArgumentException($"--mode {other}: expected oblivious, bpda or both"),
            };
            OutputPaths.ProbeFiles(("--json", parse.GetValue(json)));
            using var run = s.Open(parse);
            var rows = new List<DefenseRow>();
            var bareClean = Evaluator.Evaluate(run.Bare, run.Test, run.Batch);
            var defendedClean = ProgressLine.Run("clean", update => Evaluator.Evaluate(run.Defended, run.Test, run.Batch,
                new Progress<(int Done, int Total)>(p => update((double)p.Done / p.Total, $"{p.Done}/{p.Total} images"))));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"clean accuracy: bare {bareClean.Accuracy:F4}, defended {defendedClean.Accuracy:F4}  [{run.Test.Count} images]"));
            Interruption.Graceful();
            foreach (string name in parse.GetValue(attacks) ?? [])
            {
                var attack = s.Attack(parse, name);
                rows.Add(run.Row(attack, AttackMode.None));
                foreach (var m in modes) rows.Add(run.Row(attack, m));
            }
            if (rows.Count > 0) Console.Write(Table(rows));
            if (parse.GetValue(json) is { } path)
            {
                AtomicFile.WriteText(path, JsonSerializer.Serialize(new { model = run.ModelName, defense = run.Defended.Name, dataset = run.Dataset, rows },
                    new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
                Console.WriteLine($"wrote {path}");
            }
            return 0;
        });
        return command;
    }

    private static Command Sweep()
    {
        var s = new Shared();
        var attack = new Option<string>("--attack") { Description = "The attack whose oblivious accuracy is charted", DefaultValueFactory = _ => "ddn" };
        var strategies = new Option<string>("--strategies") { Description = "Comma-separated strategies of the last codebook", DefaultValueFactory = _ => "l2,linf,linear" };
        var epsilons = new Option<string?>("--epsilons") { Description = "Comma-separated ε per strategy (default: l2/linear 0,0.1,…,1; linf 0,0.02,…,0.2)" };
        var csv = CommonOptions.Required<string>("--csv", "The sweep as CSV");
        var png = new Option<string?>("--png") { Description = "The chart: accuracy on adversarial vs clean images, one curve per strategy" };
        var command = new Command("sweep", "Accuracy vs robustness of the replacement strategies over ε (thesis Fig. 6.7)");
        s.AddTo(command, withStrategy: false);
        foreach (var o in new Option[] { attack, strategies, epsilons, csv, png }) command.Options.Add(o);
        command.SetAction(parse =>
        {
            OutputPaths.ProbeFiles(("--csv", parse.GetValue(csv)), ("--png", parse.GetValue(png)));
            var names = parse.GetValue(strategies)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            foreach (var n in names) Defenses.Patches.PatchReplacement.ParseStrategy(n);
            float[]? given = parse.GetValue(epsilons) is { } text ? [.. ListParse.Floats(text, "--epsilons", allowZero: true)] : null;
            var attackInstance = s.Attack(parse, parse.GetValue(attack)!);
            using var bare = s.Open(parse, defend: false);
            Interruption.Graceful();
            var crafted = bare.Craft(attackInstance, bare.Bare, "on the bare model"); // the oblivious attack: once, judged at every ε
            var text2 = new StringBuilder("strategy,epsilon,clean_accuracy,adversarial_accuracy,p_suc,mean_l2\n");
            var curves = new List<(string, double[], double[])>();
            foreach (string strategy in names)
            {
                float[] eps = given ?? (strategy.Equals("linf", StringComparison.OrdinalIgnoreCase)
                    ? [.. Enumerable.Range(0, 11).Select(i => (float)Math.Round(i * 0.02, 2))] : [.. Enumerable.Range(0, 11).Select(i => (float)Math.Round(i * 0.1, 1))]);
                var xs = new List<double>();
                var ys = new List<double>();
                foreach (float e in eps)
                {
                    using var defended = bare.WithDefense(strategy, e);
                    var row = DefenseEvaluation.Judge(crafted, defended.Defended.Name, AttackMode.Oblivious, defended.Defended, bare.Batch, Interruption.Token);
                    text2.AppendLine(CultureInfo.InvariantCulture, $"{strategy},{e},{row.CleanAccuracy:F4},{row.AdversarialAccuracy:F4},{row.PSuc:F4},{row.MeanL2?.ToString("F4", CultureInfo.InvariantCulture) ?? ""}");
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{strategy} ε {e}: clean {row.CleanAccuracy:F4}, adversarial {row.AdversarialAccuracy:F4} (P_suc {row.PSuc:F3})"));
                    xs.Add(row.CleanAccuracy);
                    ys.Add(row.AdversarialAccuracy);
                }
                curves.Add((strategy, xs.ToArray(), ys.ToArray()));
            }
            AtomicFile.WriteText(parse.GetValue(csv)!, text2.ToString());
            Console.WriteLine($"wrote {parse.GetValue(csv)}");
            if (parse.GetValue(png) is { } pngPath)
            {
                LineChart.Save(pngPath, curves, $"patch replacement strategies vs {attackInstance.Name} (oblivious), {bare.Dataset}", "accuracy on clean images", "accuracy on adversarial images",
                               width: 960, legendOutside: true);
                Console.WriteLine($"wrote {pngPath}");
            }
            return 0;
        });
        return command;
    }

    private static Command CodebookSweep()
    {
        var s = new Shared(codebooksRequired: false);
        var attack = new Option<string>("--attack") { Description = "The attack whose oblivious accuracy is charted", DefaultValueFactory = _ => "ddn" };
        var e8Layers = new Option<int[]>("--e8-layer") { Description = "Also E8 lattices at this layer (repeatable; its channels a multiple of 8), one per --e8-scales value" };
        var e8Scales = new Option<string>("--e8-scales") { Description = "Comma-separated E8 scales s", DefaultValueFactory = _ => "0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9" };
        var csv = CommonOptions.Required<string>("--csv", "The sweep as CSV");
        var png = new Option<string?>("--png") { Description = "The chart: accuracy on adversarial vs clean images, one curve per layer and codebook kind" };
        var command = new Command("codebooks",
            "Clean vs adversarial accuracy of single-layer codebooks, each --codebook alone (plain) and E8 lattices (thesis Fig. 6.5)");
        s.AddTo(command, withStrategy: false);
        foreach (var o in new Option[] { attack, e8Layers, e8Scales, csv, png }) command.Options.Add(o);
        command.SetAction(parse =>
        {
            OutputPaths.ProbeFiles(("--csv", parse.GetValue(csv)), ("--png", parse.GetValue(png)));
            int[] layers = parse.GetValue(e8Layers) ?? [];
            var scales = ListParse.Floats(parse.GetValue(e8Scales)!, "--e8-scales", allowZero: false);
            var attackInstance = s.Attack(parse, parse.GetValue(attack)!);
            using var bare = s.Open(parse, defend: false);
            CommonOptions.Check(bare.Replacements.Count + layers.Length > 0, "give at least one --codebook or --e8-layer");
            // Every point: (curve, label, replacement); the lattices are made here (nothing to train).
            var points = bare.Replacements.Select((r, i) => (Curve: $"layer {r.Codebook.Layer} k-means", Label: $"K={r.Codebook.Clusters} d={r.Codebook.Geometry.SliceDepth} ({Path.GetFileName(bare.Paths[i])})", Replacement: r)).ToList();
            foreach (int layer in layers)
            {
                IReadOnlyList<int> shape;
                try { shape = Defenses.Patches.FeatureLayers.Shape(bare.Network, layer); }
                catch (ArgumentException e) { throw new ArgumentException($"--e8-layer {layer}: {CliErrors.Describe(e)}", e); }
                foreach (float sc in scales)
                {
                    Defenses.Patches.PatchCodebook lattice;
                    try { lattice = Defenses.Patches.PatchCodebook.E8(layer, shape, sc); }
                    catch (ArgumentException e) { throw new ArgumentException($"--e8-layer {layer}: {CliErrors.Describe(e)}", e); }
                    points.Add(($"layer {layer} E8", string.Create(CultureInfo.InvariantCulture, $"s={sc}"), new Defenses.Patches.PatchReplacement(lattice)));
                }
            }
            Interruption.Graceful();
            var crafted = bare.Craft(attackInstance, bare.Bare, "on the bare model"); // oblivious: once, judged by every codebook
            var text = new StringBuilder("curve,codebook,clean_accuracy,adversarial_accuracy,p_suc,mean_l2\n");
            var results = new List<(string Curve, double Clean, double Adversarial)>();
            foreach (var (curve, label, replacement) in points)
            {
                using var defended = bare.With([replacement], [label]);
                var row = DefenseEvaluation.Judge(crafted, defended.Defended.Name, AttackMode.Oblivious, defended.Defended, bare.Batch, Interruption.Token);
                text.AppendLine(CultureInfo.InvariantCulture, $"{curve},{label},{row.CleanAccuracy:F4},{row.AdversarialAccuracy:F4},{row.PSuc:F4},{row.MeanL2?.ToString("F4", CultureInfo.InvariantCulture) ?? ""}");
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{curve} {label}: clean {row.CleanAccuracy:F4}, adversarial {row.AdversarialAccuracy:F4} (P_suc {row.PSuc:F3})"));
                results.Add((curve, row.CleanAccuracy, row.AdversarialAccuracy));
            }
            AtomicFile.WriteText(parse.GetValue(csv)!, text.ToString());
            Console.WriteLine($"wrote {parse.GetValue(csv)}");
            if (parse.GetValue(png) is { } pngPath)
            {
                // As the thesis ranks them: each curve's points by their clean accuracy.
                var curves = results.GroupBy(r => r.Curve).Select(g =>
                {
                    var sorted = g.OrderBy(r => r.Clean).ToArray();
                    return (g.Key, sorted.Select(r => r.Clean).ToArray(), sorted.Select(r => r.Adversarial).ToArray());
                }).ToList();
                LineChart.Save(pngPath, curves, $"single-layer codebooks vs {attackInstance.Name} (oblivious), {bare.Dataset}", "accuracy on clean images", "accuracy on adversarial images",
                               width: 960, legendOutside: true);
                Console.WriteLine($"wrote {pngPath}");
            }
            return 0;
        });
        return command;
    }

    /// <summary>A table of rows: attack, defense, mode, clean accuracy, P_suc, D̄, adversarial accuracy.</summary>
    public static string Table(IReadOnlyList<DefenseRow> rows)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{"attack",-12} {"defense",-20} {"mode",-10} {"clean acc",9} {"P_suc",6} {"D̄",7} {"adv acc",8} {"seconds",8}");
        foreach (var r in rows)
        {
            string defense = r.Defense.StartsWith("patch replacement", StringComparison.Ordinal) ? "patch replacement" : r.Defense;
            text.AppendLine(CultureInfo.InvariantCulture,
                $"{r.Attack,-12} {defense,-20} {r.Mode.ToString().ToLowerInvariant(),-10} {r.CleanAccuracy,9:F4} {r.PSuc,6:F3} {(r.MeanL2 is double d ? d.ToString("F3", CultureInfo.InvariantCulture) : "–"),7} {r.AdversarialAccuracy,8:F4} {r.Seconds,8:F1}");
        }
        return text.ToString();
    }

    /// <summary>The options every defend subcommand takes, and the run they open.</summary>
    private sealed class Shared
    {
        private readonly Option<string> _model = CommonOptions.ModelFile();
        private readonly Option<string> _dataset = CommonOptions.Dataset();
        private readonly Option<string[]> _codebooks;
        private readonly Option<string> _strategy = PatchDefenseSetup.Strategy();
        private readonly Option<float> _epsilon = PatchDefenseSetup.Epsilon();
        private readonly Option<int?> _iterations = new("--iterations") { Description = "Attack iterations (default: the registry's)" };
        private readonly Option<string[]> _parameters = new("--param") { Description = "Attack option name=value (repeatable)" };
        private readonly Option<int> _count = new("--count") { Description = "Test images from --start", DefaultValueFactory = _ => 1000 };
        private readonly Option<int> _start = new("--start") { Description = "Index of the first test image", DefaultValueFactory = _ => 0 };
        private readonly Option<int> _batch = CommonOptions.AttackBatch();
        private readonly Option<string?> _data = CommonOptions.Data();
        private readonly Option<string> _device = CommonOptions.Device();
        private readonly Option<int> _threads = CommonOptions.Threads();
        private bool _withStrategy = true;

        public Shared(bool codebooksRequired = true) => _codebooks = PatchDefenseSetup.Codebooks(codebooksRequired);

        public void AddTo(Command command, bool withStrategy = true)
        {
            _withStrategy = withStrategy;
            var options = new List<Option> { _model, _dataset, _codebooks };
            if (withStrategy) options.AddRange([_strategy, _epsilon]);
            options.AddRange([_iterations, _parameters, _count, _start, _batch, _data, _device, _threads]);
            foreach (var o in options) command.Options.Add(o);
        }

        public IAttack Attack(ParseResult parse, string name) =>
            AttackSetup.Build(name, DatasetCatalog.Normalize(parse.GetValue(_dataset)!), parse.GetValue(_iterations), quantize: true,
                              AttackSetup.ParseParameters(parse.GetValue(_parameters)));

        public DefenseRun Open(ParseResult parse, bool defend = true)
        {
            int n = parse.GetValue(_count), first = parse.GetValue(_start), batch = parse.GetValue(_batch);
            CommonOptions.Check(n >= 1, $"--count must be >= 1 (got {n})");
            CommonOptions.Check(first >= 0, $"--start must be >= 0 (got {first})");
            CommonOptions.Check(batch >= 1, $"--batch must be >= 1 (got {batch})");
            string dataset = DatasetCatalog.Normalize(parse.GetValue(_dataset)!);
            string modelPath = parse.GetValue(_model)!;
            string[] paths = parse.GetValue(_codebooks) ?? [];
            // Codebooks are read (and refused) before the model and data load.
            var replacements = PatchDefenseSetup.Replacements(paths, _withStrategy ? parse.GetValue(_strategy)! : "plain", _withStrategy ? parse.GetValue(_epsilon) : 0);
            var context = CommonOptions.CreateContext(parse.GetValue(_device)!, parse.GetValue(_threads));
            try
            {
                var loaded = ModelFile.Load(modelPath, context);
                var test = AttackSetup.Slice(DatasetCatalog.Load(dataset, DatasetSplit.Test, parse.GetValue(_data), log: new Progress<string>(Console.WriteLine)), first, n);
                var bare = new NetworkClassifier(loaded.Network);
                AttackSetup.CheckShape(bare, test, modelPath);
                var run = new DefenseRun(context, loaded, bare, test, first, batch, dataset, Path.GetFileName(modelPath), paths, replacements);
                if (defend) run.Defend(replacements);
                return run;
            }
            catch
            {
                context.Dispose();
                throw;
            }
        }
    }

    /// <summary>A loaded model, its test slice and (once defended) the patch-replacement classifier.</summary>
    private sealed class DefenseRun(Context context, LoadedModel loaded, NetworkClassifier bare, LabeledImages test, int first, int batch, string dataset,
                                    string modelName, string[] paths, List<Defenses.Patches.PatchReplacement> replacements) : IDisposable
    {
        private DefenseRun? _parent;

        public NetworkClassifier Bare { get; } = bare;
        public LabeledImages Test { get; } = test;
        public int Batch { get; } = batch;
        public string Dataset { get; } = dataset;
        public string ModelName { get; } = modelName;
        public Defenses.Patches.PatchDefendedClassifier Defended { get; private set; } = null!;
        public Nn.Network Network => loaded.Network;
        public IReadOnlyList<Defenses.Patches.PatchReplacement> Replacements => replacements;
        public IReadOnlyList<string> Paths => paths;

        public void Defend(IReadOnlyList<Defenses.Patches.PatchReplacement> r) => Defended = PatchDefenseSetup.Defend(loaded.Network, r, paths);

        /// <summary>The same model and images defended with the last codebook's strategy set to <paramref name="strategy"/> and ε.</summary>
        public DefenseRun WithDefense(string strategy, float epsilon)
        {
            var r = new List<Defenses.Patches.PatchReplacement>(replacements.Count);
            var parsed = Defenses.Patches.PatchReplacement.ParseStrategy(strategy);
            for (int i = 0; i < replacements.Count; i++)
                r.Add(i == replacements.Count - 1 ? replacements[i] with { Strategy = parsed, Epsilon = epsilon } : replacements[i]);
            return With(r, paths);
        }

        /// <summary>The same model and images defended by <paramref name="r"/> (named by <paramref name="names"/> in errors).</summary>
        public DefenseRun With(IReadOnlyList<Defenses.Patches.PatchReplacement> r, string[] names)
        {
            var child = new DefenseRun(context, loaded, Bare, Test, first, Batch, Dataset, ModelName, names, [.. r]) { _parent = this };
            child.Defend(r);
            return child;
        }

        public DefenseRow Row(IAttack attack, AttackMode mode) =>
            DefenseEvaluation.Judge(Craft(attack, mode == AttackMode.Bpda ? Defended : Bare, mode.ToString().ToLowerInvariant()),
                                    mode == AttackMode.None ? "none" : Defended.Name, mode, mode == AttackMode.None ? Bare : Defended, Batch, Interruption.Token);

        /// <summary>The attack's images on <paramref name="attacker"/>, with a progress line.</summary>
        public CraftedImages Craft(IAttack attack, IClassifier attacker, string mode)
        {
            var options = new AttackRunnerOptions { BatchSize = Batch, UpperDistortion = Budgets.UpperDistortion(Dataset), Dataset = Dataset, Model = ModelName };
            return ProgressLine.Run($"{attack.Name} {mode}", update => DefenseEvaluation.Craft(attacker, attack, Test,
                options with { Progress = p => update((double)p.Processed / p.Total, $"{p.Processed}/{p.Total} images") }, first, Interruption.Token));
        }

        public void Dispose()
        {
            Defended?.Dispose();
            if (_parent is not null) return;
            loaded.Dispose();
            context.Dispose();
        }
    }
}
