using System.Diagnostics;
using System.Globalization;
using AdvCore.Models;
using AdvCore.Nn;

namespace AdvCore.Bench;

/// <summary>
/// <c>AdvCore.Bench loop MODEL BATCH forward|grad|train ITERATIONS</c>: runs one pass in a loop
/// and prints each call's time — a target for a profiler (perf record -g -- dotnet ...).
/// </summary>
public static class LoopMode
{
    public static int Run(string[] args)
    {
        if (args.Length != 4)
        {
            Console.Error.WriteLine("usage: AdvCore.Bench loop c4|cifar9 BATCH forward|grad|train ITERATIONS");
            return 2;
        }
        var inv = CultureInfo.InvariantCulture;
        var arch = args[0] == "c4" ? ModelZoo.C4([1, 28, 28]) : ModelZoo.Cifar9([3, 32, 32]);
        int batch = int.Parse(args[1], inv), iterations = int.Parse(args[3], inv);
        using var context = Context.Create(Device.Cpu, seed: 1);
        using var network = Network.Build(context, arch.InputShape, arch.Layers, seed: 1);
        using var x = Tensor.Zeros(context, [batch, .. arch.InputShape.Select(d => (long)d)]);
        x.FillUniform(0f, 1f, 0);
        using var labels = Tensor.FromLabels(context, Enumerable.Range(0, batch).Select(i => i % arch.Classes).ToArray());
        using var adam = new Training.Adam(1e-4f);
        Action pass = args[2] switch
        {
            "forward" => () => network.Forward(x),
            "grad" => () => network.InputGradient(x, labels, LossKind.CrossEntropy),
            _ => () => network.TrainStep(x, labels, adam),
        };
        pass();
        for (int i = 0; i < iterations; i++)
        {
            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            long t0 = Stopwatch.GetTimestamp();
            pass();
            double wall = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMilliseconds;
            // CPU time over all threads: on a shared, loaded machine wall time overstates the cost.
            Console.WriteLine(string.Create(inv, $"{args[0]} b{batch} {args[2]}: {wall:F2} ms wall, {cpu:F0} ms CPU"));
        }
        return 0;
    }
}
