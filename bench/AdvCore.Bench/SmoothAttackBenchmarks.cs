using AdvCore.Attacks;
using AdvCore.Data;
using AdvCore.Models;
using AdvCore.Nn;
using AdvCore.Smoothing;
using BenchmarkDotNet.Attributes;

namespace AdvCore.Bench;

/// <summary>
/// One steady-state iteration of C&amp;W, sC&amp;W and qPGD₂ on C4 at batch 1000 on the first 1000
/// MNIST test images (the CG's work depends on the images; random pixels if MNIST is not found):
/// exactly the loops of Methods/CarliniWagner.cs, SmoothCarliniWagner.cs and QuickPgd.cs — C&amp;W:
/// gradient + fused Adam step; sC&amp;W: ŝ(z) (warm CG), clip, gradient, keep best, backward through
/// the clip, ŝᵀ (warm CG), Adam; qPGD₂: gradient, ŝ(g) (warm CG), fused PGD step. The goal:
/// sC&amp;W ≤ 1.5× C&amp;W. Value checks are off, as in an attack session.
/// </summary>
public class SmoothAttackBenchmarks
{
    private const int Batch = 1000;
    private Context _context = null!;
    private Network _network = null!;
    private GraphSmoother _smoother = null!;
    private Tensor _x = null!, _labels = null!, _y = null!, _best = null!, _bestNorm = null!, _constant = null!, _two = null!;
    private Tensor _w = null!, _m = null!, _v = null!, _found = null!, _z = null!, _r = null!, _u = null!, _gr = null!, _gz = null!;
    private Tensor _smoothed = null!, _eps = null!, _alpha = null!;
    private readonly SmoothCarliniWagnerOptions _scw = (SmoothCarliniWagnerOptions)AttackRegistry.Get("scw").Thesis("mnist", null);
    private long _step;

    [ParamsSource(nameof(BackendNames))]
    public string Backend { get; set; } = "cpu";

    public static IEnumerable<string> BackendNames => Backends.Available();

    [GlobalSetup]
    public void Setup()
    {
        _context = Context.Create(Backends.Parse(Backend), seed: 1);
        _context.ValueChecks = false;
        var arch = ModelZoo.C4([1, 28, 28]);
        _network = Network.Build(_context, arch.InputShape, arch.Layers, seed: 1);
        var (pixels, labels) = Images();
        _x = Tensor.FromArray(_context, pixels, Batch, 1, 28, 28);
        _labels = Tensor.FromLabels(_context, labels);
        Tensor Like() => Tensor.Zeros(_context, _x.Shape);
        Tensor Scalars(float value)
        {
            var t = Tensor.Zeros(_context, [Batch]);
            t.Fill(value);
            return t;
        }
        (_y, _best, _w, _m, _v, _z, _r, _u, _gr, _gz, _smoothed) = (Like(), Like(), Like(), Like(), Like(), Like(), Like(), Like(), Like(), Like(), Like());
        _bestNorm = Scalars(float.PositiveInfinity);
        _constant = Scalars(_scw.InitialConstant);
        _two = Scalars(2f);
        _eps = Scalars(2f);
        _alpha = Scalars(1f);
        _found = Tensor.Zeros(_context, [Batch], DType.I32);
        _smoother = GraphSmoother.Build(_x, _scw.Smoothing());
        AttackSteps.CwInit(_x, _w, _y);
        _z.FillNormal(0f, 0.05f, 3);
        // Warm up: allocate the batch buffers and bring the warm-started CGs to their steady state.
        for (int i = 0; i < 3; i++) ScwIteration();
        _y.CopyFrom(_x);
        _network.InputGradient(_y, _labels, LossKind.CrossEntropy);
        QpgdIteration();
        _context.Synchronize();
    }

    private static (float[] Pixels, int[] Labels) Images()
    {
        try
        {
            var test = DatasetCatalog.Load("mnist", DatasetSplit.Test).Take(0, Batch);
            return (test.Pixels.ToArray(), test.Labels.ToArray());
        }
        catch (DatasetNotFoundException)
        {
            var random = new Random(1);
            return (Enumerable.Range(0, Batch * 784).Select(_ => (float)random.NextDouble()).ToArray(), Enumerable.Range(0, Batch).Select(i => i % 10).ToArray());
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _smoother.Dispose();
        foreach (var t in new[] { _x, _labels, _y, _best, _bestNorm, _constant, _two, _w, _m, _v, _found, _z, _r, _u, _gr, _gz, _smoothed, _eps, _alpha })
            t.Dispose();
        _network.Dispose();
        _context.Dispose();
    }

    [Benchmark(Baseline = true)]
    public void CwIteration()
    {
        var o = _scw;
        var g = _network.InputGradient(_y, _labels, LossKind.CwMargin, o.Margin);
        var ops = new AttackOperands { X = _x, Y = _y, Grad = g.Gradient, Logits = g.Logits, Labels = _labels, BestY = _best, BestNorm = _bestNorm };
        AttackSteps.CwStep(ops, _w, _constant, _m, _v, _found, o.LearningRate, o.Beta1, o.Beta2, o.AdamEpsilon, ++_step);
        _context.Synchronize();
    }

    [Benchmark]
    public void ScwIteration()
    {
        var o = _scw;
        SmoothCarliniWagner.Perturb(_x, _smoother, _z, _r, _u, _y, warm: true);
        var g = _network.InputGradient(_y, _labels, LossKind.CwMargin, o.Margin);
        AttackSteps.KeepBest(new AttackOperands { X = _x, Y = _y, Logits = g.Logits, Labels = _labels, BestY = _best, BestNorm = _bestNorm }, null);
        SmoothCarliniWagner.LatentGradient(_smoother, _u, _r, g.Gradient, _constant, _two, _gr, _gz, warm: true);
        Ops.AdamUpdate(_z, _gz, _m, _v, o.LearningRate, o.Beta1, o.Beta2, o.AdamEpsilon, 0f, ++_step);
        _context.Synchronize();
    }

    [Benchmark]
    public void QpgdIteration()
    {
        var g = _network.InputGradient(_y, _labels, LossKind.CrossEntropy);
        _smoother.Smooth(g.Gradient, _smoothed, warmStart: true);
        var ops = new AttackOperands { X = _x, Y = _y, Grad = _smoothed, Logits = g.Logits, Labels = _labels, BestY = _best, BestNorm = _bestNorm };
        AttackSteps.PgdStep(ops, _eps, _alpha, AttackNorm.L2, AttackSteps.GradSign(LossKind.CrossEntropy), quantize: true);
        _context.Synchronize();
    }
}
