namespace AdvCore.Nn.Nodes;

internal sealed class LinearNode : Node
{
    private readonly NamedParameter _weight;
    private readonly NamedParameter? _bias;

    private LinearNode(string prefix, long[] inShape, long[] outShape, NamedParameter weight, NamedParameter? bias)
        : base(prefix, inShape, outShape)
    {
        _weight = weight;
        _bias = bias;
    }

    public static LinearNode Create(LinearLayer spec, string prefix, long[] inShape, Context context, ParameterInitializer init)
    {
        if (spec.OutFeatures < 1) throw new InvalidArgumentException("out features must be >= 1");
        long inFeatures = 1;
        foreach (long d in inShape) inFeatures *= d;
        NamedParameter? weight = null, bias = null;
        try
        {
            weight = ParameterSet.Trainable(context, prefix + "weight", spec.OutFeatures, inFeatures);
            init.HeNormal(weight.Value, inFeatures);
            if (spec.Bias) bias = ParameterSet.Trainable(context, prefix + "bias", spec.OutFeatures);
            return new LinearNode(prefix, inShape, [spec.OutFeatures], weight, bias);
        }
        catch
        {
            ParameterSet.Dispose(weight);
            ParameterSet.Dispose(bias);
            throw;
        }
    }

    public override long Macs => _weight.Value.Count;

    public override void Collect(List<NamedParameter> parameters, List<NamedParameter> buffers)
    {
        parameters.Add(_weight);
        if (_bias is not null) parameters.Add(_bias);
    }

    public override NodeState CreateState(Context context, long n) => StandardState(context, n);

    public override Tensor Forward(NodeState state, Tensor x, PassContext pass)
    {
        Ops.LinearForward(x, _weight.Value, _bias?.Value, state.Output!);
        return state.Output!;
    }

    public override Tensor? Backward(NodeState state, Tensor x, Tensor dy, bool needInputGrad, PassContext pass)
    {
        Tensor? dx = needInputGrad ? state.InputGrad : null;
        Tensor? dw = pass.GradOrNull(_weight), db = pass.GradOrNull(_bias);
        if (dx is not null || dw is not null || db is not null)
            Ops.LinearBackward(x, _weight.Value, dy, dx, dw, db);
        return dx;
    }

    public override void Dispose()
    {
        ParameterSet.Dispose(_weight);
        ParameterSet.Dispose(_bias);
    }
}
