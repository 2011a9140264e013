namespace AdvCore.Nn.Nodes;

internal sealed class ActivationNode : Node
{
    private readonly ActivationKind _kind;
    private readonly float _param;

    public ActivationNode(ActivationLayer spec, string prefix, long[] inShape) : base(prefix, inShape, inShape)
    {
        if (!Enum.IsDefined(spec.Kind)) throw new InvalidArgumentException($"unknown activation {spec.Kind}");
        if (!float.IsFinite(spec.Param)) throw new InvalidArgumentException("the activation parameter must be finite");
        if (spec.Kind == ActivationKind.BoundedReLU && !(spec.Param > 0))
            throw new InvalidArgumentException($"bounded ReLU needs t > 0 (got {spec.Param})");
        _kind = spec.Kind;
        _param = spec.Param;
    }

    public override NodeState CreateState(Context context, long n) => StandardState(context, n);

    public override Tensor Forward(NodeState state, Tensor x, PassContext pass)
    {
        Ops.ActivationForward(_kind, _param, x, state.Output!);
        return state.Output!;
    }

    public override Tensor? Backward(NodeState state, Tensor x, Tensor dy, bool needInputGrad, PassContext pass)
    {
        if (!needInputGrad) return null;
        Ops.ActivationBackward(_kind, _param, x, dy, state.InputGrad!);
        return state.InputGrad;
    }
}
