using System.Globalization;
using System.Text;
using System.Text.Json;
using AdvCore.Attacks;
using AdvCore.Defenses;
using AdvCore.Evaluation;
using AdvCore.IO;
using AdvCore.Models;

namespace AdvCore.Cli;

/// <summary>
/// <c>advcore reproduce smoothed-inference</c> (seed 003 §5.2): accuracy of the smoothed model vs σ
/// for every m and voting, clean and under PGD / EPGD, on our model. Each finished cell is appended
/// to <c>cells.jsonl</c> in the output folder and flushed, so an interrupted sweep continues with
/// <c>--resume</c>; then the table (stdout and <c>smoothed-inference.csv</c>) and one PNG per
/// condition and voting (<c>accuracy-vs-sigma-CONDITION-VOTE.png</c>, one curve per m).
/// </summary>
internal static class SmoothedInferenceReproduce
{
    public const string Name = "smoothed-inference";
    private const string CellsFile = "cells.jsonl";

    /// <summary>One cell as a line of cells.jsonl, with the settings that made it.</summary>
    internal sealed record Line(string Model, string Dataset, int Count, string Norm, float Epsilon, int Iterations, ulong Seed,
                                float Sigma, int Samples, string Vote, string Condition, int Correct, double Accuracy, double Seconds);

    /// <summary>Default σ grid per dataset: MNIST's pixels survive more noise than CIFAR-10's.</summary>
    internal static IReadOnlyList<float> DefaultSigmas(string dataset) =>
        dataset == "cifar10" ? [0f, 0.03f, 0.06f, 0.12f, 0.25f] : [0f, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f];

    /// <summary>Default L2 budget per dataset.</summary>
    internal static float DefaultEpsilon(string dataset) => dataset == "cifar10" ? 0.5f : 1.5f;

    public static int Run(string modelPath, string dataset, int count, string folder, string? data, string device, int threads, bool resume,
                          SmoothedInferenceSettings settings)
    {
        settings.Validate();
        OutputPaths.ProbeFolder("--out", folder);
        Interruption.Graceful();
        using var context = CommonOptions.CreateContext(device, threads);
        using var loaded = ModelFile.Load(modelPath, context);
        var test = Data.DatasetCatalog.Load(dataset, Data.DatasetSplit.Test, data, log: new Progress<string>(Console.WriteLine));
        var slice = AttackSetup.Slice(test, 0, count);
        var classifier = new NetworkClassifier(loaded.Network);
        AttackSetup.CheckShape(classifier, slice, modelPath);
        Directory.CreateDirectory(folder);
        string cellsPath = Path.Combine(folder, CellsFile);
        string model = Path.GetFileName(modelPath);
        var done = resume ? Load(cellsPath, model, dataset, slice.Count, settings) : [];
        if (!resume) AtomicFile.WriteText(cellsPath, "");

        var grid = SmoothedInferenceSweep.Grid(settings).ToList();
        var inv = CultureInfo.InvariantCulture;
        string sigmaList = string.Join(", ", settings.Sigmas.Select(v => v.ToString(inv)));
        Console.WriteLine(FormattableString.Invariant(
            $"{Name}: {loaded.Architecture.Name} on {dataset}, test images 0..{slice.Count - 1}; σ ∈ {{{sigmaList}}}, m ∈ {{{string.Join(", ", settings.SampleCounts)}}}; ") +
            FormattableString.Invariant($"PGD / EPGD {settings.Norm} ε {settings.Epsilon} × {settings.Iterations} steps; {grid.Count} cells") +
            (done.Count > 0 ? $", {done.Count} already done" : ""));
        Console.WriteLine($"note: our network ({loaded.Architecture.Name}, {model}) is not the seed's ResNet-20; compare the patterns, not the values.");
        var cells = new List<SmoothedInferenceCell>(done);
        using (var writer = new StreamWriter(cellsPath, append: true))
            foreach (var (sigma, m, vote, condition) in grid)
            {
                if (cells.Any(c => c.Is(sigma, m, vote, condition))) continue;
                string label = string.Create(inv, $"σ {sigma} m {m} {Vote(vote)} {Condition(condition)}");
                SmoothedInferenceCell cell;
                try
                {
                    cell = ProgressLine.Run(label, update => SmoothedInferenceSweep.RunCell(classifier, slice, settings, sigma, m, vote, condition,
                        new Progress<int>(k => update((double)k / slice.Count, $"{k}/{slice.Count} images")), Interruption.Token));
                }
                catch (OperationCanceledException) when (Interruption.Requested)
                {
                    Console.WriteLine($"interrupted in cell {cells.Count + 1} of {grid.Count} ({label}): {cellsPath} keeps the {cells.Count} finished cells");
                    Console.WriteLine($"continue with: {Interruption.ResumeCommand()}");
                    return ExitCodes.Interrupted;
                }
                cells.Add(cell);
                writer.WriteLine(JsonSerializer.Serialize(new Line(model, dataset, slice.Count, settings.Norm.ToString(), settings.Epsilon, settings.Iterations,
                    settings.Seed, sigma, m, Vote(vote), Condition(condition), cell.Correct, cell.Accuracy, cell.Seconds)));
                writer.Flush();
                Console.WriteLine(string.Create(inv, $"{label}: accuracy {cell.Accuracy:F4} ({cell.Seconds:F1} s)"));
            }

        string csvPath = Path.Combine(folder, "smoothed-inference.csv");
        AtomicFile.WriteText(csvPath, Csv(cells));
        var charts = Charts(cells, settings, folder, $"{loaded.Architecture.Name} on {dataset}, {slice.Count} images");
        Console.WriteLine($"wrote {cellsPath}, {csvPath}, {string.Join(", ", charts)}");
        Console.Write(Table(cells, settings, dataset));
        return 0;
    }

    internal static string Vote(SmoothingVote vote) => vote.ToString().ToLowerInvariant();

    internal static string Condition(SmoothedCondition condition) => condition.ToString().ToLowerInvariant();

    // The cells of an earlier run with the same settings; refuses a folder of other settings.
    private static List<SmoothedInferenceCell> Load(string path, string model, string dataset, int count, SmoothedInferenceSettings s)
    {
        var cells = new List<SmoothedInferenceCell>();
        if (!File.Exists(path)) return cells;
        var kept = new List<string>();
        foreach (string text in File.ReadAllLines(path))
        {
            Line? line;
            try { line = JsonSerializer.Deserialize<Line>(text); }
            catch (JsonException) { continue; } // a torn last line
            if (line is null) continue;
            if (line.Model != model || line.Dataset != dataset || line.Count != count || line.Norm != s.Norm.ToString() || line.Epsilon != s.Epsilon ||
                line.Iterations != s.Iterations || line.Seed != s.Seed)
                throw new ArgumentException($"{path} holds cells of other settings ({line.Model}, {line.Dataset}, {line.Count} images, {line.Norm} ε {line.Epsilon.ToString(CultureInfo.InvariantCulture)} × {line.Iterations}, seed {line.Seed}); " +
                                            "use another --out or drop --resume");
            cells.Add(new SmoothedInferenceCell(line.Sigma, line.Samples, SmoothingOptions.ParseVote(line.Vote), Enum.Parse<SmoothedCondition>(line.Condition, ignoreCase: true),
                                                line.Count, line.Correct, line.Seconds));
            kept.Add(text);
        }
        AtomicFile.WriteText(path, kept.Count == 0 ? "" : string.Join("\n", kept) + "\n");
        return cells;
    }

    private static string Csv(IEnumerable<SmoothedInferenceCell> cells)
    {
        var csv = new StringBuilder("sigma,samples,vote,condition,count,correct,accuracy,seconds\n");
        foreach (var c in cells)
            csv.Append(CultureInfo.InvariantCulture, $"{c.Sigma:R},{c.Samples},{Vote(c.Vote)},{Condition(c.Condition)},{c.Count},{c.Correct},{c.Accuracy:R},{c.Seconds:R}\n");
        return csv.ToString();
    }

    private static List<string> Charts(List<SmoothedInferenceCell> cells, SmoothedInferenceSettings s, string folder, string title)
    {
        var files = new List<string>();
        foreach (var condition in s.Conditions)
            foreach (var vote in s.Votes)
            {
                var curves = s.SampleCounts.Select(m =>
                {
                    var points = s.Sigmas.Select(sigma => cells.FirstOrDefault(c => c.Is(sigma, m, vote, condition))).Where(c => c is not null).ToList();
                    return ($"m = {m}", points.Select(c => (double)c!.Sigma).ToArray(), points.Select(c => c!.Accuracy).ToArray());
                }).Where(c => c.Item2.Length > 0).ToList();
                if (curves.Count == 0) continue;
                string path = Path.Combine(folder, $"accuracy-vs-sigma-{Condition(condition)}-{Vote(vote)}.png");
                LineChart.Save(path, curves, $"{Condition(condition)}, {Vote(vote)} voting: {title}", "σ", "accuracy");
                files.Add(path);
            }
        return files;
    }

    /// <summary>The table (rows σ × voting, columns m per condition) and the seed's two claims checked on it.</summary>
    internal static string Table(IReadOnlyList<SmoothedInferenceCell> cells, SmoothedInferenceSettings s, string dataset)
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine();
        text.AppendLine(inv, $"{Name} on {dataset}: accuracy of the smoothed classifier (PGD: one noisy gradient per step; EPGD: mean logits over the m copies; {s.Norm} ε {s.Epsilon} × {s.Iterations})");
        string header = string.Join(" | ", s.Conditions.Select(c => $"{Condition(c),-5} " + string.Join(" ", s.SampleCounts.Select(m => $"m={m,-4}"))));
        text.AppendLine(inv, $"{"σ",-6} {"vote",-10} {header}");
        foreach (float sigma in s.Sigmas)
            foreach (var vote in s.Votes)
            {
                var parts = s.Conditions.Select(c => "      " + string.Join(" ", s.SampleCounts.Select(m =>
                    cells.FirstOrDefault(x => x.Is(sigma, m, vote, c)) is { } cell ? cell.Accuracy.ToString("F3", inv).PadLeft(6) : "     –")));
                text.AppendLine(inv, $"{sigma,-6} {Vote(vote),-10} {string.Join(" | ", parts)}");
            }
        foreach (string claim in Claims(cells, s)) text.AppendLine(claim);
        text.AppendLine("seed 003: Nemcovsky et al., \"Smoothed Inference for Improving Adversarial Robustness\", §5.2 and Figs. 2, 0.B.1-0.B.3 (ResNet-20 / CIFAR-10)");
        return text.ToString();
    }

    // The seed's patterns, measured on our cells: under attack, prediction smoothing's best accuracy
    // over σ grows with m; soft smoothing is easier to attack than prediction smoothing.
    private static IEnumerable<string> Claims(IReadOnlyList<SmoothedInferenceCell> cells, SmoothedInferenceSettings s)
    {
        var inv = CultureInfo.InvariantCulture;
        foreach (var condition in s.Conditions.Where(c => c != SmoothedCondition.Clean))
        {
            double Best(int m, SmoothingVote v) =>
                cells.Where(c => c.Samples == m && c.Vote == v && c.Condition == condition).Select(c => c.Accuracy).DefaultIfEmpty(double.NaN).Max();
            if (s.Votes.Contains(SmoothingVote.Prediction))
            {
                var best = s.SampleCounts.Select(m => Best(m, SmoothingVote.Prediction)).ToList();
                bool rises = best.Count > 1 && best[^1] > best[0];
                yield return string.Create(inv, $"{Condition(condition)}: prediction voting, best accuracy over σ by m: {string.Join(", ", s.SampleCounts.Zip(best, (m, a) => $"m={m} {a:F3}"))} — " +
                                                $"{(rises ? "grows with m (the seed's pattern)" : "does not grow with m (differs from the seed)")}");
            }
            if (s.Votes.Contains(SmoothingVote.Prediction) && s.Votes.Contains(SmoothingVote.Soft))
            {
                int m = s.SampleCounts.Max();
                double p = Best(m, SmoothingVote.Prediction), q = Best(m, SmoothingVote.Soft);
                yield return string.Create(inv, $"{Condition(condition)}: m={m}, best over σ: prediction {p:F3}, soft {q:F3} — " +
                                                $"{(q < p ? "soft is the easier to attack (the seed's pattern)" : q == p ? "no difference here" : "soft holds up better here (differs from the seed)")}");
            }
        }
    }
}
