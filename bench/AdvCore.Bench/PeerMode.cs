using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AdvCore.IO;
using AdvCore.Models;
using AdvCore.Nn;

namespace AdvCore.Bench;

/// <summary>
/// The AdvCore side of the peer comparison (bench/peers/run.sh, then peer_bench.py):
/// <c>AdvCore.Bench peer --out DIR --device cpu|cuda [--quick]</c>. For C4 (batches 1, 100, 1000)
/// and CIFAR9 (1, 32, 128) it builds the network (seed 1), writes its model file
/// (docs/model-format.md) and, per batch, a data file with the inputs x (uniform on the 8-bit
/// grid, NCHW f32), labels (i32), eval-mode logits and grad = ∂(Σ_i CE_i)/∂x; then times the
/// eval-mode forward and the gradient evaluation (forward + backward to the input, no weight
/// gradients) with warm-up and records medians in DIR/advcore.json, with the SGEMM rate.
/// </summary>
public static class PeerMode
{
    private sealed record Case(string Model, ModelArchitecture Arch, int[] Batches);

    public static int Run(string[] args)
    {
        string? outDir = null;
        string deviceName = "cpu";
        bool quick = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--out" when i + 1 < args.Length: outDir = args[++i]; break;
                case "--device" when i + 1 < args.Length: deviceName = args[++i]; break;
                case "--quick": quick = true; break;
                default:
                    Console.Error.WriteLine($"peer: unknown argument '{args[i]}'\nusage: AdvCore.Bench peer --out DIR --device cpu|cuda [--quick]");
                    return 2;
            }
        }
        if (outDir is null)
        {
            Console.Error.WriteLine("peer: --out DIR is required");
            return 2;
        }
        Directory.CreateDirectory(outDir);
        var device = Backends.Parse(deviceName);
        using var context = Context.Create(device, seed: 1);

        var root = new JsonObject
        {
            ["device"] = deviceName,
            ["threads"] = context.Threads,
            ["quick"] = quick,
        };
        if (device == Device.Cpu)
        {
            const int Size = 1024;
            double gflops = context.MeasureSgemmGflops(Size, quick ? 5 : 11);
            root["sgemm_gflops"] = Math.Round(gflops, 2);
            root["sgemm_size"] = Size;
            Console.WriteLine($"SGEMM {Size}^3 (OpenBLAS, {context.Threads} threads): {gflops:F1} GFLOP/s");
        }

        var cases = new JsonArray();
        Case[] models =
        [
            new("c4", ModelZoo.C4([1, 28, 28]), [1, 100, 1000]),
            new("cifar9", ModelZoo.Cifar9([3, 32, 32]), [1, 32, 128]),
        ];
        foreach (var model in models)
        {
            using var network = Network.Build(context, model.Arch.InputShape, model.Arch.Layers, seed: 1);
            string weights = $"{model.Model}.safetensors";
            ModelFile.Save(Path.Combine(outDir, weights), model.Arch, network);
            foreach (int batch in model.Batches)
            {
                cases.Add(RunCase(context, network, model, batch, weights, outDir, quick));
                network.ReleaseBuffers();
            }
        }
        root["cases"] = cases;
        File.WriteAllText(Path.Combine(outDir, "advcore.json"),
                          root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        Console.WriteLine($"wrote {Path.Combine(outDir, "advcore.json")}");
        return 0;
    }

    private static JsonObject RunCase(Context context, Network network, Case model, int batch, string weights, string outDir, bool quick)
    {
        var arch = model.Arch;
        long[] shape = [batch, .. arch.InputShape.Select(d => (long)d)];
        using var x = Tensor.Zeros(context, shape);
        x.FillUniform(0f, 1f, (ulong)batch * 1_000_003UL);
        Ops.Quantize8(x);
        var labelsHost = new int[batch];
        for (int i = 0; i < batch; i++) labelsHost[i] = (i * 7 + 3) % arch.Classes;
        using var labels = Tensor.FromLabels(context, labelsHost);

        var g = network.InputGradient(x, labels, LossKind.CrossEntropy);
        string data = $"{model.Model}_b{batch}.safetensors";
        new SafeTensorWriter()
            .Add("x", x.ToArray(), shape)
            .Add("labels", labelsHost, batch)
            .Add("logits", g.Logits.ToArray(), g.Logits.ShapeArray())
            .Add("grad", g.Gradient.ToArray(), shape)
            .Save(Path.Combine(outDir, data));

        int warmup = quick ? 1 : 5;
        int reps = quick ? 3 : Math.Clamp(2000 / batch, 7, 50);
        double forward = MedianMs(() => network.Forward(x), context, warmup, reps);
        double gradEval = MedianMs(() => network.InputGradient(x, labels, LossKind.CrossEntropy), context, warmup, reps);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{model.Model} b{batch}: forward {forward:F2} ms, grad-eval {gradEval:F2} ms (median of {reps})"));
        return new JsonObject
        {
            ["model"] = model.Model,
            ["batch"] = batch,
            ["weights"] = weights,
            ["data"] = data,
            ["forward_ms"] = Math.Round(forward, 4),
            ["grad_eval_ms"] = Math.Round(gradEval, 4),
            ["reps"] = reps,
        };
    }

    private static double MedianMs(Action action, Context context, int warmup, int reps)
    {
        for (int i = 0; i < warmup; i++) action();
        context.Synchronize();
        var times = new double[reps];
        for (int i = 0; i < reps; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            action();
            context.Synchronize();
            times[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        }
        Array.Sort(times);
        return reps % 2 == 1 ? times[reps / 2] : (times[reps / 2 - 1] + times[reps / 2]) / 2;
    }
}
