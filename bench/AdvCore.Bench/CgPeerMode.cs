using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AdvCore.Data;
using AdvCore.IO;
using AdvCore.Smoothing;

namespace AdvCore.Bench;

/// <summary>
/// The AdvCore side of the CG comparison with scipy (bench/peers/cg_scipy.py):
/// <c>AdvCore.Bench cg-peer --out DIR [--images 1000] [--iterations 50] [--alpha 0.95]
/// [--threads 2] [--reps 15] [--data PATH]</c>. Builds the graphs of the first N MNIST test
/// images (4 neighbours, Laplacian kernel, σ_f = 0.1), solves L_α x = b for a N(0,1) right-hand
/// side with exactly the given number of CG iterations (tolerance 0) on the fast CPU backend,
/// and writes DIR/cg_dump.safetensors (images, stencil weights [N,4,28,28], b, x, s1) plus
/// DIR/cg_advcore.json with the median batch time over the repetitions (after a warm-up) at the
/// given thread count and, for the per-core comparison, at one thread.
/// </summary>
public static class CgPeerMode
{
    public static int Run(string[] args)
    {
        string? outDir = null, data = null;
        int images = 1000, iterations = 50, threads = 2, reps = 15;
        float alpha = 0.95f;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--out": outDir = Next(); break;
                case "--data": data = Next(); break;
                case "--images": images = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--iterations": iterations = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--threads": threads = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--reps": reps = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--alpha": alpha = float.Parse(Next(), CultureInfo.InvariantCulture); break;
                default:
                    Console.Error.WriteLine($"cg-peer: unknown argument '{args[i]}'\nusage: AdvCore.Bench cg-peer --out DIR [--images N] [--iterations K] [--alpha A] [--threads T] [--reps R] [--data PATH]");
                    return 2;
            }
        }
        if (outDir is null)
        {
            Console.Error.WriteLine("cg-peer: --out DIR is required");
            return 2;
        }
        Directory.CreateDirectory(outDir);
        var mnist = DatasetCatalog.Load("mnist", DatasetSplit.Test, data, allowDownload: false).Take(0, images);
        var options = new GraphSmoothingOptions { Alpha = alpha, Tolerance = 0f, MaxIterations = iterations };
        long[] shape = [images, 1, 28, 28];

        var root = new JsonObject
        {
            ["images"] = images,
            ["iterations"] = iterations,
            ["alpha"] = alpha,
            ["neighbours"] = options.Neighbours,
            ["kernel"] = options.Kernel.ToString(),
            ["sigma_feature"] = options.SigmaFeature,
            ["reps"] = reps,
            ["processor_count"] = Environment.ProcessorCount,
            ["os"] = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
        };
        var timings = new JsonArray();
        foreach (int t in threads == 1 ? new[] { 1 } : new[] { threads, 1 })
        {
            using var context = Context.Create(Device.Cpu, threads: t, seed: 1);
            using var x = Tensor.FromSpan(context, mnist.Pixels.Span, shape);
            var build = Stopwatch.StartNew();
            using var smoother = GraphSmoother.Build(x, options);
            double buildMs = build.Elapsed.TotalMilliseconds;
            using var b = Tensor.Zeros(context, shape);
            b.FillNormal(0f, 1f, 17);
            using var solution = Tensor.Zeros(context, shape);
            smoother.Solve(b, solution);
            var report = smoother.LastReport();
            if (report.Iterations.Any(k => k != iterations))
                throw new InvalidOperationException($"expected {iterations} iterations in every system");
            if (t == threads)
            {
                using var weights = smoother.StencilWeights();
                using var s1 = smoother.OnesResponse();
                new SafeTensorWriter()
                    .Add("images", mnist.Pixels.Span, shape)
                    .Add("weights", weights.ToArray(), weights.ShapeArray())
                    .Add("b", b.ToArray(), shape)
                    .Add("x", solution.ToArray(), shape)
                    .Add("s1", s1.ToArray(), s1.ShapeArray())
                    .Add("residuals", report.Residuals, images)
                    .Metadata("alpha", alpha.ToString("R", CultureInfo.InvariantCulture))
                    .Save(Path.Combine(outDir, "cg_dump.safetensors"));
            }
            var times = new double[reps];
            smoother.Solve(b, solution); // warm-up
            for (int r = 0; r < reps; r++)
            {
                long t0 = Stopwatch.GetTimestamp();
                smoother.Solve(b, solution);
                times[r] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            }
            Array.Sort(times);
            double median = reps % 2 == 1 ? times[reps / 2] : (times[reps / 2 - 1] + times[reps / 2]) / 2;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"AdvCore CG ({t} thread{(t > 1 ? "s" : "")}): {images} systems x {iterations} iterations in {median:F2} ms (median of {reps}), {1000 * median / images:F2} us per image; graph + s(1) build {buildMs:F1} ms"));
            timings.Add(new JsonObject
            {
                ["threads"] = t,
                ["batch_ms_median"] = Math.Round(median, 4),
                ["batch_ms_min"] = Math.Round(times[0], 4),
                ["per_image_us"] = Math.Round(1000 * median / images, 4),
                ["build_ms"] = Math.Round(buildMs, 2),
            });
        }
        root["timings"] = timings;
        File.WriteAllText(Path.Combine(outDir, "cg_advcore.json"),
                          root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        Console.WriteLine($"wrote {Path.Combine(outDir, "cg_dump.safetensors")} and cg_advcore.json");
        return 0;
    }
}
