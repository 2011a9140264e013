namespace AdvCore.Nn.Nodes;

/// <summary>
/// [C,H,W] → [C·H·W]. Copies rather than viewing: a view of the caller's input would be a new
/// native object per call, and the copy costs little next to the layers around it.
/// </summary>
internal sealed class FlattenNode : Node
{
    public FlattenNode(string prefix, long[] inShape) : base(prefix, inShape, [Product(inShape)]) { }

    private static long Product(long[] shape)
    {
        long p = 1;
        foreach (long d in shape) p *= d;
        return p;
    }

    private bool IsIdentity => InShape.Length == 1;

    public override NodeState CreateState(Context context, long n) => IsIdentity ? new NodeState() : StandardState(context, n);

    public override Tensor Forward(NodeState state, Tensor x, PassContext pass)
    {
        if (IsIdentity) return x;
        state.Output!.CopyFrom(x);
        return state.Output;
    }

    public override Tensor? Backward(NodeState state, Tensor x, Tensor dy, bool needInputGrad, PassContext pass)
    {
        if (!needInputGrad) return null;
        if (IsIdentity) return dy;
        state.InputGrad!.CopyFrom(dy);
        return state.InputGrad;
    }
}
