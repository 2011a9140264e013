using AdvCore.Models;
using AdvCore.Nn;
using AdvCore.Training;
using BenchmarkDotNet.Attributes;

namespace AdvCore.Bench;

/// <summary>
/// Forward, gradient evaluation (∂CE/∂x, no weight gradients) and one Adam training step of a
/// zoo network at a batch size. Everything (context, network, inputs, labels, optimizer state and
/// the network's per-batch buffers) is created in the setup, so the measured calls are steady state.
/// </summary>
public abstract class NetworkBenchmarks
{
    private Context _context = null!;
    private Network _network = null!;
    private Tensor _x = null!;
    private Tensor _labels = null!;
    private Adam _adam = null!;

    [ParamsSource(nameof(BackendNames))]
    public string Backend { get; set; } = "cpu";

    public static IEnumerable<string> BackendNames => Backends.Available();

    public abstract int Batch { get; set; }

    protected abstract ModelArchitecture Architecture { get; }

    [GlobalSetup]
    public void Setup()
    {
        _context = Context.Create(Backends.Parse(Backend), seed: 1);
        var arch = Architecture;
        _network = Network.Build(_context, arch.InputShape, arch.Layers, seed: 1);
        _x = Tensor.Zeros(_context, [Batch, .. arch.InputShape.Select(d => (long)d)]);
        _x.FillUniform(0f, 1f, 0);
        var labels = new int[Batch];
        for (int i = 0; i < Batch; i++) labels[i] = i % arch.Classes;
        _labels = Tensor.FromLabels(_context, labels);
        _adam = new Adam(1e-4f);
        // First calls allocate the batch's buffers and Adam's moments; the measured calls reuse them.
        _network.Forward(_x);
        _network.InputGradient(_x, _labels, LossKind.CrossEntropy);
        _network.TrainStep(_x, _labels, _adam);
        _context.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _adam.Dispose();
        _labels.Dispose();
        _x.Dispose();
        _network.Dispose();
        _context.Dispose();
    }

    [Benchmark]
    public Tensor Forward()
    {
        var logits = _network.Forward(_x);
        _context.Synchronize();
        return logits;
    }

    [Benchmark]
    public Tensor GradEval()
    {
        var g = _network.InputGradient(_x, _labels, LossKind.CrossEntropy);
        _context.Synchronize();
        return g.Gradient;
    }

    [Benchmark]
    public double TrainStep()
    {
        var r = _network.TrainStep(_x, _labels, _adam);
        _context.Synchronize();
        return r.MeanLoss;
    }
}

/// <summary>C4 on 1×28×28 (MNIST).</summary>
public class C4Benchmarks : NetworkBenchmarks
{
    [Params(1, 100, 1000)]
    public override int Batch { get; set; }

    protected override ModelArchitecture Architecture => ModelZoo.C4([1, 28, 28]);
}

/// <summary>CIFAR9 on 3×32×32 (CIFAR-10).</summary>
public class Cifar9Benchmarks : NetworkBenchmarks
{
    [Params(1, 32, 128)]
    public override int Batch { get; set; }

    protected override ModelArchitecture Architecture => ModelZoo.Cifar9([3, 32, 32]);
}
