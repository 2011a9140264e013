namespace AdvCore.Tests.Engine;

/// <summary>The same tensor on the fast and on the reference-kernel context.</summary>
internal readonly record struct Pair(Tensor Fast, Tensor Ref);

/// <summary>
/// A fast CPU context and a reference-kernel CPU context with the same seed, plus helpers that
/// create the same tensor on both and compare results. Disposes every tensor it created.
/// </summary>
internal sealed class DualContext : IDisposable
{
    private readonly List<Tensor> _owned = [];

    public DualContext(ulong seed = 1234)
    {
        Fast = Context.Create(Device.Cpu, threads: 0, seed: seed);
        Reference = Context.Create(Device.Cpu, threads: 1, seed: seed, referenceKernels: true);
    }

    public Context Fast { get; }
    public Context Reference { get; }

    public Pair Input(float[] data, params long[] shape) =>
        new(Own(Tensor.FromArray(Fast, data, shape)), Own(Tensor.FromArray(Reference, data, shape)));

    public Pair Input(int[] data, params long[] shape) =>
        new(Own(Tensor.FromArray(Fast, data, shape)), Own(Tensor.FromArray(Reference, data, shape)));

    public Pair Random(int seed, params long[] shape) => Input(TestData.Uniform(seed, TestData.Product(shape)), shape);

    public Pair Labels(int[] labels) =>
        new(Own(Tensor.FromLabels(Fast, labels)), Own(Tensor.FromLabels(Reference, labels)));

    public Pair Zeros(params long[] shape) => new(Own(Tensor.Zeros(Fast, shape)), Own(Tensor.Zeros(Reference, shape)));

    public Pair Zeros(DType dtype, params long[] shape) =>
        new(Own(Tensor.Zeros(Fast, shape, dtype)), Own(Tensor.Zeros(Reference, shape, dtype)));

    public Tensor Own(Tensor t)
    {
        _owned.Add(t);
        return t;
    }

    /// <summary>|fast − ref| ≤ rel·(1 + max|ref|) element-wise.</summary>
    public static void AssertScaled(Pair pair, double rel, string what) =>
        Close.AssertScaled(pair.Ref.ToArray(), pair.Fast.ToArray(), rel, what);

    public static void AssertClose(Pair pair, double atol, double rtol, string what) =>
        Close.Assert(pair.Ref.ToArray(), pair.Fast.ToArray(), atol, rtol, what);

    public void Dispose()
    {
        foreach (var t in _owned) t.Dispose();
        Fast.Dispose();
        Reference.Dispose();
    }
}
