using System.Globalization;
using AdvCore.Attacks;
using AdvCore.Data;
using AdvCore.Evaluation;
using AdvCore.IO;

namespace AdvCore.Cli;

/// <summary>
/// What <c>attack</c>, <c>reproduce</c> and <c>demo</c> share: building an attack from the thesis
/// settings plus command-line overrides, running it over a slice of the test set with progress,
/// and writing the result files.
/// </summary>
internal static class AttackSetup
{
    /// <summary>
    /// The attack <paramref name="name"/> from the registry with the thesis settings for
    /// <paramref name="dataset"/>, then <paramref name="iterations"/> (through the row's iteration
    /// option), <paramref name="quantize"/> and the name=value <paramref name="parameters"/> (a
    /// row's preset parameter, e.g. cw's schedule=5x20|1x100, picks the preset).
    /// </summary>
    public static IAttack Build(string name, string dataset, int? iterations, bool quantize, IReadOnlyDictionary<string, string> parameters)
    {
        var info = AttackRegistry.Get(name); // throws "unknown attack" with the list
        var options = AttackRegistry.Options(info, dataset, parameters, iterations);
        if (!quantize) options = options with { Quantize = false };
        return AttackRegistry.Create(info, options);
    }

    /// <summary>Reads --param key=value pairs.</summary>
    public static Dictionary<string, string> ParseParameters(IEnumerable<string>? pairs)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string pair in pairs ?? [])
        {
            int eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0) throw new ArgumentException($"--param expects key=value, got '{pair}'");
            result[pair[..eq].Trim()] = pair[(eq + 1)..].Trim();
        }
        return result;
    }

    /// <summary>Images [start, start+count) of the test split, with a clear error when they are not there.</summary>
    public static LabeledImages Slice(LabeledImages test, int start, int count)
    {
        CommonOptions.Check(start >= 0, $"--start must be >= 0 (got {start})");
        CommonOptions.Check(count >= 1, $"--count must be >= 1 (got {count})");
        CommonOptions.Check((long)start + count <= test.Count,
            $"--start {start} --count {count} goes beyond the {test.Count} images of the {test.Name} split");
        return test.Take(start, count);
    }

    /// <summary>Refuses a model whose input is not the dataset's image shape.</summary>
    public static void CheckShape(IClassifier model, LabeledImages data, string modelPath)
    {
        if (!model.InputShape.SequenceEqual(data.Shape))
            throw new ArgumentException($"{modelPath} takes images of shape [{string.Join(',', model.InputShape)}], {data.Name} has [{string.Join(',', data.Shape)}]");
    }

    /// <summary>
    /// Runs <paramref name="attack"/> over <paramref name="slice"/> (dataset indices from <paramref name="start"/>) with a progress line,
    /// continuing <paramref name="resume"/> (a partial record and the images it kept) when given. It stops between batches
    /// when the run is interrupted (<see cref="Interruption"/>): with <paramref name="partialOk"/> the partial run is returned
    /// (<see cref="AttackRun.Completed"/> false), otherwise <see cref="OperationCanceledException"/> is thrown.
    /// </summary>
    public static AttackRun Run(IClassifier model, IAttack attack, LabeledImages slice, int start, int batch, string dataset, string? modelName,
                                string? variant, int keepExamples, string title, TargetSelection targets = default, float margin = 0,
                                (AttackRunRecord Record, List<AdversarialExample> Examples)? resume = null, bool partialOk = false)
    {
        CommonOptions.Check(batch >= 1, $"--batch must be >= 1 (got {batch})");
        float[] pixels = slice.Pixels.ToArray();
        int[] labels = slice.Labels.ToArray();
        int[] indices = [.. Enumerable.Range(start, slice.Count)];
        var run = ProgressLine.Run(title, update =>
        {
            var runner = new AttackRunner(model, attack, new AttackRunnerOptions
            {
                BatchSize = batch,
                UpperDistortion = Budgets.UpperDistortion(dataset),
                Dataset = dataset,
                Model = modelName,
                KeepExamples = keepExamples,
                Targets = targets,
                Margin = margin,
                Progress = p => update((double)p.Processed / p.Total,
                    string.Create(CultureInfo.InvariantCulture, $"{p.Processed}/{p.Total} images, P_suc {p.SuccessRate:F3}")),
            });
            return runner.Run(pixels, labels, indices, resume?.Record, Interruption.Token);
        });
        if (!run.Completed && !partialOk) throw new OperationCanceledException($"{title}: interrupted after {run.Record.Count} of {slice.Count} images");
        // The images kept before the interruption come first, as in an uninterrupted run.
        var examples = resume is { } r ? [.. r.Examples.Concat(run.Examples).Take(keepExamples)] : run.Examples;
        return run with { Record = run.Record with { Variant = variant, Run = Invocation.Stamp(run.Record.Run) }, Examples = examples };
    }

    /// <summary>One line of statistics, e.g. "P_suc 1.000  D̄ 1.452  P_upp 0.861 (D_upp 2)  # grads 20  12.3 s".</summary>
    public static string Summary(AttackRunRecord r) => string.Create(CultureInfo.InvariantCulture,
        $"P_suc {r.PSuc:F3}  D̄ {Mean(r)}  P_upp {r.PUpp:F3} (D_upp {r.DUpp:G3})  # grads {r.Planned.Gradients} (mean spent {r.Gradients:F1}, forwards {r.Forwards:F1})  {r.Seconds:F1} s  [N = {r.Correct} of {r.Count}]  Ω_n×10³ {Milli(r.MeanOmegaN)}");

    /// <summary>A roughness value ×10³ (SmoothFool Table 1's unit), "–" when not measured.</summary>
    public static string Milli(double? v) => v is double d ? (1e3 * d).ToString("F1", CultureInfo.InvariantCulture) : "–";

    public static string Mean(AttackRunRecord r) => r.MeanL2 is double m ? m.ToString("F3", CultureInfo.InvariantCulture) : "–";

    /// <summary>
    /// Writes the adversarial images of <paramref name="examples"/> (by increasing index) as safetensors:
    /// <c>images</c> f32 [M,C,H,W], <c>indices</c> i64 [M], <c>labels</c> i64 [M], <c>adv_labels</c> i64 [M].
    /// </summary>
    public static void SaveImages(string path, IReadOnlyList<AdversarialExample> examples, IReadOnlyList<int> shape, AttackRunRecord record)
    {
        var sorted = examples.OrderBy(e => e.Index).ToList();
        int d = shape.Aggregate(1, (a, b) => a * b);
        var images = new float[sorted.Count * d];
        for (int i = 0; i < sorted.Count; i++) sorted[i].Adversarial.CopyTo(images, i * d);
        new SafeTensorWriter()
            .Add("images", images, [sorted.Count, .. shape.Select(v => (long)v)])
            .Add("indices", sorted.Select(e => (long)e.Index).ToArray(), sorted.Count)
            .Add("labels", sorted.Select(e => (long)e.Label).ToArray(), sorted.Count)
            .Add("adv_labels", sorted.Select(e => (long)e.AdversarialLabel).ToArray(), sorted.Count)
            .Metadata("attack", record.Label)
            .Metadata("quantized", record.Quantized ? "true" : "false")
            .Metadata("dataset", record.Dataset ?? "")
            .Save(path);
    }

    /// <summary>Creates the folder of <paramref name="path"/> when it has one.</summary>
    public static void EnsureFolder(string path)
    {
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
    }
}
