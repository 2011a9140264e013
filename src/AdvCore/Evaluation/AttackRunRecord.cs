using AdvCore.Attacks;
using AdvCore.IO;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AdvCore.Evaluation;

/// <summary>
/// The result file of one attack run (one JSON per run, thesis §3.3 protocol): the settings, the
/// global statistics and one entry per attacked image. Count = images processed (N′), Correct =
/// N = |X| (those classified correctly without attack, the only ones attacked); the indices of
/// the others are in <see cref="Misclassified"/>. Runs over disjoint shards of a dataset combine
/// with <see cref="Merge(IEnumerable{AttackRunRecord})"/>; a partial run resumes from its record (see <see cref="AttackRunner"/>).
/// </summary>
public sealed record AttackRunRecord
{
    /// <summary>The attack's name (fgsm, bp, …).</summary>
    public string Attack { get; init; } = "";

    /// <summary>The attack's options as text (name → value).</summary>
    public IReadOnlyDictionary<string, string> Options { get; init; } = new SortedDictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Dataset name, when known.</summary>
    public string? Dataset { get; init; }

    /// <summary>Model name or path, when known.</summary>
    public string? Model { get; init; }

    /// <summary>
    /// A short name for the setting when the attack and iteration count alone do not tell runs apart
    /// (e.g. "5×20" for C&amp;W, "rounding at end" for BP in Table 5.1); null otherwise.
    /// </summary>
    public string? Variant { get; init; }

    /// <summary>The iteration count asked for (the registry row's iteration option); what it spends is <see cref="Planned"/>.</summary>
    public int Iterations { get; init; }

    /// <summary>Mean gradient evaluations actually spent per attacked image (all budgets and restarts).</summary>
    public double Gradients { get; init; }

    /// <summary>Mean forward-only passes actually spent per attacked image.</summary>
    public double Forwards { get; init; }

    /// <summary>What one run of the attack spends per image at most (gradients, forwards), from its cost model.</summary>
    public AttackCost Planned { get; init; }

    /// <summary>The success criterion: "untargeted", "targeted (random)", … with the margin when one was given.</summary>
    public string Criterion { get; init; } = "untargeted";

    /// <summary>Whether images were rounded to the 8-bit grid before judging (thesis Table 5.2 vs 5.3).</summary>
    public bool Quantized { get; init; }

    /// <summary>N′: images processed.</summary>
    public int Count { get; init; }

    /// <summary>N = |X|: images correctly classified without attack.</summary>
    public int Correct { get; init; }

    /// <summary>P_suc = N_suc / N.</summary>
    public double PSuc { get; init; }

    /// <summary>D̄: mean L2 distortion over the successes (null without successes).</summary>
    public double? MeanL2 { get; init; }

    /// <summary>Mean roughness Ω = ‖r − r∗h‖₂² over the successes (σ_h = 1; SmoothFool Table 1); null without successes or measurements.</summary>
    public double? MeanOmega { get; init; }

    /// <summary>Mean normalised roughness Ω_n = Ω/‖r‖₂² over the successes (σ_h = 1); null without successes or measurements.</summary>
    public double? MeanOmegaN { get; init; }

    /// <summary>The distortion bound D_upp of <see cref="PUpp"/>.</summary>
    public double DUpp { get; init; }

    /// <summary>P_upp = P(D_upp).</summary>
    public double PUpp { get; init; }

    /// <summary>Seconds spent attacking (summed over shards after a merge).</summary>
    public double Seconds { get; init; }

    /// <summary>How the run was made: version, device, threads, seed, and the command's full option set when a tool ran it (null in records written before 1.1).</summary>
    public RunProvenance? Run { get; init; }

    /// <summary>Every attacked image, by increasing index.</summary>
    public IReadOnlyList<ImageRecord> Images { get; init; } = [];

    /// <summary>Indices of the processed images that were misclassified without attack (not in X).</summary>
    public IReadOnlyList<int> Misclassified { get; init; } = [];

    /// <summary>The operating characteristic P(D) of this run.</summary>
    public OperatingCharacteristic Curve() => AttackMetrics.Curve(Images);

    /// <summary>A label for charts and tables, e.g. "bp 20" or "cw 100 (real)".</summary>
    [JsonIgnore]
    public string Label => $"{Attack} {Variant ?? Iterations.ToString(System.Globalization.CultureInfo.InvariantCulture)}{(Quantized ? "" : " (real)")}";

    /// <summary>
    /// A record whose statistics are computed from <paramref name="images"/> and
    /// <paramref name="misclassified"/> (images sorted by index).
    /// </summary>
    public static AttackRunRecord Create(string attack, IReadOnlyDictionary<string, string> options, string? dataset, string? model,
                                         int iterations, bool quantized, double upperDistortion, double seconds,
                                         IEnumerable<ImageRecord> images, IEnumerable<int> misclassified)
    {
        var sorted = images.OrderBy(i => i.Index).ToList();
        var skipped = misclassified.Order().ToList();
        return new AttackRunRecord
        {
            Attack = attack,
            Options = new SortedDictionary<string, string>(options.ToDictionary(), StringComparer.Ordinal),
            Dataset = dataset,
            Model = model,
            Iterations = iterations,
            Gradients = sorted.Count == 0 ? 0 : sorted.Average(i => (double)i.Gradients),
            Forwards = sorted.Count == 0 ? 0 : sorted.Average(i => (double)i.Forwards),
            Quantized = quantized,
            Count = sorted.Count + skipped.Count,
            Correct = sorted.Count,
            PSuc = AttackMetrics.SuccessProbability(sorted),
            MeanL2 = AttackMetrics.MeanDistortion(sorted),
            MeanOmega = AttackMetrics.MeanRoughness(sorted),
            MeanOmegaN = AttackMetrics.MeanNormalizedRoughness(sorted),
            DUpp = upperDistortion,
            PUpp = AttackMetrics.ProbabilityAt(sorted, upperDistortion),
            Seconds = seconds,
            Images = sorted,
            Misclassified = skipped,
        };
    }

    /// <summary>
    /// Combines runs of the same attack and settings over shards of a dataset: the union of their
    /// images (an image present twice must have the same result), statistics recomputed, seconds
    /// summed; <see cref="Run"/> is the first shard's.
    /// </summary>
    /// <exception cref="ArgumentException">No records, different attacks or settings, or conflicting results for one image.</exception>
    public static AttackRunRecord Merge(IEnumerable<AttackRunRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var list = records.ToList();
        if (list.Count == 0) throw new ArgumentException("nothing to merge", nameof(records));
        var first = list[0];
        string? dataset = first.Dataset, model = first.Model;
        foreach (var r in list.Skip(1))
        {
            Same(first.Attack, r.Attack, "attack");
            Same(first.Iterations, r.Iterations, "iterations");
            Same(first.Quantized, r.Quantized, "quantized");
            Same(first.DUpp, r.DUpp, "d_upp");
            Same(first.Variant, r.Variant, "variant");
            Same(first.Criterion, r.Criterion, "criterion");
            if (!first.Options.OrderBy(p => p.Key).SequenceEqual(r.Options.OrderBy(p => p.Key)))
                throw new ArgumentException($"cannot merge runs of {first.Attack} with different options", nameof(records));
            dataset = Agree(dataset, r.Dataset, "dataset");
            model = Agree(model, r.Model, "model");
        }

        var images = new Dictionary<int, ImageRecord>();
        var skipped = new HashSet<int>();
        foreach (var r in list)
        {
            foreach (var image in r.Images)
            {
                if (images.TryGetValue(image.Index, out var known) && known != image)
                    throw new ArgumentException($"image {image.Index} appears in two shards with different results", nameof(records));
                images[image.Index] = image;
            }
            skipped.UnionWith(r.Misclassified);
        }
        int clash = skipped.FirstOrDefault(images.ContainsKey, -1);
        if (clash >= 0)
            throw new ArgumentException($"image {clash} is attacked in one shard and misclassified in another: the shards used different models", nameof(records));
        return Create(first.Attack, first.Options, dataset, model, first.Iterations, first.Quantized, first.DUpp,
                      list.Sum(r => r.Seconds), images.Values, skipped) with { Variant = first.Variant, Planned = first.Planned, Criterion = first.Criterion, Run = first.Run };

        static void Same<T>(T a, T b, string what)
        {
            if (!EqualityComparer<T>.Default.Equals(a, b))
                throw new ArgumentException($"cannot merge runs with different {what} ({a} vs {b})", nameof(records));
        }

        static string? Agree(string? a, string? b, string what)
        {
            if (a is not null && b is not null && a != b)
                throw new ArgumentException($"cannot merge runs with different {what} ({a} vs {b})", nameof(records));
            return a ?? b;
        }
    }

    /// <inheritdoc cref="Merge(IEnumerable{AttackRunRecord})"/>
    public static AttackRunRecord Merge(params AttackRunRecord[] records) => Merge((IEnumerable<AttackRunRecord>)records);

    // ------------------------------------------------------------------ JSON

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>The record as JSON (snake_case names).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads a record and recomputes its statistics from its images.</summary>
    /// <exception cref="InvalidDataException">Not a result record, or one whose counts contradict its images.</exception>
    public static AttackRunRecord FromJson(string json)
    {
        AttackRunRecord? record;
        try
        {
            record = JsonSerializer.Deserialize<AttackRunRecord>(json, Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"not an attack result record: {IO.JsonErrors.Describe(e)}", e);
        }
        if (record is null || string.IsNullOrEmpty(record.Attack) || record.Images is null || record.Misclassified is null)
            throw new InvalidDataException("not an attack result record: attack, images or misclassified missing");
        if (record.Count != record.Images.Count + record.Misclassified.Count || record.Correct != record.Images.Count)
            throw new InvalidDataException(
                $"inconsistent record: count {record.Count} and correct {record.Correct} do not match {record.Images.Count} images and {record.Misclassified.Count} misclassified");
        if (record.Images.Select(i => i.Index).Distinct().Count() != record.Images.Count)
            throw new InvalidDataException("inconsistent record: an image index appears twice");
        return Create(record.Attack, record.Options ?? new Dictionary<string, string>(), record.Dataset, record.Model, record.Iterations,
                      record.Quantized, record.DUpp, record.Seconds, record.Images, record.Misclassified)
               with { Variant = record.Variant, Planned = record.Planned, Criterion = record.Criterion ?? "untargeted", Run = record.Run };
    }

    /// <summary>Writes the JSON atomically (temporary file, then rename).</summary>
    public void Save(string path) => AtomicFile.WriteText(path, ToJson());

    /// <summary>Reads a record written by <see cref="Save"/>.</summary>
    public static AttackRunRecord Load(string path)
    {
        try
        {
            return FromJson(File.ReadAllText(path));
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }
}
