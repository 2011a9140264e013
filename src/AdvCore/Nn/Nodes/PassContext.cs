namespace AdvCore.Nn.Nodes;

/// <summary>What the current pass does; one instance per network, mutated per call (no allocation).</summary>
internal sealed class PassContext
{
    /// <summary>Train mode: batch statistics in batch norm, active dropout.</summary>
    public bool Training;

    /// <summary>Whether the backward pass writes parameter gradients.</summary>
    public bool WeightGrads;

    /// <summary>Next free Philox counter of the network's dropout stream.</summary>
    public ulong RandomOffset;

    /// <summary>Reserves the Philox counters a fill of <paramref name="count"/> elements uses.</summary>
    public ulong TakeRandomOffset(long count)
    {
        ulong offset = RandomOffset;
        RandomOffset = unchecked(RandomOffset + Tensor.PhiloxCounters(count)); // the counter space wraps
        return offset;
    }

    /// <summary>Whether the gradient of <paramref name="parameter"/> must be written now.</summary>
    public bool WantsGrad(NamedParameter? parameter) => WeightGrads && parameter is { Trainable: true };

    /// <summary>The gradient tensor to pass to a backward kernel, or null when not wanted.</summary>
    public Tensor? GradOrNull(NamedParameter? parameter) => WantsGrad(parameter) ? parameter!.Grad : null;
}
