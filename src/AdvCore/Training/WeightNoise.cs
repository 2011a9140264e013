using AdvCore.Nn;

namespace AdvCore.Training;

/// <summary>
/// CNI-W / PNI-W weight-noise injection (seed 003 §4-5; He et al. 2019 with a fixed scale): for
/// one training step every conv and linear weight tensor w becomes w + α·std(w)·N(0, 1) for the
/// forward and backward pass; <see cref="Restore"/> puts the clean weights back before the update,
/// so the optimizer applies ∂L/∂w̃ (= ∂L/∂w for additive noise) to the clean weights.
/// </summary>
internal sealed class WeightNoise : IDisposable
{
    private readonly List<(NamedParameter Parameter, Tensor Clean, Tensor Noise, Tensor Scale)> _weights = [];
    private readonly float _alpha;

    public WeightNoise(Network network, float alpha)
    {
        _alpha = alpha;
        foreach (var p in network.Parameters)
        {
            // Weights only (rank ≥ 2: linear [out, in], conv OIHW); biases and batch-norm stay clean.
            if (!p.Trainable || p.Value.Rank < 2 || !p.Name.EndsWith("weight", StringComparison.Ordinal)) continue;
            _weights.Add((p, Tensor.Zeros(network.Context, p.Value.Shape), Tensor.Zeros(network.Context, p.Value.Shape),
                          Tensor.Zeros(network.Context, [p.Value.Shape[0]])));
        }
    }

    /// <summary>How many weight tensors get noise.</summary>
    public int Count => _weights.Count;

    /// <summary>Perturbs every weight tensor from the Philox stream at <paramref name="counter"/>; returns the next counter.</summary>
    public ulong Apply(ulong counter)
    {
        foreach (var (p, clean, noise, scale) in _weights)
        {
            clean.CopyFrom(p.Value);
            scale.Fill(_alpha * (float)StandardDeviation(p.Value.ToArray()));
            noise.FillNormal(0f, 1f, counter);
            counter += Tensor.PhiloxCounters(noise.Count);
            Ops.BatchAxpy(scale, noise, p.Value); // row o of w += α·std(w)·n_o
        }
        return counter;
    }

    /// <summary>Puts the clean weights back (before the optimizer's update).</summary>
    public void Restore()
    {
        foreach (var (p, clean, _, _) in _weights) p.Value.CopyFrom(clean);
    }

    private static double StandardDeviation(float[] w)
    {
        double mean = 0, square = 0;
        foreach (float v in w) mean += v;
        mean /= w.Length;
        foreach (float v in w) square += (v - mean) * (v - mean);
        return Math.Sqrt(square / w.Length);
    }

    public void Dispose()
    {
        foreach (var (_, clean, noise, scale) in _weights)
        {
            clean.Dispose();
            noise.Dispose();
            scale.Dispose();
        }
    }
}
