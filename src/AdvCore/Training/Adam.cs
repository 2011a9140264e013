namespace AdvCore.Training;

/// <summary>Adam (Kingma &amp; Ba) with bias correction; weight decay is L2 added to the gradient (not AdamW).</summary>
public sealed class Adam : Optimizer
{
    /// <summary>Creates Adam; PyTorch's defaults.</summary>
    public Adam(float lr, float beta1 = 0.9f, float beta2 = 0.999f, float eps = 1e-8f, float weightDecay = 0)
        : base(lr, weightDecay)
    {
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1))
            throw new InvalidArgumentException($"Adam betas must be in [0, 1) (got {beta1}, {beta2})");
        if (!(eps > 0)) throw new InvalidArgumentException($"Adam eps must be > 0 (got {eps})");
        Beta1 = beta1;
        Beta2 = beta2;
        Eps = eps;
    }

    /// <summary>Decay of the first moment.</summary>
    public float Beta1 { get; }

    /// <summary>Decay of the second moment.</summary>
    public float Beta2 { get; }

    /// <summary>Denominator guard.</summary>
    public float Eps { get; }

    /// <inheritdoc />
    protected override int StateTensorsPerParameter => 2;

    /// <inheritdoc />
    protected override void Update(Tensor value, Tensor grad, Tensor[] state, long step) =>
        Ops.AdamUpdate(value, grad, state[0], state[1], LearningRate, Beta1, Beta2, Eps, WeightDecay, step);
}
