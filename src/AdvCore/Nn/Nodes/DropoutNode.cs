namespace AdvCore.Nn.Nodes;

/// <summary>Inverted dropout in train mode (Philox counters advance every call), the identity in eval mode.</summary>
internal sealed class DropoutNode : Node
{
    private readonly float _p;

    public DropoutNode(DropoutLayer spec, string prefix, long[] inShape) : base(prefix, inShape, inShape)
    {
        if (!(spec.P >= 0 && spec.P < 1)) throw new InvalidArgumentException($"dropout p must be in [0, 1) (got {spec.P})");
        _p = spec.P;
    }

    public override NodeState CreateState(Context context, long n)
    {
        if (_p == 0) return new NodeState();
        var state = StandardState(context, n);
        try
        {
            state.Aux1 = Tensor.Zeros(context, Batched(n, InShape)); // mask
            return state;
        }
        catch
        {
            state.Dispose();
            throw;
        }
    }

    private bool Active(PassContext pass) => pass.Training && _p > 0;

    public override Tensor Forward(NodeState state, Tensor x, PassContext pass)
    {
        if (!Active(pass)) return x;
        Ops.DropoutForward(x, state.Aux1!, state.Output!, _p, pass.TakeRandomOffset(x.Count));
        return state.Output!;
    }

    public override Tensor? Backward(NodeState state, Tensor x, Tensor dy, bool needInputGrad, PassContext pass)
    {
        if (!needInputGrad) return null;
        if (!Active(pass)) return dy;
        Ops.DropoutBackward(state.Aux1!, dy, state.InputGrad!);
        return state.InputGrad;
    }
}
