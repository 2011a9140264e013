namespace AdvCore.Nn.Nodes;

/// <summary>Max or average pooling over a square window.</summary>
internal sealed class PoolNode : Node
{
    private readonly bool _max;
    private readonly PoolParams _params;

    private PoolNode(string prefix, long[] inShape, long[] outShape, bool max, PoolParams p) : base(prefix, inShape, outShape)
    {
        _max = max;
        _params = p;
    }

    public static PoolNode Create(bool max, int kernel, int stride, int padding, string prefix, long[] inShape)
    {
        if (kernel < 1 || stride < 0) throw new InvalidArgumentException("kernel must be >= 1 and stride >= 0 (0 = kernel)");
        if (padding < 0 || 2 * padding > kernel) throw new InvalidArgumentException($"padding must be in [0, kernel/2] (got {padding})");
        if (inShape.Length != 3)
            throw new ShapeMismatchException($"pooling needs a [C,H,W] input, got [{Tensor.ShapeString(inShape)}]");
        var p = PoolParams.Square(kernel, stride, padding);
        if (inShape[1] + 2 * padding < kernel || inShape[2] + 2 * padding < kernel)
            throw new ShapeMismatchException($"pooling window {kernel}x{kernel} is larger than the input {inShape[1]}x{inShape[2]}");
        long[] outShape = [inShape[0], p.OutputHeight(inShape[1]), p.OutputWidth(inShape[2])];
        return new PoolNode(prefix, inShape, outShape, max, p);
    }

    public override NodeState CreateState(Context context, long n) => StandardState(context, n);

    public override Tensor Forward(NodeState state, Tensor x, PassContext pass)
    {
        if (_max) Ops.MaxPoolForward(x, state.Output!, _params);
        else Ops.AvgPoolForward(x, state.Output!, _params);
        return state.Output!;
    }

    public override Tensor? Backward(NodeState state, Tensor x, Tensor dy, bool needInputGrad, PassContext pass)
    {
        if (!needInputGrad) return null;
        if (_max) Ops.MaxPoolBackward(x, dy, state.InputGrad!, _params);
        else Ops.AvgPoolBackward(dy, state.InputGrad!, _params);
        return state.InputGrad;
    }
}
