using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using AdvCore.Attacks;
using AdvCore.IO;

namespace AdvCore.Evaluation;

/// <summary>
/// An attack set up for a minimum-norm benchmark at a fixed budget of propagations per image
/// (AttackBench, Cinà et al. 2024): the registry row, the attack built with the thesis settings
/// for the dataset and the iteration count chosen to fit, and what that costs.
/// </summary>
/// <param name="Info">The registry row.</param>
/// <param name="Attack">The attack as it runs.</param>
/// <param name="Iterations">The iteration count chosen (the row's iteration option); null for a row without one (its thesis settings run).</param>
/// <param name="Cost">What one run spends per image at most (<see cref="IAttack.Cost"/>); its propagations are ≤ <paramref name="Budget"/>.</param>
/// <param name="Budget">The propagations per image allowed (2·gradients + forwards).</param>
public sealed record AttackPlan(AttackInfo Info, IAttack Attack, int? Iterations, AttackCost Cost, long Budget);

/// <summary>One attack of a comparison: its statistics over the attacked images and its optimality.</summary>
public sealed record ComparisonEntry
{
    /// <summary>The attack's registry name.</summary>
    public required string Attack { get; init; }

    /// <summary>Its display name (registry row), for tables and charts.</summary>
    public required string Display { get; init; }

    /// <summary>The iteration count it ran with (the record's).</summary>
    public int Iterations { get; init; }

    /// <summary>Propagations per image its cost model plans (2·gradients + forwards).</summary>
    public long PlannedPropagations { get; init; }

    /// <summary>Mean propagations actually spent per attacked image.</summary>
    public double MeanPropagations { get; init; }

    /// <summary>Most propagations spent on one image.</summary>
    public long MaxPropagations { get; init; }

    /// <summary>P_suc: the fraction of the N attacked images with a finite distance (returned or tracked success).</summary>
    public double PSuc { get; init; }

    /// <summary>Median distance over the successes (null without successes).</summary>
    public double? MedianL2 { get; init; }

    /// <summary>Mean distance over the successes (null without successes).</summary>
    public double? MeanL2 { get; init; }

    /// <summary>P_suc of the returned images alone.</summary>
    public double ReturnedPSuc { get; init; }

    /// <summary>Mean L2 of the returned successes alone (null without).</summary>
    public double? ReturnedMeanL2 { get; init; }

    /// <summary>Images where the tracked query point is strictly closer than the returned image (or the only success).</summary>
    public int TrackedCloser { get; init; }

    /// <summary>A: area under the robust-accuracy curve over [0, ε_max].</summary>
    public double Area { get; init; }

    /// <summary>1 − (A − A_best)/(clean accuracy · ε_max − A_best); null when the comparison has no finite distance.</summary>
    public double? Optimality { get; init; }

    /// <summary>Seconds spent attacking.</summary>
    public double Seconds { get; init; }

    /// <summary>Per attacked image (in <see cref="AttackComparisonResult.Images"/> order), the distance used: null = unbroken.</summary>
    public IReadOnlyList<double?> Distances { get; init; } = [];
}

/// <summary>
/// The comparison of several minimum-norm attacks on the same images (<see cref="AttackComparison.Compare"/>).
/// </summary>
public sealed record AttackComparisonResult
{
    /// <summary>What the per-image distance is.</summary>
    public string Distance { get; init; } = AttackComparison.DistanceRule;

    /// <summary>How ε_max is chosen.</summary>
    public string EpsilonMaxRule { get; init; } = AttackComparison.EpsilonMaxRuleText;

    /// <summary>The propagation budget per image, when known.</summary>
    public long? Budget { get; init; }

    /// <summary>How the comparison was made: the first run's <see cref="AttackRunRecord.Run"/> (version, device, threads, seed, command and options).</summary>
    public RunProvenance? Run { get; init; }

    /// <summary>Dataset name, when known.</summary>
    public string? Dataset { get; init; }

    /// <summary>Model name, when known.</summary>
    public string? Model { get; init; }

    /// <summary>N′: images processed.</summary>
    public int Count { get; init; }

    /// <summary>N: images classified correctly (the attacked ones).</summary>
    public int Correct { get; init; }

    /// <summary>Clean accuracy N/N′: the robust accuracy at ε = 0.</summary>
    public double CleanAccuracy { get; init; }

    /// <summary>ε_max: the largest finite distance any attack found (null when none found any).</summary>
    public double? EpsilonMax { get; init; }

    /// <summary>A_best: the area of the per-image best (minimum over attacks) curve.</summary>
    public double BestArea { get; init; }

    /// <summary>Dataset indices of the attacked images (the order of every distance list).</summary>
    public IReadOnlyList<int> Images { get; init; } = [];

    /// <summary>Per attacked image, the least distance over all attacks (null = no attack broke it).</summary>
    public IReadOnlyList<double?> BestDistances { get; init; } = [];

    /// <summary>The attacks, in the order given.</summary>
    public IReadOnlyList<ComparisonEntry> Entries { get; init; } = [];

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>The comparison as JSON (snake_case; null distances are unbroken images).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Writes <see cref="ToJson"/> atomically.</summary>
    public void SaveJson(string path) => AtomicFile.WriteText(path, ToJson());

    /// <summary>The table header of <see cref="ToCsv"/>.</summary>
    public const string CsvHeader =
        "attack,display,iterations,budget,planned_propagations,mean_propagations,max_propagations,count,correct,p_suc,median_l2,mean_l2,area,optimality,seconds,returned_p_suc,returned_mean_l2,tracked_closer,epsilon_max,distance";

    /// <summary>One row per attack.</summary>
    public string ToCsv()
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder(CsvHeader).Append('\n');
        foreach (var e in Entries)
            text.Append(inv, $"{e.Attack},{Quote(e.Display)},{e.Iterations},{Budget},{e.PlannedPropagations},{e.MeanPropagations:R},{e.MaxPropagations},{Count},{Correct},")
                .Append(inv, $"{e.PSuc:R},{R(e.MedianL2)},{R(e.MeanL2)},{e.Area:R},{R(e.Optimality)},{e.Seconds:R},{e.ReturnedPSuc:R},{R(e.ReturnedMeanL2)},{e.TrackedCloser},{R(EpsilonMax)},{Quote(Distance)}\n");
        return text.ToString();

        static string R(double? v) => v is double d ? d.ToString("R", CultureInfo.InvariantCulture) : "";
        static string Quote(string s) => s.Contains(',') || s.Contains('"') ? $"\"{s.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : s;
    }

    /// <summary>Writes <see cref="ToCsv"/> atomically.</summary>
    public void SaveCsv(string path) => AtomicFile.WriteText(path, ToCsv());
}

/// <summary>
/// A minimum-norm attack benchmark in the manner of AttackBench (Cinà et al., "AttackBench:
/// Evaluating Gradient-based Attacks for Adversarial Examples", 2024): every attack gets the
/// same budget of propagations per image (a gradient = one forward + one backward), the harness
/// refuses queries past it and tracks, per image, the least L2-distorted query point that met the
/// criterion; attacks are ranked by the area under their robust-accuracy-vs-ε curve against the
/// per-image best of all of them (the optimality).
/// </summary>
/// <remarks>
/// Per attacked image i the distance is d_i = min(returned L2 if the returned image succeeds,
/// tracked L2 if any query succeeded), +∞ when neither (the tracked one replaces the returned one
/// only when smaller by more than 10⁻⁶ relative: the tracker measures in float32). With N′ images processed and N attacked
/// (clean accuracy a = N/N′), the robust accuracy is RA(ε) = |{i : d_i &gt; ε}| / N′ (RA(0) = a);
/// its exact integral over [0, ε_max] is A = Σ_i min(d_i, ε_max) / N′. With d*_i = the minimum of
/// d_i over the attacks and A_best its area, optimality = 1 − (A − A_best)/(a·ε_max − A_best):
/// 1 for the attack that is best on every image, 0 for one that breaks nothing (computed as
/// Σ_i (ε_max − min(d_i, ε_max)) / Σ_i (ε_max − min(d*_i, ε_max)), the same quantity without
/// cancellation). ε_max is the
/// largest finite d_i of any attack.
/// </remarks>
public static class AttackComparison
{
    /// <summary>The per-image distance rule, as written in the outputs.</summary>
    public const string DistanceRule = "min(returned L2 if success, tracked L2 of the best successful query; tracked only when smaller by > 1e-6 relative)";

    /// <summary>The ε_max rule, as written in the outputs.</summary>
    public const string EpsilonMaxRuleText = "largest finite distance any attack found";

    /// <summary>
    /// The row of <paramref name="name"/> if it can enter a comparison: a minimum-norm row, or a
    /// budgeted row whose attack can run in L2 (its options have a Norm; <see cref="Build"/> runs it
    /// in L2 over the dataset's L2 budget list, a minimal-ε search).
    /// </summary>
    /// <exception cref="ArgumentException">An unknown name (the registry's message) or an attack that does not minimise L2.</exception>
    public static AttackInfo Entrant(string name, string? dataset = null)
    {
        var info = AttackRegistry.Get(name);
        if (info.MinimumNorm) return info;
        if (info.Budgeted)
        {
            // Built as a comparison builds it (asked for L2): pgdinf's constructor keeps L∞ and is refused.
            if (NormOf(Build(info, dataset ?? "mnist", null).Options) == AttackNorm.L2) return info;
        }
        throw new ArgumentException($"attack '{info.Name}' is neither a minimum-norm attack nor a budgeted L2 attack; compare-attacks compares L2 distances");
    }

    /// <summary>The default entrants: every minimum-norm row of the registry.</summary>
    public static IReadOnlyList<AttackInfo> DefaultEntrants() => [.. AttackRegistry.All.Where(a => a.MinimumNorm)];

    /// <summary>
    /// Builds <paramref name="name"/> with the thesis settings for <paramref name="dataset"/> and
    /// the largest iteration count of the row's iteration option whose cost
    /// (<see cref="IAttack.Cost"/>, in propagations) fits <paramref name="budget"/> (budgeted rows:
    /// the cost covers their whole ε list); a row without an iteration option runs its thesis
    /// settings, which must fit. The search assumes the cost does not decrease with the iteration
    /// count and never goes above <paramref name="budget"/> iterations.
    /// </summary>
    /// <exception cref="ArgumentException">An unknown or unsuitable attack, a budget &lt; 1, or an attack that does not fit the budget even at one iteration.</exception>
    public static AttackPlan Plan(string name, string dataset, long budget, int classes, long features, bool quantize = true)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (budget < 1) throw new ArgumentException($"the budget must be >= 1 propagation per image (got {budget})", nameof(budget));
        if (classes < 2) throw new ArgumentException($"classes must be >= 2 (got {classes})", nameof(classes));
        if (features < 1) throw new ArgumentException($"features must be >= 1 (got {features})", nameof(features));
        var info = Entrant(name, dataset);
        if (info.IterationOption is null)
        {
            var fixedAttack = Build(info, dataset, null, quantize);
            var cost = fixedAttack.Cost(classes, features);
            if (cost.Propagations > budget)
                throw new ArgumentException($"{info.Name} spends {cost.Propagations} propagations per image with its thesis settings, over the budget of {budget}");
            return new AttackPlan(info, fixedAttack, null, cost, budget);
        }

        long Propagations(int k) => Build(info, dataset, k, quantize).Cost(classes, features).Propagations;
        long first = Propagations(1);
        if (first > budget)
            throw new ArgumentException($"{info.Name} does not fit the budget of {budget} propagations per image: one iteration already costs {first}");
        // Doubling, then bisection between the last count that fits and the first that does not.
        int cap = (int)Math.Min(budget, int.MaxValue);
        int good = 1, bad = -1;
        while (good < cap)
        {
            int next = (int)Math.Min(2L * good, cap);
            if (Propagations(next) <= budget) good = next;
            else
            {
                bad = next;
                break;
            }
        }
        if (bad > 0)
            while (bad - good > 1)
            {
                int mid = good + (bad - good) / 2;
                if (Propagations(mid) <= budget) good = mid;
                else bad = mid;
            }
        var attack = Build(info, dataset, good, quantize);
        return new AttackPlan(info, attack, good, attack.Cost(classes, features), budget);
    }

    /// <summary>
    /// The row's attack with the thesis settings for the dataset and <paramref name="iterations"/>;
    /// a budgeted row with a Norm option is asked for L2 over the dataset's L2 budget list (APGD
    /// runs so; pgdinf's constructor keeps L∞, and <see cref="Entrant"/> refuses it).
    /// </summary>
    public static IAttack Build(AttackInfo info, string dataset, int? iterations, bool quantize = true)
    {
        ArgumentNullException.ThrowIfNull(info);
        Dictionary<string, string>? l2 = null;
        if (info.Budgeted && NormOf(info.Defaults()) is not null)
            l2 = new() { ["norm"] = "L2", ["epsilons"] = string.Join(",", Attacks.Budgets.For(dataset, AttackNorm.L2).Select(e => e.ToString("R", CultureInfo.InvariantCulture))) };
        var options = AttackRegistry.Options(info, dataset, l2, iterations);
        if (!quantize) options = options with { Quantize = false };
        return AttackRegistry.Create(info, options);
    }

    /// <summary>
    /// Runs <paramref name="plan"/>'s attack through <see cref="AttackRunner"/> with its budget as
    /// the propagation cap and query tracking on (<paramref name="options"/>' own attack settings
    /// are replaced).
    /// </summary>
    public static AttackRun Run(IClassifier model, AttackPlan plan, float[] images, int[] labels, int[]? indices = null,
                                AttackRunnerOptions? options = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return Run(model, plan.Attack, plan.Budget, images, labels, indices, options, cancel);
    }

    /// <summary>Runs <paramref name="attack"/> capped at <paramref name="budget"/> propagations per image, tracking queries.</summary>
    public static AttackRun Run(IClassifier model, IAttack attack, long budget, float[] images, int[] labels, int[]? indices = null,
                                AttackRunnerOptions? options = null, CancellationToken cancel = default)
    {
        var settings = (options ?? new AttackRunnerOptions()) with
        {
            AttackSettings = new AttackRunSettings { MaxPropagations = budget, TrackQueries = true },
        };
        return new AttackRunner(model, attack, settings).Run(images, labels, indices, cancel: cancel);
    }

    /// <summary>The distance of one attacked image: the least of the returned (if successful) and tracked L2; +∞ when neither.</summary>
    public static double Distance(ImageRecord image)
    {
        ArgumentNullException.ThrowIfNull(image);
        double d = image.Success ? image.L2 : double.PositiveInfinity;
        if (image.QueryBestL2 is double q && TrackedCloser(q, d)) d = q;
        return d;
    }

    /// <summary>
    /// Whether a tracked distance <paramref name="tracked"/> beats the returned one: smaller by more
    /// than <see cref="TrackerTolerance"/> relative (the tracker measures in float32, the record in
    /// float64, so the returned image, itself a query, would otherwise "beat" itself by rounding).
    /// </summary>
    public static bool TrackedCloser(double tracked, double returned) =>
        double.IsPositiveInfinity(returned) ? double.IsFinite(tracked) : tracked < returned * (1 - TrackerTolerance);

    /// <summary>The relative margin of <see cref="TrackedCloser"/>.</summary>
    public const double TrackerTolerance = 1e-6;

    /// <summary>
    /// The exact area under the robust-accuracy step function RA(ε) = |{i : d_i &gt; ε}| / N′ over
    /// [0, <paramref name="epsilonMax"/>]: Σ_i min(d_i, ε_max) / N′ (unbroken images: d_i = +∞).
    /// </summary>
    public static double Area(IEnumerable<double> distances, int processed, double epsilonMax)
    {
        ArgumentNullException.ThrowIfNull(distances);
        if (processed < 1) throw new ArgumentOutOfRangeException(nameof(processed), processed, "N′ must be >= 1");
        if (!(epsilonMax >= 0) || !double.IsFinite(epsilonMax)) throw new ArgumentOutOfRangeException(nameof(epsilonMax), epsilonMax, "ε_max must be finite and >= 0");
        double sum = 0;
        int n = 0;
        foreach (double d in distances)
        {
            if (double.IsNaN(d) || d < 0) throw new ArgumentException($"a distance must be >= 0 or +inf (got {d})", nameof(distances));
            sum += Math.Min(d, epsilonMax);
            n++;
        }
        if (n > processed) throw new ArgumentException($"{n} distances for {processed} processed images", nameof(distances));
        return sum / processed;
    }

    /// <summary>1 − (A − A_best)/(a·ε_max − A_best); null when the denominator is 0 (nothing broken, or ε_max = 0).</summary>
    public static double? Optimality(double area, double bestArea, double cleanAccuracy, double epsilonMax)
    {
        double worst = cleanAccuracy * epsilonMax;
        double span = worst - bestArea;
        if (!(span > 0)) return null;
        return 1 - (area - bestArea) / span;
    }

    /// <summary>The corners of the robust-accuracy step function: (0, a), then (d, RA(d)) at each distinct finite distance.</summary>
    public static IReadOnlyList<(double Epsilon, double RobustAccuracy)> Curve(IEnumerable<double> distances, int processed)
    {
        ArgumentNullException.ThrowIfNull(distances);
        var all = distances.ToList();
        if (processed < all.Count || processed < 1) throw new ArgumentException($"{all.Count} distances for {processed} processed images", nameof(processed));
        var finite = all.Where(double.IsFinite).Order().ToArray();
        var points = new List<(double, double)> { (0, all.Count / (double)processed) };
        for (int k = 0; k < finite.Length; k++)
            if (k + 1 == finite.Length || finite[k + 1] != finite[k])
                points.Add((finite[k], (all.Count - (k + 1)) / (double)processed));
        return points;
    }

    /// <summary>
    /// Compares runs of several attacks on the same images: per attack P_suc, median and mean
    /// distance over successes, area and optimality (see the class remarks for the formulas).
    /// </summary>
    /// <exception cref="ArgumentException">No records, or records over different image sets.</exception>
    public static AttackComparisonResult Compare(IReadOnlyList<AttackRunRecord> records, long? budget = null)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0) throw new ArgumentException("no runs to compare", nameof(records));
        var first = records[0];
        int[] images = [.. first.Images.Select(i => i.Index).Order()];
        foreach (var r in records.Skip(1))
            if (r.Count != first.Count || !r.Images.Select(i => i.Index).Order().SequenceEqual(images))
                throw new ArgumentException($"{r.Attack} ran on other images than {first.Attack} ({r.Correct} of {r.Count} vs {first.Correct} of {first.Count}); compare runs on the same slice and model", nameof(records));

        var distances = records.Select(r =>
        {
            var byIndex = r.Images.ToDictionary(i => i.Index);
            return images.Select(i => Distance(byIndex[i])).ToArray();
        }).ToList();
        var best = images.Select((_, j) => distances.Min(d => d[j])).ToArray();
        // The maximum over all attacks' finite distances (the best curve has them all, but not the largest).
        double? epsMax = distances.SelectMany(d => d).Where(double.IsFinite).DefaultIfEmpty(double.NaN).Max() is var m && double.IsFinite(m) ? m : null;
        int processed = first.Count, correct = images.Length;
        double clean = processed == 0 ? 0 : correct / (double)processed;
        double bestArea = epsMax is double e0 && processed > 0 ? Area(best, processed, e0) : 0;

        var entries = new List<ComparisonEntry>();
        for (int a = 0; a < records.Count; a++)
        {
            var r = records[a];
            var d = distances[a];
            var successes = d.Where(double.IsFinite).Order().ToArray();
            var returned = r.Images.Where(i => i.Success).ToList();
            double area = epsMax is double e && processed > 0 ? Area(d, processed, e) : 0;
            entries.Add(new ComparisonEntry
            {
                Attack = r.Attack,
                Display = AttackRegistry.Find(r.Attack)?.Display ?? r.Attack,
                Iterations = r.Iterations,
                PlannedPropagations = r.Planned.Propagations,
                MeanPropagations = r.Images.Count == 0 ? 0 : r.Images.Average(i => 2.0 * i.Gradients + i.Forwards),
                MaxPropagations = r.Images.Count == 0 ? 0 : r.Images.Max(i => 2 * i.Gradients + i.Forwards),
                PSuc = correct == 0 ? 0 : successes.Length / (double)correct,
                MedianL2 = Median(successes),
                MeanL2 = successes.Length == 0 ? null : successes.Average(),
                ReturnedPSuc = r.PSuc,
                ReturnedMeanL2 = r.MeanL2,
                TrackedCloser = r.Images.Count(i => i.QueryBestL2 is double q && TrackedCloser(q, i.Success ? i.L2 : double.PositiveInfinity)),
                Area = area,
                Optimality = epsMax is double e1 && Gap(best, e1) is var bestGap && bestGap > 0 ? Gap(d, e1) / bestGap : null,
                Seconds = r.Seconds,
                Distances = [.. d.Select(v => double.IsFinite(v) ? v : (double?)null)],
            });
        }
        return new AttackComparisonResult
        {
            Budget = budget,
            Run = first.Run,
            Dataset = first.Dataset,
            Model = first.Model,
            Count = processed,
            Correct = correct,
            CleanAccuracy = clean,
            EpsilonMax = epsMax,
            BestArea = bestArea,
            Images = images,
            BestDistances = [.. best.Select(v => double.IsFinite(v) ? v : (double?)null)],
            Entries = entries,
        };
    }

    // N′·(a·ε_max − A) = Σ_i (ε_max − min(d_i, ε_max)): optimality = Gap(attack)/Gap(best), the same
    // number as 1 − (A − A_best)/(a·ε_max − A_best), exactly 0 for an attack that breaks nothing and
    // exactly 1 for the best one (unbroken images add exact zeros).
    private static double Gap(double[] distances, double epsilonMax) => distances.Sum(d => epsilonMax - Math.Min(d, epsilonMax));

    /// <summary>The median of sorted values (the mean of the two middle ones for an even count); null when empty.</summary>
    public static double? Median(IReadOnlyList<double> sorted)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        if (sorted.Count == 0) return null;
        int h = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[h] : (sorted[h - 1] + sorted[h]) / 2;
    }

    // The Norm option of an options record (PGD, APGD, …), null when it has none.
    private static AttackNorm? NormOf(AttackOptions options) =>
        options.GetType().GetProperty("Norm")?.GetValue(options) is AttackNorm norm ? norm : null;
}
