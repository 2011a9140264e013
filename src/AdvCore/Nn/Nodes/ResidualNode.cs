namespace AdvCore.Nn.Nodes;

/// <summary>y = x + body(x); the gradient reaches x both directly and through the body.</summary>
internal sealed class ResidualNode : Node
{
    private readonly Node[] _body;

    private ResidualNode(string prefix, long[] shape, Node[] body) : base(prefix, shape, shape) => _body = body;

    public static ResidualNode Create(ResidualLayer spec, string prefix, long[] inShape, Context context,
                                      ParameterInitializer init, string path)
    {
        if (spec.Body is null || spec.Body.Count == 0) throw new InvalidArgumentException("a residual block needs at least one body layer");
        var body = NodeFactory.CreateChain(spec.Body, prefix + "body.", inShape, context, init, path + ".body");
        long[] bodyOut = body[^1].OutShape;
        if (!bodyOut.AsSpan().SequenceEqual(inShape))
        {
            foreach (var node in body) node.Dispose();
            throw new ShapeMismatchException(
                $"the residual body maps [{Tensor.ShapeString(inShape)}] to [{Tensor.ShapeString(bodyOut)}]; x + body(x) needs equal shapes");
        }
        return new ResidualNode(prefix, inShape, body);
    }

    public override long Macs
    {
        get
        {
            long macs = 0;
            foreach (var node in _body) macs += node.Macs;
            return macs;
        }
    }

    public override void Collect(List<NamedParameter> parameters, List<NamedParameter> buffers)
    {
        foreach (var node in _body) node.Collect(parameters, buffers);
    }

    public override NodeState CreateState(Context context, long n)
    {
        var state = StandardState(context, n);
        try
        {
            state.Children = NodeChain.CreateStates(_body, context, n);
            return state;
        }
        catch
        {
            state.Dispose();
            throw;
        }
    }

    public override Tensor Forward(NodeState state, Tensor x, PassContext pass)
    {
        Tensor bodyOut = NodeChain.Forward(_body, state.Children!, x, pass);
        Ops.Add(x, bodyOut, state.Output!);
        return state.Output!;
    }

    public override Tensor? Backward(NodeState state, Tensor x, Tensor dy, bool needInputGrad, PassContext pass)
    {
        Tensor? bodyGrad = NodeChain.Backward(_body, state.Children!, x, dy, needInputGrad, pass);
        if (!needInputGrad) return null;
        Ops.Add(dy, bodyGrad!, state.InputGrad!);
        return state.InputGrad;
    }

    public override void Dispose()
    {
        foreach (var node in _body) node.Dispose();
    }
}
