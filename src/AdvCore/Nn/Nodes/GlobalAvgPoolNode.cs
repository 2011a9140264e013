namespace AdvCore.Nn.Nodes;

internal sealed class GlobalAvgPoolNode : Node
{
    private GlobalAvgPoolNode(string prefix, long[] inShape) : base(prefix, inShape, [inShape[0]]) { }

    public static GlobalAvgPoolNode Create(string prefix, long[] inShape)
    {
        if (inShape.Length != 3)
            throw new ShapeMismatchException($"global average pooling needs a [C,H,W] input, got [{Tensor.ShapeString(inShape)}]");
        return new GlobalAvgPoolNode(prefix, inShape);
    }

    public override NodeState CreateState(Context context, long n) => StandardState(context, n);

    public override Tensor Forward(NodeState state, Tensor x, PassContext pass)
    {
        Ops.GlobalAvgPoolForward(x, state.Output!);
        return state.Output!;
    }

    public override Tensor? Backward(NodeState state, Tensor x, Tensor dy, bool needInputGrad, PassContext pass)
    {
        if (!needInputGrad) return null;
        Ops.GlobalAvgPoolBackward(dy, state.InputGrad!);
        return state.InputGrad;
    }
}
