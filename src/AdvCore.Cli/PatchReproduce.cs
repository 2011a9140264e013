using System.Globalization;
using System.Text;
using System.Text.Json;
using AdvCore.Attacks;
using AdvCore.Data;
using AdvCore.Defenses;
using AdvCore.Defenses.Patches;
using AdvCore.Evaluation;
using AdvCore.IO;
using AdvCore.Models;

namespace AdvCore.Cli;

/// <summary>
/// <c>advcore reproduce table-6.2|table-6.3|table-6.4</c>: the patch-replacement tables of
/// thesis ch. 6 on our data. 6.2: DDN, FGSM, BIM, PGD2 without and with the defense (oblivious);
/// 6.3: clean, DDN and PGD∞ accuracy (oblivious) for patch replacement, PGD adversarial training
/// (given --adv-model), bit3, bit5, median 2 and 3, pixel deflection; 6.4: BPDA (DDN@20 on the
/// defended model, identity through the defense) against each. Every row is saved as JSON in
/// --out and reused by a later run, so an interrupted table continues where it stopped.
/// </summary>
internal static class PatchReproduce
{
    public static IReadOnlyList<string> Names { get; } = ["table-6.2", "table-6.3", "table-6.4"];

    // The thesis's ImageNet numbers (ResNet-50; lines 2107-2150 of the thesis), for the printout.
    private static readonly Dictionary<string, string> Thesis = new()
    {
        ["table-6.2"] = "thesis (ImageNet, ResNet-50): DDN 1.00/0.53 → 0.08/0.57; FGSM 0.95/5.13 → 0.92/7.98; BIM 1.00/2.50 → 0.99/6.10; PGD2 1.00/3.12 → 0.83/7.21 (P_suc/D̄ without → with)",
        ["table-6.3"] = "thesis (ImageNet) clean/DDN/PGD %: patch 71.8/66.0/46.4, adv. training 45.9/19.0/44.3, bit3 64.7/55.1/32.9, bit5 74.9/18.9/6.5, ms2 74.2/47.9/26.5, ms3 71.8/55.6/34.2, pixel deflection 73.2/58.6/31.0",
        ["table-6.4"] = "thesis (ImageNet) BPDA P_suc/D̄: patch 0.89/12.89, bit3 1.00/1.00, bit5 1.00/1.00, ms2 1.00/1.76, ms3 1.00/1.25, pixel deflection 1.00/0.89",
    };

    public static int Run(string table, string modelPath, string dataset, int count, int batch, string folder, string? data, string device, int threads,
                          string[] codebookPaths, string strategy, float epsilon, string? advModelPath)
    {
        table = table.ToLowerInvariant();
        CommonOptions.Check(count >= 1, $"--count must be >= 1 (got {count})");
        CommonOptions.Check(batch >= 1, $"--batch must be >= 1 (got {batch})");
        if (codebookPaths.Length == 0) throw new ArgumentException($"{table} needs the defense's codebooks: --codebook FILE (repeatable; make them with advcore codebook train)");
        var replacements = PatchDefenseSetup.Replacements(codebookPaths, strategy, epsilon);
        OutputPaths.ProbeFolder("--out", folder);
        Interruption.Graceful();
        using var context = CommonOptions.CreateContext(device, threads);
        using var loaded = ModelFile.Load(modelPath, context);
        using var advLoaded = advModelPath is null ? null : ModelFile.Load(advModelPath, context);
        var test = AttackSetup.Slice(DatasetCatalog.Load(dataset, DatasetSplit.Test, data, log: new Progress<string>(Console.WriteLine)), 0, count);
        var bare = new NetworkClassifier(loaded.Network);
        AttackSetup.CheckShape(bare, test, modelPath);
        using var patch = PatchDefenseSetup.Defend(loaded.Network, replacements, codebookPaths);
        Directory.CreateDirectory(folder);
        Console.WriteLine($"{table}: {loaded.Architecture.Name} on {dataset} test images 0..{count - 1}, defended by {patch.Name}");

        var runner = new Rows(folder, dataset, batch, Path.GetFileName(modelPath), test);
        var rows = new List<DefenseRow>();
        var attack = (string name, int? iterations, string? epsilons) => AttackSetup.Build(name, dataset, iterations, quantize: true,
            epsilons is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["epsilons"] = epsilons });
        string pgdBudget = dataset == "cifar10" ? (8 / 255f).ToString("R", CultureInfo.InvariantCulture) : "0.1";
        var transforms = new List<TransformedClassifier>();
        try
        {
            // The comparison defenses: a transform is attacked oblivious (6.3) or through BPDA (6.4);
            // the adversarially trained model has nothing to see through, so it is attacked directly.
            var others = new List<(string Name, IClassifier Judge, bool IsModel)>();
            if (table != "table-6.2")
            {
                if (advLoaded is not null)
                {
                    var adv = new NetworkClassifier(advLoaded.Network);
                    AttackSetup.CheckShape(adv, test, advModelPath!);
                    others.Add(("adversarial training", adv, true));
                }
                foreach (string spec in new[] { "bit-depth:3", "bit-depth:5", "median:2", "median:3", "deflection" })
                {
                    var t = new TransformedClassifier(bare, [InputTransforms.Parse(spec, bare.InputShape)]);
                    transforms.Add(t);
                    others.Add((t.Name, t, false));
                }
            }
            switch (table)
            {
                case "table-6.2":
                    // DDN is minimum-norm: its image is judged as is. The budgeted attacks search ε
                    // against the defense: crafted on the bare model at each budget alone, the
                    // smallest budget whose image fools the defended model counts.
                    foreach (var (name, iters) in new (string, int?)[] { ("ddn", 20), ("fgsm", null), ("ifgsm", 20), ("pgd2", 20) })
                    {
                        var a = attack(name, iters, null);
                        rows.Add(runner.Get(a, "none", AttackMode.None, bare, bare));
                        var info = AttackRegistry.Get(name);
                        if (!info.Budgeted)
                        {
                            rows.Add(runner.Get(a, "patch", AttackMode.Oblivious, bare, patch, "patch replacement"));
                            continue;
                        }
                        var budgets = Budgets.For(dataset, name == "pgd2" ? AttackNorm.L2 : AttackNorm.Linf);
                        rows.Add(runner.GetPerBudget(a, [.. budgets.Select(b => attack(name, iters, b.ToString("R", CultureInfo.InvariantCulture)))], "patch", bare, patch, "patch replacement"));
                    }
                    break;
                case "table-6.3":
                    var ddn = attack("ddn", 20, null);
                    var pgd = attack("pgdinf", 20, pgdBudget);
                    foreach (var a in new[] { ddn, pgd })
                    {
                        rows.Add(runner.Get(a, "none", AttackMode.None, bare, bare));
                        rows.Add(runner.Get(a, "patch", AttackMode.Oblivious, bare, patch, "patch replacement"));
                        foreach (var (name, judge, isModel) in others)
                            rows.Add(runner.Get(a, Stem(name), isModel ? AttackMode.None : AttackMode.Oblivious, isModel ? judge : bare, judge, name));
                    }
                    break;
                case "table-6.4":
                    var bpda = attack("ddn", 20, null);
                    rows.Add(runner.Get(bpda, "none", AttackMode.None, bare, bare));
                    rows.Add(runner.Get(bpda, "patch", AttackMode.Bpda, patch, patch, "patch replacement"));
                    foreach (var (name, judge, isModel) in others)
                        rows.Add(runner.Get(bpda, Stem(name), isModel ? AttackMode.None : AttackMode.Bpda, judge, judge, name));
                    break;
                default:
                    throw new ArgumentException($"unknown table '{table}' (expected {string.Join(", ", Names)})");
            }
        }
        catch (OperationCanceledException)
        {
            Console.WriteLine($"interrupted: the finished rows are in {folder}; continue with: {Interruption.ResumeCommand(addFlag: false)}");
            return ExitCodes.Interrupted;
        }
        finally
        {
            foreach (var t in transforms) t.Dispose();
        }
        string text = DefendCommand.Table(rows);
        Console.Write(text);
        Console.WriteLine(Thesis[table]);
        string summary = Path.Combine(folder, "summary.md");
        AtomicFile.WriteText(summary, $"# {table} on {dataset}: {loaded.Architecture.Name}, {count} test images\n\ndefense: {patch.Name}\n\n```\n{text}```\n\n{Thesis[table]}\n");
        Console.WriteLine($"wrote {summary}");
        return 0;
    }

    private static string Stem(string name) => new([.. name.Select(c => char.IsLetterOrDigit(c) ? c : '-')]);

    /// <summary>Rows computed once: each is saved as JSON and reused when its file is there; one oblivious attack serves every judge.</summary>
    private sealed class Rows(string folder, string dataset, int batch, string model, LabeledImages test)
    {
        private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };
        private readonly Dictionary<(IAttack, IClassifier), CraftedImages> _crafted = [];

        public DefenseRow Get(IAttack attack, string defense, AttackMode mode, IClassifier attacker, IClassifier judge, string? name = null)
        {
            string path = Path.Combine(folder, $"{Stem(attack.Name)}-{defense}-{mode.ToString().ToLowerInvariant()}.json");
            if (Reuse(path) is { } saved) return saved;
            if (!_crafted.TryGetValue((attack, attacker), out var crafted))
            {
                var options = new AttackRunnerOptions { BatchSize = batch, UpperDistortion = Budgets.UpperDistortion(dataset), Dataset = dataset, Model = model };
                crafted = ProgressLine.Run($"{attack.Name} on {(mode == AttackMode.Bpda ? name ?? defense : "the bare model")}", update =>
                    DefenseEvaluation.Craft(attacker, attack, test,
                        options with { Progress = p => update((double)p.Processed / p.Total, $"{p.Processed}/{p.Total} images") }, 0, Interruption.Token));
                _crafted[(attack, attacker)] = crafted;
            }
            return Save(path, DefenseEvaluation.Judge(crafted, name ?? defense, mode, judge, batch, Interruption.Token));
        }

        /// <summary>A budgeted attack crafted on <paramref name="attacker"/> at each budget alone, judged at the smallest that fools <paramref name="judge"/>.</summary>
        public DefenseRow GetPerBudget(IAttack sweep, IReadOnlyList<IAttack> perBudget, string defense, IClassifier attacker, IClassifier judge, string name)
        {
            string path = Path.Combine(folder, $"{Stem(sweep.Name)}-{defense}-oblivious-per-budget.json");
            if (Reuse(path) is { } saved) return saved;
            var options = new AttackRunnerOptions { BatchSize = batch, UpperDistortion = Budgets.UpperDistortion(dataset), Dataset = dataset, Model = model };
            var crafted = new List<CraftedImages>(perBudget.Count);
            for (int b = 0; b < perBudget.Count; b++)
            {
                var a = perBudget[b];
                crafted.Add(ProgressLine.Run($"{a.Name} on the bare model, budget {b + 1}/{perBudget.Count}", update =>
                    DefenseEvaluation.Craft(attacker, a, test,
                        options with { Progress = p => update((double)p.Processed / p.Total, $"{p.Processed}/{p.Total} images") }, 0, Interruption.Token)));
            }
            var row = DefenseEvaluation.JudgeSmallestBudget(crafted, name, judge, batch, Interruption.Token);
            return Save(path, row with { Attack = $"{sweep.Name} {sweep.Iterations}" });
        }

        private DefenseRow? Reuse(string path)
        {
            if (!File.Exists(path)) return null;
            var saved = JsonSerializer.Deserialize<DefenseRow>(File.ReadAllText(path), Json);
            if (saved is null || saved.Count != test.Count) return null;
            Console.WriteLine($"reused {path}");
            return saved;
        }

        private static DefenseRow Save(string path, DefenseRow row)
        {
            AtomicFile.WriteText(path, JsonSerializer.Serialize(row, Json));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{row.Attack} vs {row.Defense} ({row.Mode.ToString().ToLowerInvariant()}): clean {row.CleanAccuracy:F4}, P_suc {row.PSuc:F3}, D̄ {row.MeanL2:F3}, adversarial accuracy {row.AdversarialAccuracy:F4}, {row.Seconds:F1} s"));
            return row;
        }
    }
}
