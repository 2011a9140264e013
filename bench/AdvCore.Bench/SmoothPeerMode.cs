using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AdvCore.Attacks;
using AdvCore.Data;
using AdvCore.Defenses;
using AdvCore.IO;
using AdvCore.Models;

namespace AdvCore.Bench;

/// <summary>
/// The AdvCore side of the randomized-smoothing comparison with PyTorch (bench/peers/smooth_peer.py):
/// <c>AdvCore.Bench smooth-peer --out DIR --model FILE [--images 3] [--n 100000] [--n0 100]
/// [--sigma 0.25] [--m 32] [--batch 100] [--chunk 4096] [--threads 2] [--reps 5] [--data PATH]</c>.
/// Times Cohen et al.'s CERTIFY (n0 + n noisy forwards per image in chunks of --chunk, counting
/// argmaxes, Clopper-Pearson) on the first --images MNIST test images, and smoothed inference
/// (prediction voting over m copies) on a batch of --batch images (median of --reps after a
/// warm-up). Writes DIR/smooth_dump.safetensors (the images) and DIR/smooth_advcore.json (the
/// settings, the certificates and the timings) for the PyTorch side, which does the same work
/// with the same weights and chunking.
/// </summary>
public static class SmoothPeerMode
{
    public static int Run(string[] args)
    {
        string? outDir = null, model = null, data = null;
        int images = 3, m = 32, batch = 100, chunk = 4096, threads = 2, reps = 5;
        long n = 100_000, n0 = 100;
        float sigma = 0.25f;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            var inv = CultureInfo.InvariantCulture;
            switch (args[i])
            {
                case "--out": outDir = Next(); break;
                case "--model": model = Next(); break;
                case "--data": data = Next(); break;
                case "--images": images = int.Parse(Next(), inv); break;
                case "--n": n = long.Parse(Next(), inv); break;
                case "--n0": n0 = long.Parse(Next(), inv); break;
                case "--sigma": sigma = float.Parse(Next(), inv); break;
                case "--m": m = int.Parse(Next(), inv); break;
                case "--batch": batch = int.Parse(Next(), inv); break;
                case "--chunk": chunk = int.Parse(Next(), inv); break;
                case "--threads": threads = int.Parse(Next(), inv); break;
                case "--reps": reps = int.Parse(Next(), inv); break;
                default:
                    Console.Error.WriteLine($"smooth-peer: unknown argument '{args[i]}'\nusage: AdvCore.Bench smooth-peer --out DIR --model FILE [--images N] [--n N] [--n0 N] [--sigma S] [--m M] [--batch B] [--chunk C] [--threads T] [--reps R] [--data PATH]");
                    return 2;
            }
        }
        if (outDir is null || model is null)
        {
            Console.Error.WriteLine("smooth-peer: --out DIR and --model FILE are required");
            return 2;
        }
        Directory.CreateDirectory(outDir);
        int count = Math.Max(images, batch);
        var mnist = DatasetCatalog.Load("mnist", DatasetSplit.Test, data, allowDownload: false).Take(0, count);
        using var context = Context.Create(Device.Cpu, threads: threads, seed: 1);
        using var loaded = ModelFile.Load(model, context);
        var net = new NetworkClassifier(loaded.Network);
        new SafeTensorWriter().Add("images", mnist.Pixels.Span, count, 1, 28, 28).Add("labels", [.. mnist.Labels.ToArray().Select(l => (float)l)], count)
                              .Save(Path.Combine(outDir, "smooth_dump.safetensors"));

        // CERTIFY, one image at a time (as Cohen et al.'s code), n0 + n forwards each.
        using var certifier = new SmoothedClassifier(net, new SmoothingOptions { Sigma = sigma, Samples = 1, MaxBatch = chunk, Seed = 3 });
        using var one = Tensor.Zeros(context, [1, 1, 28, 28]);
        one.CopyFrom(mnist.Image(0));
        Certification.Certify(certifier, one, n0, Math.Min(n, chunk)); // warm-up
        var certificates = new JsonArray();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < images; i++)
        {
            one.CopyFrom(mnist.Image(i));
            var c = Certification.Certify(certifier, one, n0, n);
            certificates.Add(new JsonObject { ["index"] = i, ["prediction"] = c.Prediction, ["top_count"] = c.TopCount, ["lower"] = c.LowerBound, ["radius"] = c.Radius });
        }
        double certifySeconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"AdvCore CERTIFY: {images} images x (n0 {n0} + n {n}) in {certifySeconds:F2} s = {images / certifySeconds:F4} images/s ({images * (n + n0) / certifySeconds:F0} forwards/s)"));

        // Smoothed inference: prediction voting over m copies of a batch.
        using var voter = new SmoothedClassifier(net, new SmoothingOptions { Sigma = sigma, Samples = m, MaxBatch = chunk, Seed = 4 });
        using var x = Tensor.FromArray(context, mnist.Pixels.ToArray()[..(batch * 784)], batch, 1, 28, 28);
        voter.Predict(x); // warm-up
        var times = new double[reps];
        int[] votes = [];
        for (int r = 0; r < reps; r++)
        {
            long t0 = Stopwatch.GetTimestamp();
            votes = voter.Predict(x);
            times[r] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        }
        Array.Sort(times);
        double median = reps % 2 == 1 ? times[reps / 2] : (times[reps / 2 - 1] + times[reps / 2]) / 2;
        int[] labels = mnist.Labels.ToArray()[..batch];
        double accuracy = votes.Zip(labels).Count(t => t.First == t.Second) / (double)batch;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"AdvCore smoothed inference: {batch} images x m {m} in {median:F2} ms (median of {reps}) = {batch * 1000 / median:F1} images/s; accuracy {accuracy:F3}"));

        var root = new JsonObject
        {
            ["model"] = Path.GetFullPath(model), ["sigma"] = sigma, ["n"] = n, ["n0"] = n0, ["alpha"] = Certification.DefaultAlpha, ["chunk"] = chunk,
            ["images"] = images, ["m"] = m, ["batch"] = batch, ["threads"] = threads, ["reps"] = reps, ["processor_count"] = Environment.ProcessorCount,
            ["certify_seconds"] = Math.Round(certifySeconds, 4), ["certify_images_per_s"] = images / certifySeconds, ["certificates"] = certificates,
            ["inference_ms_median"] = Math.Round(median, 4), ["inference_ms_min"] = Math.Round(times[0], 4), ["inference_accuracy"] = accuracy,
        };
        File.WriteAllText(Path.Combine(outDir, "smooth_advcore.json"), root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        Console.WriteLine($"wrote {Path.Combine(outDir, "smooth_dump.safetensors")} and smooth_advcore.json");
        return 0;
    }
}
