using AdvCore.Models;
using AdvCore.Nn;

namespace AdvCore.Bench;

/// <summary>
/// <c>AdvCore.Bench check [--repeat R]</c>: C4 and CIFAR9 input gradients of the fast kernels
/// against the plain reference kernels (same weights, same inputs), at the peer batch sizes,
/// repeated R times: a smoke test for chunking and threading bugs that only some batch sizes hit.
/// </summary>
public static class CheckMode
{
    public static int Run(string[] args)
    {
        int repeat = args.Length >= 2 && args[0] == "--repeat" ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 2;
        using var fast = Context.Create(Device.Cpu, seed: 1);
        using var reference = Context.Create(Device.Cpu, threads: 1, seed: 1, referenceKernels: true);
        int failures = 0;
        foreach (var (arch, batches) in new[] { (ModelZoo.C4([1, 28, 28]), new[] { 1, 17, 100 }), (ModelZoo.Cifar9([3, 32, 32]), new[] { 1, 5, 32 }) })
        {
            using var nf = Network.Build(fast, arch.InputShape, arch.Layers, seed: 1);
            using var nr = Network.Build(reference, arch.InputShape, arch.Layers, seed: 1);
            foreach (int batch in batches)
            {
                long[] shape = [batch, .. arch.InputShape.Select(d => (long)d)];
                using var xr = Tensor.Zeros(reference, shape);
                xr.FillUniform(0f, 1f, 7);
                using var xf = Tensor.FromSpan(fast, xr.ToArray(), shape);
                var labels = Enumerable.Range(0, batch).Select(i => i % arch.Classes).ToArray();
                using var lf = Tensor.FromLabels(fast, labels);
                using var lr = Tensor.FromLabels(reference, labels);
                float[] want = nr.InputGradient(xr, lr, LossKind.CrossEntropy).Gradient.ToArray();
                float scale = want.Max(MathF.Abs);
                for (int r = 0; r < repeat; r++)
                {
                    float[] got = nf.InputGradient(xf, lf, LossKind.CrossEntropy).Gradient.ToArray();
                    float worst = 0;
                    int at = -1;
                    for (int i = 0; i < got.Length; i++)
                    {
                        float e = MathF.Abs(got[i] - want[i]);
                        if (e > worst) { worst = e; at = i; }
                    }
                    bool ok = worst <= 1e-4f * scale;
                    failures += ok ? 0 : 1;
                    Console.WriteLine($"{arch.Name} b{batch} try {r}: max rel err {worst / scale:E2}{(ok ? "" : $"  MISMATCH at sample {at / (got.Length / batch)}")}");
                }
            }
        }
        return failures == 0 ? 0 : 1;
    }
}
