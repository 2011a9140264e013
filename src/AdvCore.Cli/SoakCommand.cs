using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using AdvCore.Attacks;
using AdvCore.Nn;

namespace AdvCore.Cli;

/// <summary>
/// <c>advcore soak</c>: a leak check in one process (issue 17): N tensor create/dispose cycles,
/// then M attack batches on a small network and synthetic images, printing the resident memory,
/// the managed heap and the live native handles and tensor bytes at ten points of each phase.
/// Flat curves and handles back at their start mean nothing leaks. A diagnostic, not a unit test.
/// </summary>
internal static class SoakCommand
{
    public static Command Create()
    {
        var tensors = new Option<int>("--tensors") { Description = "Tensor create/dispose cycles", DefaultValueFactory = _ => 1_000_000 };
        var batches = new Option<int>("--batches") { Description = "Attack batches", DefaultValueFactory = _ => 10_000 };
        var batch = new Option<int>("--batch") { Description = "Images per attack batch", DefaultValueFactory = _ => 8 };
        var attack = new Option<string>("--attack") { Description = "Attack run on every batch", DefaultValueFactory = _ => "fgsm" };
        var threads = CommonOptions.Threads();
        var command = new Command("soak", "Leak check: tensor create/dispose cycles and attack batches in one process, with memory and handle counts");
        foreach (var o in new Option[] { tensors, batches, batch, attack, threads }) command.Options.Add(o);
        command.SetAction(parse =>
        {
            int cycles = parse.GetValue(tensors), attackBatches = parse.GetValue(batches), size = parse.GetValue(batch);
            CommonOptions.Check(cycles >= 0 && attackBatches >= 0, "--tensors and --batches must be >= 0");
            CommonOptions.Check(size >= 1, $"--batch must be >= 1 (got {size})");
            var instance = AttackSetup.Build(parse.GetValue(attack)!, "mnist", null, quantize: true, new Dictionary<string, string>());
            using var context = CommonOptions.CreateContext("cpu", parse.GetValue(threads), seed: 1);
            var clock = Stopwatch.StartNew();
            Console.WriteLine("phase      step        RSS MiB   managed MiB   live contexts   live tensors   tensor KiB   seconds");
            Sample("start", 0, clock);

            long[] shape = [16, 1, 28, 28];
            for (int i = 1; i <= cycles; i++)
            {
                using (Tensor.Zeros(context, shape)) { }
                if (i % Math.Max(1, cycles / 10) == 0) Sample("tensors", i, clock);
            }

            using var network = Network.Build(context, [1, 28, 28],
                [new Conv2dLayer(8, 5, 2, Padding.Same), ActivationLayer.LeakyReLU(0.1f), new LinearLayer(10)], seed: 2);
            var classifier = new NetworkClassifier(network);
            var random = new Random(3);
            var pixels = new float[size * 784];
            for (int b = 1; b <= attackBatches; b++)
            {
                for (int j = 0; j < pixels.Length; j++) pixels[j] = (float)random.NextDouble();
                using var x = Tensor.FromArray(context, pixels, [size, 1, 28, 28]);
                var criterion = Criterion.Misclassification(network.Predict(x));
                using (instance.Run(classifier, x, criterion)) { }
                if (b % Math.Max(1, attackBatches / 10) == 0) Sample("attacks", b, clock);
            }
            return 0;
        });
        return command;
    }

    private static void Sample(string phase, int step, Stopwatch clock)
    {
        long managed = GC.GetTotalMemory(forceFullCollection: true);
        using var process = Process.GetCurrentProcess();
        var live = LiveHandles.Now();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{phase,-8} {step,10} {process.WorkingSet64 / 1048576.0,12:F1} {managed / 1048576.0,13:F1} {live.Contexts,15} {live.Tensors,14} {live.TensorBytes / 1024.0,12:F1} {clock.Elapsed.TotalSeconds,9:F1}"));
    }
}
