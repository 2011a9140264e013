using AdvCore.Data;
using AdvCore.Smoothing;
using BenchmarkDotNet.Attributes;

namespace AdvCore.Bench;

/// <summary>
/// The batched conjugate gradient of the graph-Laplacian smoothing (AdvCore.Smoothing) on the
/// first 1000 MNIST test images, one system per image (1 channel), α = 0.95, 4 neighbours,
/// exactly 50 iterations per system (tolerance 0), on two CPU threads (and CUDA where a GPU
/// answers). Reported per image (OperationsPerInvoke = the batch). The right-hand side is
/// N(0, 1) noise, like a gradient; the graph and every buffer are built in the setup, so the
/// measured call is the steady state of an attack iteration. Needs MNIST (ADVCORE_DATA).
/// The scipy comparison of the same solves is bench/peers/cg_scipy.py.
/// </summary>
public class CgBenchmarks
{
    public const int Images = 1000;

    private Context _context = null!;
    private GraphSmoother _smoother = null!;
    private Tensor _x = null!;
    private Tensor _b = null!;
    private Tensor _solution = null!;

    [ParamsSource(nameof(BackendNames))]
    public string Backend { get; set; } = "cpu";

    public static IEnumerable<string> BackendNames => Backends.Available();

    [GlobalSetup]
    public void Setup()
    {
        _context = Context.Create(Backends.Parse(Backend), threads: 2, seed: 1);
        var mnist = DatasetCatalog.Load("mnist", DatasetSplit.Test, allowDownload: false).Take(0, Images);
        _x = Tensor.FromSpan(_context, mnist.Pixels.Span, [Images, 1, 28, 28]);
        _smoother = GraphSmoother.Build(_x, new GraphSmoothingOptions { Alpha = 0.95f, Tolerance = 0f, MaxIterations = 50 });
        _b = Tensor.Zeros(_context, [Images, 1, 28, 28]);
        _b.FillNormal(0f, 1f, 17);
        _solution = Tensor.Zeros(_context, [Images, 1, 28, 28]);
        _smoother.Solve(_b, _solution);
        if (_smoother.LastReport().Iterations.Any(i => i != 50))
            throw new InvalidOperationException("the benchmark expects exactly 50 CG iterations per system");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _solution.Dispose();
        _b.Dispose();
        _smoother.Dispose();
        _x.Dispose();
        _context.Dispose();
    }

    /// <summary>x = L_α⁻¹ b for the 1000 images, 50 CG iterations each.</summary>
    [Benchmark(OperationsPerInvoke = Images)]
    public void Solve50()
    {
        _smoother.Solve(_b, _solution);
        _context.Synchronize();
    }

    /// <summary>ŝ_αᵀ(b) (the sC&amp;W backward step): the same solve with b ⊘ s(1) read on the fly.</summary>
    [Benchmark(OperationsPerInvoke = Images)]
    public void SmoothAdjoint50()
    {
        _smoother.SmoothAdjoint(_b, _solution);
        _context.Synchronize();
    }
}
