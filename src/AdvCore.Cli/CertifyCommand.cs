using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using AdvCore.Attacks;
using AdvCore.Data;
using AdvCore.Defenses;
using AdvCore.Evaluation;
using AdvCore.IO;
using AdvCore.Models;

namespace AdvCore.Cli;

/// <summary>
/// <c>advcore certify</c>: Cohen et al.'s CERTIFY per test image. One JSON line per image is
/// appended to --out and flushed, so a stopped run resumes where it stopped (the lines already
/// there are kept; a torn last line is dropped). SIGINT/SIGTERM stop after the current image and
/// print the command that continues (the same one). Then certified accuracy at radii, and a PNG.
/// </summary>
internal static class CertifyCommand
{
    private static readonly double[] ReportRadii = [0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5];

    public static Command Create()
    {
        var model = CommonOptions.ModelFile();
        var dataset = new Option<string>("--dataset") { Description = "mnist, fashion-mnist or cifar10", DefaultValueFactory = _ => "mnist" };
        var sigma = CommonOptions.Required<float>("--sigma", "Noise σ");
        var n = new Option<long>("--n") { Description = "Estimation samples n", DefaultValueFactory = _ => Certification.DefaultN };
        var n0 = new Option<long>("--n0") { Description = "Selection samples n0", DefaultValueFactory = _ => Certification.DefaultN0 };
        var alpha = new Option<double>("--alpha") { Description = "Failure probability α", DefaultValueFactory = _ => Certification.DefaultAlpha };
        var start = new Option<int>("--start") { Description = "First test image", DefaultValueFactory = _ => 0 };
        var count = new Option<int>("--count") { Description = "Test images", DefaultValueFactory = _ => 100 };
        var batch = new Option<int>("--batch") { Description = "Base inputs per forward pass (memory bound)", DefaultValueFactory = _ => 4096 };
        var seed = new Option<ulong>("--seed") { Description = "Noise stream seed", DefaultValueFactory = _ => 0UL };
        var output = CommonOptions.Required<string>("--out", "JSON-lines file, one certificate per image (resumed when present)");
        var chart = new Option<string?>("--chart") { Description = "PNG of certified accuracy vs radius" };
        var quiet = new Option<bool>("--quiet") { Description = "No progress line" };
        var data = CommonOptions.Data();
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();
        var command = new Command("certify", "Certified L2 radius per image (Cohen et al. 2019 CERTIFY) and certified accuracy vs radius");
        foreach (var o in new Option[] { model, dataset, sigma, n, n0, alpha, start, count, batch, seed, output, chart, quiet, data, device, threads }) command.Options.Add(o);
        command.SetAction(parse =>
        {
            float s = parse.GetValue(sigma);
            CommonOptions.Check(s > 0 && float.IsFinite(s), $"--sigma must be > 0 (got {s})");
            long nn = parse.GetValue(n), nn0 = parse.GetValue(n0);
            double a = parse.GetValue(alpha);
            CommonOptions.Check(nn >= 1 && nn0 >= 1, "--n and --n0 must be >= 1");
            CommonOptions.Check(a > 0 && a < 1, $"--alpha must be in (0, 1) (got {a})");
            int first = parse.GetValue(start), total = parse.GetValue(count);
            CommonOptions.Check(first >= 0 && total >= 1, "--start must be >= 0 and --count >= 1");
            string path = parse.GetValue(output)!;
            OutputPaths.ProbeFiles(("--out", path), ("--chart", parse.GetValue(chart)));
            Interruption.Graceful();
            using var context = CommonOptions.CreateContext(parse.GetValue(device)!, parse.GetValue(threads));
            using var loaded = ModelFile.Load(parse.GetValue(model)!, context);
            var test = DatasetCatalog.Load(DatasetCatalog.Normalize(parse.GetValue(dataset)!), DatasetSplit.Test, parse.GetValue(data));
            CommonOptions.Check(first < test.Count, $"--start {first} is past the {test.Count} test images");
            total = Math.Min(total, test.Count - first);
            var done = Load(path, s, nn);
            using var smoothed = new SmoothedClassifier(new NetworkClassifier(loaded.Network),
                new SmoothingOptions { Sigma = s, Samples = 1, MaxBatch = parse.GetValue(batch), Seed = parse.GetValue(seed) });
            using var x = Tensor.Zeros(context, [1, .. test.Shape.Select(v => (long)v)]);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            int resumed = done.Keys.Count(k => k >= first && k < first + total), certified = 0;
            int Done() => resumed + certified;
            int fresh = ProgressLine.Run("certify", update =>
            {
                Action<double, string> report = parse.GetValue(quiet) ? (_, _) => { } : update;
                using var writer = new StreamWriter(path, append: true);
                for (int i = first; i < first + total && !Interruption.Requested; i++)
                {
                    if (done.ContainsKey(i)) continue;
                    x.CopyFrom(test.Image(i));
                    // Each image's noise is its own block of the stream: a resumed run draws what
                    // an uninterrupted one would have.
                    smoothed.StreamPosition = SmoothedClassifier.StreamStart(parse.GetValue(seed)) + (ulong)i * (ulong)(nn + nn0) * 256UL;
                    var t0 = clock.Elapsed.TotalSeconds;
                    var c = Certification.Certify(smoothed, x, nn0, nn, a);
                    int label = test.Labels.Span[i];
                    var line = new Line(i, label, c.Prediction, c.Prediction == label, c.Radius, c.LowerBound, c.TopCount, nn, nn0, a, s, clock.Elapsed.TotalSeconds - t0);
                    writer.WriteLine(JsonSerializer.Serialize(line));
                    writer.Flush();
                    done[i] = line;
                    certified++;
                    report((double)Done() / total, string.Create(CultureInfo.InvariantCulture,
                        $"{Done()}/{total} images, {certified * nn / clock.Elapsed.TotalSeconds:F0} samples/s"));
                }
                return certified;
            });
            if (Interruption.Requested && Done() < total)
            {
                Console.WriteLine($"interrupted after {Done()} of {total} images: their certificates are in {path}");
                Console.WriteLine($"continue with: {Interruption.ResumeCommand(addFlag: false)}");
                return ExitCodes.Interrupted;
            }
            var lines = done.Where(d => d.Key >= first && d.Key < first + total).Select(d => d.Value).ToList();
            var certs = lines.Select(l => new Certificate(l.Predicted, l.TopCount, l.N, l.LowerBound, l.Radius)).ToList();
            double[] acc = Certification.CertifiedAccuracy(certs, [.. lines.Select(l => l.Label)], ReportRadii);
            string levels = string.Join(", ", ReportRadii.Select((r, k) => FormattableString.Invariant($"r≥{r}: {acc[k]:F3}")));
            Console.WriteLine(FormattableString.Invariant(
                $"σ {s}, n {nn}, n0 {nn0}, α {a}: {lines.Count} images, abstained {certs.Count(c => c.Abstained)}; certified accuracy {levels}"));
            if (fresh > 0)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"throughput this run: {fresh / clock.Elapsed.TotalSeconds:F3} images/s ({fresh * (nn + nn0) / clock.Elapsed.TotalSeconds:F0} forwards/s)"));
            if (parse.GetValue(chart) is { } png)
            {
                double max = Math.Max(1.5, certs.Where(c => !c.Abstained && double.IsFinite(c.Radius)).Select(c => c.Radius).DefaultIfEmpty(0).Max());
                double[] radii = [.. Enumerable.Range(0, 101).Select(k => max * k / 100)];
                LineChart.Save(png, [($"σ = {s}", radii, Certification.CertifiedAccuracy(certs, [.. lines.Select(l => l.Label)], radii))],
                               $"Certified accuracy vs L2 radius ({lines.Count} images, n = {nn})", "radius (L2)", "certified accuracy", step: true);
                Console.WriteLine($"wrote {png}");
            }
            return 0;
        });
        return command;
    }

    /// <summary>One image's certificate as written to the JSON-lines file.</summary>
    internal sealed record Line(int Index, int Label, int Predicted, bool Correct, double Radius, double LowerBound, long TopCount, long N, long N0,
                                double Alpha, float Sigma, double Seconds);

    // Existing lines of a resumed run (a torn last line is dropped); refuses a file of other settings.
    private static Dictionary<int, Line> Load(string path, float sigma, long n)
    {
        var done = new Dictionary<int, Line>();
        if (!File.Exists(path)) return done;
        var kept = new List<string>();
        foreach (string text in File.ReadAllLines(path))
        {
            Line? line;
            try { line = JsonSerializer.Deserialize<Line>(text); }
            catch (JsonException) { continue; }
            if (line is null) continue;
            if (line.Sigma != sigma || line.N != n)
                throw new ArgumentException($"{path} holds certificates of σ {line.Sigma}, n {line.N}; use another --out for σ {sigma}, n {n}");
            done[line.Index] = line;
            kept.Add(text);
        }
        AtomicFile.WriteText(path, kept.Count == 0 ? "" : string.Join("\n", kept) + "\n");
        return done;
    }
}
