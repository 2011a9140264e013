using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AdvCore.Data;
using AdvCore.Defenses.Patches;
using AdvCore.IO;
using AdvCore.Models;
using AdvCore.Nn;

namespace AdvCore.Bench;

/// <summary>
/// The AdvCore side of the patch k-means / exact k-NN comparison with faiss
/// (bench/peers/kmeans.sh, then bench/peers/kmeans_faiss.py):
/// <c>AdvCore.Bench kmeans-peer --out DIR [--k 1024] [--iterations 10] [--points 262144]
/// [--queries 100000] [--threads 2] [--reps 5] [--seed 1] [--assign-k 1024,4096,65536,262144]
/// [--max-assign-seconds 5] [--defended-k 256,1024,4096] [--batch 1000] [--data PATH]</c>.
/// Two cases, both MNIST patches with d = 1, stride 1: 3×3 (dim 9) and 5×5 (dim 25; the patch
/// side must be odd, so 5×5 stands in for 6×6). Per case:
/// <list type="number">
/// <item>Points: exactly --points patches, a seeded sample without replacement of all the
/// patches of the first ⌈2·points / P⌉ training images (P patches per image). Queries:
/// --queries patches sampled likewise from the test images.</item>
/// <item>Initial centroids: our k-means++ seeding (<see cref="KMeans.Train"/> with 0 iterations,
/// --seed). Then a 1-iteration warm-up and the timed run of --iterations Lloyd iterations from
/// those centroids; seconds per iteration = the median of the differences of the step
/// callback's cumulative Seconds over iterations 2..N (each one update plus one assignment,
/// the same work as one faiss iteration).</item>
/// <item>Exact assignment: <see cref="Ops.RowSqNorms"/> + <see cref="Ops.Knn"/> k = 1 of the
/// queries against K distinct training patches (a seeded draw from the distinct patches of the
/// first training images; the K-row codebooks are prefixes of one another), median of --reps
/// after a warm-up, for each K of --assign-k; a K above 65536 whose time, extrapolated linearly
/// from the previous K, would exceed --max-assign-seconds per call is skipped (and recorded so).</item>
/// </list>
/// Then a C4 network (random weights, seed 1) at batch --batch on the first MNIST test images:
/// undefended <see cref="Network.Forward(Tensor)"/> against <see cref="PatchDefendedClassifier.Logits"/>
/// with a layer-0 3×3/1 k-means codebook of K rows (the first K rows of the dim-9 assignment
/// codebook) for each K of --defended-k, plus the replacement alone (DefendedInput); medians of
/// --reps after two warm-ups. Writes DIR/kmeans_dump.safetensors (per case "d9."/"d25.": points,
/// init, final centroids, queries, codebook, nearest.K and distances.K) and DIR/kmeans_advcore.json
/// (settings, per-iteration errors and times, assignment and forward timings).
/// </summary>
public static class KMeansPeerMode
{
    // Assignment codebooks up to this many rows are always timed; larger ones only when they fit --max-assign-seconds.
    private const int AlwaysAssignUpTo = 65_536;

    private const string Usage =
        "usage: AdvCore.Bench kmeans-peer --out DIR [--k K] [--iterations N] [--points N] [--queries N] [--threads T] [--reps R] " +
        "[--seed S] [--assign-k K,K,..] [--max-assign-seconds S] [--defended-k K,K,..] [--batch B] [--data PATH]";

    public static int Run(string[] args)
    {
        var inv = CultureInfo.InvariantCulture;
        string? outDir = null, data = null;
        int k = 1024, iterations = 10, points = 262_144, queries = 100_000, threads = 2, reps = 5, batch = 1000;
        ulong seed = 1;
        double maxAssignSeconds = 5;
        int[] assignKs = [1024, 4096, 65_536, 262_144], defendedKs = [256, 1024, 4096];
        static int[] List(string s) => [.. s.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(v => int.Parse(v, CultureInfo.InvariantCulture))];
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--out": outDir = Next(); break;
                case "--data": data = Next(); break;
                case "--k": k = int.Parse(Next(), inv); break;
                case "--iterations": iterations = int.Parse(Next(), inv); break;
                case "--points": points = int.Parse(Next(), inv); break;
                case "--queries": queries = int.Parse(Next(), inv); break;
                case "--threads": threads = int.Parse(Next(), inv); break;
                case "--reps": reps = int.Parse(Next(), inv); break;
                case "--seed": seed = ulong.Parse(Next(), inv); break;
                case "--batch": batch = int.Parse(Next(), inv); break;
                case "--assign-k": assignKs = List(Next()); break;
                case "--defended-k": defendedKs = List(Next()); break;
                case "--max-assign-seconds": maxAssignSeconds = double.Parse(Next(), inv); break;
                default:
                    Console.Error.WriteLine($"kmeans-peer: unknown argument '{args[i]}'\n{Usage}");
                    return 2;
            }
        }
        if (outDir is null)
        {
            Console.Error.WriteLine($"kmeans-peer: --out DIR is required\n{Usage}");
            return 2;
        }
        if (iterations < 2 || reps < 1 || k < 1 || points < k || queries < 1 || assignKs.Length == 0)
        {
            Console.Error.WriteLine("kmeans-peer: need --iterations >= 2, --reps >= 1, --points >= --k, and at least one --assign-k");
            return 2;
        }
        Array.Sort(assignKs);
        if (defendedKs.Any(v => v > assignKs[^1]))
        {
            Console.Error.WriteLine("kmeans-peer: every --defended-k must be at most the largest --assign-k (its codebooks are prefixes of that one)");
            return 2;
        }
        Directory.CreateDirectory(outDir);
        var train = DatasetCatalog.Load("mnist", DatasetSplit.Train, data, allowDownload: false);
        var test = DatasetCatalog.Load("mnist", DatasetSplit.Test, data, allowDownload: false);
        using var context = Context.Create(Device.Cpu, threads: threads, seed: 1);
        double gflops = context.MeasureSgemmGflops(1024, 5);
        Console.WriteLine($"AdvCore kmeans-peer: {context.Threads} threads, SGEMM 1024^3 {gflops:F1} GFLOP/s (OpenBLAS)");

        var root = new JsonObject
        {
            ["k"] = k,
            ["iterations"] = iterations,
            ["points"] = points,
            ["queries"] = queries,
            ["threads"] = context.Threads,
            ["reps"] = reps,
            ["seed"] = seed,
            ["max_assign_seconds"] = maxAssignSeconds,
            ["sgemm_gflops"] = Math.Round(gflops, 2),
            ["processor_count"] = Environment.ProcessorCount,
            ["os"] = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
        };
        var dump = new SafeTensorWriter().Metadata("format", "advcore-kmeans-peer/1");
        var cases = new JsonArray();
        float[]? defendedPool = null;
        foreach (int size in new[] { 3, 5 })
        {
            var g = new PatchGeometry(1, size, 1);
            var (json, pool) = RunCase(context, train, test, g, k, iterations, points, queries, reps, seed, assignKs, maxAssignSeconds, dump);
            cases.Add(json);
            if (size == 3) defendedPool = pool;
        }
        root["cases"] = cases;
        root["forward"] = Forward(context, test, defendedPool!, defendedKs, batch, reps);

        string dumpPath = Path.Combine(outDir, "kmeans_dump.safetensors");
        dump.Save(dumpPath);
        File.WriteAllText(Path.Combine(outDir, "kmeans_advcore.json"),
                          root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        Console.WriteLine($"wrote {dumpPath} and kmeans_advcore.json");
        return 0;
    }

    private static (JsonObject Json, float[] Codebook) RunCase(Context context, LabeledImages train, LabeledImages test, PatchGeometry g, int k,
        int iterations, int points, int queries, int reps, ulong seed, int[] assignKs, double maxAssignSeconds, SafeTensorWriter dump)
    {
        var inv = CultureInfo.InvariantCulture;
        int dim = g.PatchDim;
        string name = $"d{dim}";
        long perImage = g.PatchCount(train.Height, train.Width);

        // Points and queries: seeded samples of the patches of the first images.
        int trainImages = (int)Math.Min(train.Count, (2L * points + perImage - 1) / perImage);
        int testImages = (int)Math.Min(test.Count, (2L * queries + perImage - 1) / perImage);
        float[] x = SampleRows(Patches(context, train, 0, trainImages, g), dim, points, seed * 1_000_003UL + (ulong)dim);
        float[] q = SampleRows(Patches(context, test, 0, testImages, g), dim, queries, seed * 2_000_003UL + (ulong)dim);

        // k-means++ seeding (0 iterations), the error at the start, a warm-up iteration, the timed run.
        var options = new KMeansOptions { Clusters = k, Iterations = 0, Seed = seed };
        var clock = Stopwatch.StartNew();
        float[] init = KMeans.Train(context, x, dim, options);
        double seedingS = clock.Elapsed.TotalSeconds;
        double initError = KMeans.Error(context, x, dim, init);
        KMeans.Train(context, x, dim, options with { Iterations = 1 }, start: init);
        var steps = new List<KMeansStep>();
        clock.Restart();
        float[] final = KMeans.Train(context, x, dim, options with { Iterations = iterations }, start: init, step: (s, _) => steps.Add(s));
        double lloydS = clock.Elapsed.TotalSeconds;
        double[] perIteration = [.. Enumerable.Range(1, steps.Count - 1).Select(i => steps[i].Seconds - steps[i - 1].Seconds)];
        double secondsPerIteration = Median(perIteration);
        Console.WriteLine(string.Create(inv,
            $"AdvCore k-means {name} ({g.Size}x{g.Size} MNIST patches, n={points}, K={k}): seeding {seedingS:F2} s; {iterations} Lloyd iterations in {lloydS:F2} s, " +
            $"median {secondsPerIteration:F4} s/iteration; error {initError:G6} -> {steps[^1].Error:G6}; reseeded {steps.Sum(s => s.Reseeded)}"));

        // Exact assignment of the queries against K distinct training patches.
        float[] codebook = DistinctPatches(context, train, g, assignKs[^1], seed * 3_000_017UL + (ulong)dim);
        var assignment = new JsonArray();
        using var queryTensor = Tensor.FromSpan(context, q, [queries, dim]);
        using var indices = Tensor.Zeros(context, [queries, 1], DType.I32);
        using var distances = Tensor.Zeros(context, [queries, 1]);
        int largestRun = 0;
        double previous = 0;
        int previousK = 0;
        foreach (int kk in assignKs)
        {
            if (kk * (long)dim > codebook.Length) throw new InvalidOperationException($"only {codebook.Length / dim} distinct patches for K = {kk}");
            double estimate = previousK == 0 ? 0 : previous * kk / previousK;
            if (kk > AlwaysAssignUpTo && estimate > maxAssignSeconds)
            {
                Console.WriteLine(string.Create(inv, $"AdvCore assignment {name} K={kk}: skipped (estimated {estimate:F1} s per call > {maxAssignSeconds} s)"));
                assignment.Add(new JsonObject { ["k"] = kk, ["skipped"] = true, ["estimated_s"] = Math.Round(estimate, 3) });
                continue;
            }
            using var cb = Tensor.FromSpan(context, codebook.AsSpan(0, kk * dim), [kk, dim]);
            using var norms = Tensor.Zeros(context, [kk]);
            void Assign()
            {
                Ops.RowSqNorms(cb, norms);
                Ops.Knn(queryTensor, cb, norms, 1, indices, distances);
                context.Synchronize();
            }
            var times = new double[reps];
            Assign(); // warm-up
            for (int r = 0; r < reps; r++)
            {
                long t0 = Stopwatch.GetTimestamp();
                Assign();
                times[r] = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            }
            double median = Median(times);
            dump.Add($"{name}.nearest.{kk}", indices.ToInt32Array(), queries);
            dump.Add($"{name}.distances.{kk}", distances.ToArray(), queries);
            Console.WriteLine(string.Create(inv,
                $"AdvCore assignment {name} K={kk}: {queries} queries in {median:F4} s (median of {reps}), {queries / median:F0} patches/s"));
            assignment.Add(new JsonObject
            {
                ["k"] = kk,
                ["skipped"] = false,
                ["median_s"] = Math.Round(median, 6),
                ["min_s"] = Math.Round(times.Min(), 6),
                ["patches_per_s"] = Math.Round(queries / median, 1),
            });
            largestRun = kk;
            previous = median;
            previousK = kk;
        }

        dump.Add($"{name}.points", x, points, dim)
            .Add($"{name}.init", init, k, dim)
            .Add($"{name}.final", final, k, dim)
            .Add($"{name}.queries", q, queries, dim)
            .Add($"{name}.codebook", codebook.AsSpan(0, largestRun * dim), largestRun, dim);
        var json = new JsonObject
        {
            ["name"] = name,
            ["patch_size"] = g.Size,
            ["dim"] = dim,
            ["train_images"] = trainImages,
            ["test_images"] = testImages,
            ["patches_per_image"] = perImage,
            ["seeding_s"] = Math.Round(seedingS, 4),
            ["lloyd_total_s"] = Math.Round(lloydS, 4),
            ["seconds_per_iteration"] = Math.Round(secondsPerIteration, 6),
            ["iteration_seconds"] = new JsonArray([.. perIteration.Select(v => (JsonNode)Math.Round(v, 6))]),
            ["initial_error"] = initError,
            ["errors"] = new JsonArray([.. steps.Select(s => (JsonNode)s.Error)]),
            ["reseeded"] = new JsonArray([.. steps.Select(s => (JsonNode)s.Reseeded)]),
            ["assignment"] = assignment,
        };
        return (json, codebook);
    }

    private static JsonObject Forward(Context context, LabeledImages test, float[] pool, int[] ks, int batch, int reps)
    {
        var inv = CultureInfo.InvariantCulture;
        var arch = ModelZoo.C4([1, 28, 28]);
        using var network = Network.Build(context, arch.InputShape, arch.Layers, seed: 1);
        var images = test.Take(0, batch);
        using var x = Tensor.FromSpan(context, images.Pixels.Span, [batch, 1, 28, 28]);
        var g = new PatchGeometry(1, 3, 1);
        double undefended = MedianMs(() => network.Forward(x), context, reps);
        Console.WriteLine(string.Create(inv, $"AdvCore C4 forward, batch {batch}: undefended {undefended:F2} ms (median of {reps})"));
        var rows = new JsonArray();
        foreach (int kk in ks)
        {
            var centroids = pool.AsSpan(0, kk * g.PatchDim).ToArray();
            var codebook = PatchCodebook.KMeans(0, g, [1, 28, 28], [centroids]);
            using var defended = new PatchDefendedClassifier(network, [new PatchReplacement(codebook)]);
            double logits = MedianMs(() => defended.Logits(x), context, reps);
            double quantize = MedianMs(() => defended.DefendedInput(x), context, reps);
            Console.WriteLine(string.Create(inv,
                $"AdvCore C4 defended (layer 0, K={kk}, 3x3/1), batch {batch}: {logits:F2} ms = {logits / undefended:F2}x undefended; replacement alone {quantize:F2} ms"));
            rows.Add(new JsonObject
            {
                ["k"] = kk,
                ["defended_ms"] = Math.Round(logits, 4),
                ["replacement_ms"] = Math.Round(quantize, 4),
                ["ratio"] = Math.Round(logits / undefended, 4),
            });
        }
        return new JsonObject { ["model"] = "c4", ["batch"] = batch, ["undefended_ms"] = Math.Round(undefended, 4), ["defended"] = rows };
    }

    // All patches [count·P, dim] of images start..start+count-1 (one slice: d = 1).
    private static float[] Patches(Context context, LabeledImages set, int start, int count, PatchGeometry g)
    {
        var images = set.Take(start, count);
        using var x = Tensor.FromSpan(context, images.Pixels.Span, [count, set.Channels, set.Height, set.Width]);
        using var patches = Tensor.Zeros(context, [set.Channels / g.SliceDepth, count * g.PatchCount(set.Height, set.Width), g.PatchDim]);
        Ops.ExtractPatches(x, g, patches);
        return patches.ToArray();
    }

    // Exactly n of the rows, without replacement (a seeded partial Fisher-Yates), in their original order.
    private static float[] SampleRows(float[] rows, int dim, int n, ulong seed)
    {
        int total = rows.Length / dim;
        if (n > total) throw new InvalidOperationException($"{n} rows requested from {total}");
        var random = new Random(unchecked((int)(seed ^ (seed >> 32))));
        int[] order = [.. Enumerable.Range(0, total)];
        for (int i = 0; i < n; i++)
        {
            int j = i + random.Next(total - i);
            (order[i], order[j]) = (order[j], order[i]);
        }
        Array.Sort(order, 0, n);
        var output = new float[(long)n * dim];
        for (int i = 0; i < n; i++) rows.AsSpan(order[i] * dim, dim).CopyTo(output.AsSpan(i * dim, dim));
        return output;
    }

    // n distinct patches: the distinct patches of the first training images (in chunks of 500
    // images until 2n are found), shuffled with the seed, the first n kept.
    private static float[] DistinctPatches(Context context, LabeledImages train, PatchGeometry g, int n, ulong seed)
    {
        int dim = g.PatchDim;
        var pool = new List<float>();
        var seen = new HashSet<int>(new RowComparer(pool, dim));
        for (int start = 0; start < train.Count && seen.Count < 2L * n; start += 500)
        {
            float[] chunk = Patches(context, train, start, Math.Min(500, train.Count - start), g);
            for (int r = 0; r < chunk.Length / dim && seen.Count < 2L * n; r++)
            {
                int index = pool.Count / dim;
                for (int j = 0; j < dim; j++) pool.Add(chunk[r * dim + j]);
                if (!seen.Add(index)) pool.RemoveRange(index * dim, dim);
            }
        }
        if (seen.Count < n) throw new InvalidOperationException($"MNIST has only {seen.Count} distinct {g.Size}x{g.Size} patches, fewer than {n}");
        return Shuffle(SampleRows([.. pool], dim, n, seed), dim, seed);
    }

    private static float[] Shuffle(float[] rows, int dim, ulong seed)
    {
        int n = rows.Length / dim;
        var random = new Random(unchecked((int)(seed * 31 + 7)));
        var tmp = new float[dim];
        for (int i = n - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            rows.AsSpan(i * dim, dim).CopyTo(tmp);
            rows.AsSpan(j * dim, dim).CopyTo(rows.AsSpan(i * dim, dim));
            tmp.CopyTo(rows.AsSpan(j * dim, dim));
        }
        return rows;
    }

    private sealed class RowComparer(List<float> pool, int dim) : IEqualityComparer<int>
    {
        public bool Equals(int a, int b)
        {
            for (int j = 0; j < dim; j++)
                if (pool[a * dim + j] != pool[b * dim + j]) return false;
            return true;
        }

        public int GetHashCode(int a)
        {
            var h = new HashCode();
            for (int j = 0; j < dim; j++) h.Add(pool[a * dim + j]);
            return h.ToHashCode();
        }
    }

    private static double MedianMs(Action action, Context context, int reps)
    {
        for (int i = 0; i < 2; i++) action();
        context.Synchronize();
        var times = new double[reps];
        for (int i = 0; i < reps; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            action();
            context.Synchronize();
            times[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        }
        return Median(times);
    }

    private static double Median(double[] values)
    {
        var v = (double[])values.Clone();
        Array.Sort(v);
        int n = v.Length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }
}
