namespace AdvCore.Training;

/// <summary>
/// SGD with momentum in PyTorch's form: v = μ·v + (g + λ·w); w −= lr·(nesterov ? g' + μ·v : v).
/// </summary>
public sealed class SgdMomentum : Optimizer
{
    /// <summary>Creates SGD with momentum.</summary>
    public SgdMomentum(float lr, float momentum = 0.9f, float weightDecay = 0, bool nesterov = false)
        : base(lr, weightDecay)
    {
        if (!(momentum >= 0) || !float.IsFinite(momentum)) throw new InvalidArgumentException($"momentum must be >= 0 (got {momentum})");
        Momentum = momentum;
        Nesterov = nesterov;
    }

    /// <summary>Momentum factor μ.</summary>
    public float Momentum { get; }

    /// <summary>Whether the Nesterov form is used.</summary>
    public bool Nesterov { get; }

    /// <inheritdoc />
    protected override int StateTensorsPerParameter => 1;

    /// <inheritdoc />
    protected override void Update(Tensor value, Tensor grad, Tensor[] state, long step) =>
        Ops.SgdUpdate(value, grad, state[0], LearningRate, Momentum, WeightDecay, Nesterov);
}
