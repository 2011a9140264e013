namespace AdvCore.Nn.Nodes;

/// <summary>
/// Draws initial weights from a private CPU reference context keyed by the network seed, each
/// parameter at its own Philox offset, so the same seed gives bit-identical weights on every
/// device and for every context seed.
/// </summary>
internal sealed class ParameterInitializer : IDisposable
{
    private readonly Context _random;
    private ulong _offset;

    public ParameterInitializer(ulong seed) =>
        _random = Context.Create(Device.Cpu, threads: 1, seed: seed, referenceKernels: true);

    /// <summary>He-normal: N(0, 2 / fanIn).</summary>
    public void HeNormal(Tensor target, long fanIn)
    {
        using var draw = Tensor.Zeros(_random, target.Shape);
        draw.FillNormal(0f, (float)Math.Sqrt(2.0 / fanIn), _offset);
        _offset += Tensor.PhiloxCounters(draw.Count);
        target.CopyFrom(draw.ToArray());
    }

    public void Dispose() => _random.Dispose();
}
