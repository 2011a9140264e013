using System.Diagnostics;
using System.Globalization;
using System.Text;
using AdvCore.Attacks;
using AdvCore.Evaluation;
using AdvCore.IO;
using AdvCore.Models;

namespace AdvCore.Cli;

/// <summary>
/// <c>advcore reproduce smoothfool-table-1|smoothfool-table-2</c> (SmoothFool, Dabouei et al. 2020):
/// Table 1 = DeepFool and SmoothFool at several σ_g (fooling rate, E‖r‖₂, Ω and Ω_n × 10³ at
/// σ_h = 1) beside the paper's rows for the dataset; Table 2 = SmoothFool's per-class fooling rate
/// at σ_g = 20, 60, 100 beside the paper's CIFAR-10 columns. One JSON record per run, summary.csv
/// and the table as CSV in the output folder. Our networks are not the paper's.
/// </summary>
internal static class SmoothFoolReproduce
{
    /// <summary>Runs <paramref name="table"/>; returns the exit code.</summary>
    public static int Run(string table, string modelPath, string dataset, int count, int batch, string folder, string? data, string device, int threads,
                          string? sigmas)
    {
        if (!SmoothFoolTables.Names.Contains(table))
            throw new ArgumentException($"unknown table '{table}' (expected {string.Join(", ", SmoothFoolTables.Names)})");
        bool first = table == "smoothfool-table-1";
        var sigmaList = sigmas is null ? (first ? SmoothFoolTables.Table1Sigmas : SmoothFoolTables.Table2Sigmas) : ParseSigmas(sigmas);
        OutputPaths.ProbeFolder("--out", folder);
        using var context = CommonOptions.CreateContext(device, threads);
        using var loaded = ModelFile.Load(modelPath, context);
        var test = Data.DatasetCatalog.Load(dataset, Data.DatasetSplit.Test, data, log: new Progress<string>(Console.WriteLine));
        var slice = AttackSetup.Slice(test, 0, count);
        var classifier = new NetworkClassifier(loaded.Network);
        AttackSetup.CheckShape(classifier, slice, modelPath);
        Directory.CreateDirectory(folder);
        Console.WriteLine($"{table}: {loaded.Architecture.Name} on {dataset}, test images 0..{count - 1}; σ_g = {string.Join(", ", sigmaList.Select(s => s.ToString(CultureInfo.InvariantCulture)))}");
        Console.WriteLine($"note: our network ({loaded.Architecture.Name}, {Path.GetFileName(modelPath)}) is not the paper's; compare orderings (SF smoother than DF, larger L2), not values.");

        var runs = new List<(string Label, float? Sigma, AttackRunRecord Record, double Wall, SmoothClipStatistics? Clip)>();
        if (first) runs.Add(RunOne("deepfool", null, classifier, slice, batch, dataset, modelPath, folder));
        foreach (float sigma in sigmaList) runs.Add(RunOne("smoothfool", sigma, classifier, slice, batch, dataset, modelPath, folder));

        var records = runs.Select(r => r.Record).ToList();
        string summary = Path.Combine(folder, "summary.csv");
        ResultFiles.WriteSummary(summary, records);
        string tablePath = Path.Combine(folder, table + ".csv");
        string text = first ? Table1(runs, dataset, tablePath) : Table2(runs, dataset, classifier.Classes, tablePath);
        Console.WriteLine($"wrote {summary}, {tablePath}");
        Console.Write(text);
        return 0;
    }

    internal static IReadOnlyList<float> ParseSigmas(string text) => ListParse.Floats(text, "--sigmas", allowZero: false);

    private static (string, float?, AttackRunRecord, double, SmoothClipStatistics?) RunOne(string attackName, float? sigma, IClassifier model, Data.LabeledImages slice,
                                                                                        int batch, string dataset, string modelPath, string folder)
    {
        var parameters = new Dictionary<string, string>();
        if (sigma is float s) parameters["sigma-g"] = s.ToString("R", CultureInfo.InvariantCulture);
        string? variant = sigma is float v ? $"σ_g={v.ToString(CultureInfo.InvariantCulture)}" : null;
        string label = variant is null ? attackName : $"{attackName} {variant}";
        var clock = Stopwatch.StartNew();
        var attack = AttackSetup.Build(attackName, dataset, null, true, parameters);
        var run = AttackSetup.Run(model, attack, slice, 0, batch, dataset, Path.GetFileName(modelPath), variant, 0, label);
        string stem = sigma is float f ? $"smoothfool-sigma-{f.ToString(CultureInfo.InvariantCulture)}" : attackName;
        string path = Path.Combine(folder, stem + ".json");
        run.Record.Save(path);
        var clip = (attack as SmoothFool)?.ClipStatistics;
        Console.WriteLine($"{label}: {AttackSetup.Summary(run.Record)}; wall {clock.Elapsed.TotalSeconds:F1} s; wrote {path}");
        if (clip is not null) Console.WriteLine($"  {clip}");
        return (label, sigma, run.Record, clock.Elapsed.TotalSeconds, clip);
    }

    private static string Table1(List<(string Label, float? Sigma, AttackRunRecord Record, double Wall, SmoothClipStatistics? Clip)> runs, string dataset, string csvPath)
    {
        var inv = CultureInfo.InvariantCulture;
        var csv = new StringBuilder("attack,sigma_g,correct,fooling_rate,mean_l2,omega_x1e3,omega_n_x1e3,wall_seconds,clip_calls,clip_outside,clip_capped\n");
        var text = new StringBuilder();
        text.AppendLine();
        text.AppendLine(inv, $"smoothfool-table-1 on {dataset} (σ_h = 1; fooling rate over the correctly classified images; Ω, Ω_n over the successes)");
        text.AppendLine(inv, $"{"run",-22} {"N",5} {"fool %",7} {"E‖r‖₂",7} {"Ω×10³",8} {"Ω_n×10³",8} {"wall s",8} {"clip capped",12}");
        foreach (var (label, sigma, r, wall, clip) in runs)
        {
            string capped = clip is null ? "–" : $"{clip.Clipped}/{clip.Outside}";
            text.AppendLine(inv, $"{label,-22} {r.Correct,5} {100 * r.PSuc,7:F1} {Num(r.MeanL2, "F3"),7} {Num(r.MeanOmega * 1e3, "F1"),8} {Num(r.MeanOmegaN * 1e3, "F1"),8} {wall,8:F1} {capped,12}");
            csv.Append(inv, $"{r.Attack},{(sigma is float s ? s.ToString("R", inv) : "")},{r.Correct},{r.PSuc:R},{Csv(r.MeanL2)},{Csv(r.MeanOmega * 1e3)},{Csv(r.MeanOmegaN * 1e3)},{wall:R},{clip?.Calls.ToString(inv) ?? ""},{clip?.Outside.ToString(inv) ?? ""},{clip?.Clipped.ToString(inv) ?? ""}\n");
        }
        text.AppendLine(inv, $"paper (σ_g = 2; DF and SF fooling rates > 99.9%): {SmoothFoolTables.Source}");
        text.AppendLine(inv, $"{"network",-14} {"acc %",6} | {"DF E‖r‖",8} {"Ω×10³",6} {"Ω_n×10³",8} | {"SF E‖r‖",8} {"Ω×10³",6} {"Ω_n×10³",8}");
        foreach (var p in SmoothFoolTables.Table1For(dataset))
            text.AppendLine(inv, $"{p.Network,-14} {p.Accuracy,6:F1} | {p.L2Df,8:F2} {p.OmegaDf,6:F0} {p.OmegaNDf,8:F0} | {p.L2Sf,8:F2} {p.OmegaSf,6:F0} {p.OmegaNSf,8:F0}");
        AtomicFile.WriteText(csvPath, csv.ToString());
        return text.ToString();
    }

    private static string Table2(List<(string Label, float? Sigma, AttackRunRecord Record, double Wall, SmoothClipStatistics? Clip)> runs, string dataset, int classes, string csvPath)
    {
        var inv = CultureInfo.InvariantCulture;
        bool cifar = Budgets.UpperDistortion(dataset) == Budgets.UpperDistortion("cifar10") && classes == SmoothFoolTables.CifarClasses.Count;
        var names = Enumerable.Range(0, classes).Select(c => cifar ? SmoothFoolTables.CifarClasses[c] : c.ToString(inv)).ToList();
        var rates = runs.Select(r => SmoothFoolTables.PerClassFoolingRate(r.Record, classes)).ToList();
        var csv = new StringBuilder("class," + string.Join(",", runs.Select(r => $"sigma_{r.Sigma?.ToString(inv)}")) + "\n");
        var text = new StringBuilder();
        text.AppendLine();
        text.AppendLine(inv, $"smoothfool-table-2 on {dataset}: per-class fooling rate (%) of SmoothFool over the correctly classified images of each class");
        string head = string.Join(" ", runs.Select(r => $"σ={r.Sigma?.ToString(inv),-5}"));
        text.AppendLine(inv, $"{"class",-11} {head} | paper VGG-F σ=20/60/100 | ResNet-18 σ=20/60/100");
        for (int c = 0; c <= classes; c++)
        {
            string name = c < classes ? names[c] : "all";
            var ours = rates.Select(r => c < classes ? r.PerClass[c] : r.All).ToList();
            string paper = cifar && SmoothFoolTables.Table2["VGG-F"].TryGetValue(name, out var v) && SmoothFoolTables.Table2["ResNet-18"].TryGetValue(name, out var rn)
                ? $"{string.Join(" ", v.Select(x => x.ToString("F1", inv).PadLeft(5)))}       | {string.Join(" ", rn.Select(x => x.ToString("F1", inv).PadLeft(5)))}"
                : "–";
            text.AppendLine(inv, $"{name,-11} {string.Join(" ", ours.Select(x => (double.IsNaN(x) ? "–" : x.ToString("F1", inv)).PadLeft(7)))} | {paper}");
            csv.Append(inv, $"{name},{string.Join(",", ours.Select(x => double.IsNaN(x) ? "" : x.ToString("R", inv)))}\n");
        }
        if (!cifar) text.AppendLine("(the paper's Table 2 is on CIFAR-10 only)");
        text.AppendLine(inv, $"paper: {SmoothFoolTables.Source}");
        AtomicFile.WriteText(csvPath, csv.ToString());
        return text.ToString();
    }

    private static string Num(double? v, string format) => v is double d ? d.ToString(format, CultureInfo.InvariantCulture) : "–";

    private static string Csv(double? v) => v is double d ? d.ToString("R", CultureInfo.InvariantCulture) : "";
}
