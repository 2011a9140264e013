using AdvCore.Attacks;
using AdvCore.Models;
using AdvCore.Nn;
using BenchmarkDotNet.Attributes;

namespace AdvCore.Bench;

/// <summary>
/// One steady-state iteration of BP, DDN and PGD₂ on C4 at batch 1000: exactly what the attacks'
/// loops do per iteration (Methods/BoundaryProjection.cs, Ddn.cs, ProjectedGradient.cs): one
/// <see cref="Network.InputGradient"/> and one fused native step, on tensors preallocated in the
/// setup. The iterates evolve from call to call as in a real run; the per-sample state (stage,
/// radius, best so far) is that of a run in progress, so the steps exercise both branches.
/// <see cref="ValueChecks"/> = true is the data path before attack API v2 (every iteration read
/// the labels and the logits' and input's finiteness back from the device); false is what an
/// attack session does now (inputs validated once per run). <see cref="GradEval"/> is the bare
/// gradient evaluation, for the iteration ÷ grad-eval ratio in the same run.
/// </summary>
public class C4AttackBenchmarks
{
    private const int Batch = 1000;
    private Context _context = null!;
    private Network _network = null!;
    private Tensor _x = null!, _labels = null!, _y = null!, _best = null!, _bestNorm = null!;
    private Tensor _stage = null!, _radius = null!, _eps = null!, _alpha = null!;
    // The registry's defaults (the thesis settings), as the CLI and the tests get them.
    private readonly BoundaryProjectionOptions _bp = (BoundaryProjectionOptions)AttackRegistry.Get("bp").Defaults();
    private readonly DdnOptions _ddn = (DdnOptions)AttackRegistry.Get("ddn").Defaults();

    [ParamsSource(nameof(BackendNames))]
    public string Backend { get; set; } = "cpu";

    public static IEnumerable<string> BackendNames => Backends.Available();

    [Params(true, false)]
    public bool ValueChecks { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _context = Context.Create(Backends.Parse(Backend), seed: 1);
        var arch = ModelZoo.C4([1, 28, 28]);
        _network = Network.Build(_context, arch.InputShape, arch.Layers, seed: 1);
        _x = Tensor.Zeros(_context, [Batch, 1, 28, 28]);
        _x.FillUniform(0f, 1f, 0);
        Ops.Quantize8(_x);
        var labels = new int[Batch];
        for (int i = 0; i < Batch; i++) labels[i] = i % arch.Classes;
        _labels = Tensor.FromLabels(_context, labels);
        _y = Tensor.Zeros(_context, _x.Shape);
        _best = Tensor.Zeros(_context, _x.Shape);
        _bestNorm = Tensor.Zeros(_context, [Batch]);
        _stage = Tensor.Zeros(_context, [Batch], DType.I32);
        _radius = Tensor.Zeros(_context, [Batch]);
        _eps = Tensor.Zeros(_context, [Batch]);
        _alpha = Tensor.Zeros(_context, [Batch]);
        _eps.Fill(2f);
        _alpha.Fill(0.2f);
        _context.ValueChecks = ValueChecks;
        Reset();
        // The first gradient allocates the batch-1000 buffers; the measured calls reuse them.
        _network.InputGradient(_y, _labels, LossKind.CrossEntropy);
        _context.Synchronize();
    }

    // Every run starts from the clean images (each benchmark runs in its own process).
    private void Reset()
    {
        _y.CopyFrom(_x);
        _best.CopyFrom(_x);
        _bestNorm.Fill(float.PositiveInfinity);
        _radius.Fill(_ddn.InitialNorm);
        _stage.CopyFrom(new int[Batch]);
        _context.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { _x, _labels, _y, _best, _bestNorm, _stage, _radius, _eps, _alpha }) t.Dispose();
        _network.Dispose();
        _context.Dispose();
    }

    private AttackOperands Operands(in Nn.GradientResult g) =>
        new() { X = _x, Y = _y, Grad = g.Gradient, Logits = g.Logits, Labels = _labels, BestY = _best, BestNorm = _bestNorm };

    [Benchmark(Baseline = true)]
    public void GradEval()
    {
        _network.InputGradient(_y, _labels, LossKind.CrossEntropy);
        _context.Synchronize();
    }

    [Benchmark]
    public void BpIteration()
    {
        var o = _bp;
        var g = _network.InputGradient(_y, _labels, o.Loss);
        AttackSteps.BpStep(Operands(g), _stage, o.GammaAt(1), o.Alpha, o.BetaMin, AttackSteps.GradSign(o.Loss), o.Rounding);
        _context.Synchronize();
    }

    [Benchmark]
    public void DdnIteration()
    {
        var o = _ddn;
        var g = _network.InputGradient(_y, _labels, o.Loss);
        AttackSteps.DdnStep(Operands(g), _radius, o.StepAt(1), o.Gamma, AttackSteps.GradSign(o.Loss), o.QuantizeEachIteration);
        _context.Synchronize();
    }

    [Benchmark]
    public void Pgd2Iteration()
    {
        var g = _network.InputGradient(_y, _labels, LossKind.CrossEntropy);
        AttackSteps.PgdStep(Operands(g), _eps, _alpha, AttackNorm.L2, AttackSteps.GradSign(LossKind.CrossEntropy), quantize: true);
        _context.Synchronize();
    }
}
