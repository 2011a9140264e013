namespace AdvCore.Nn.Nodes;

internal sealed class BatchNormNode : Node
{
    private readonly NamedParameter _gamma, _beta, _runningMean, _runningVar;
    private readonly float _momentum, _eps;

    private BatchNormNode(string prefix, long[] inShape, BatchNormLayer spec, NamedParameter gamma, NamedParameter beta,
                          NamedParameter runningMean, NamedParameter runningVar)
        : base(prefix, inShape, inShape)
    {
        _gamma = gamma;
        _beta = beta;
        _runningMean = runningMean;
        _runningVar = runningVar;
        _momentum = spec.Momentum;
        _eps = spec.Eps;
    }

    public static BatchNormNode Create(BatchNormLayer spec, string prefix, long[] inShape, Context context)
    {
        if (!(spec.Momentum >= 0 && spec.Momentum <= 1)) throw new InvalidArgumentException($"momentum must be in [0, 1] (got {spec.Momentum})");
        if (!(spec.Eps > 0) || !float.IsFinite(spec.Eps)) throw new InvalidArgumentException($"eps must be > 0 (got {spec.Eps})");
        if (inShape.Length != 1 && inShape.Length != 3)
            throw new ShapeMismatchException($"batch norm needs a [C,H,W] or [C] input, got [{Tensor.ShapeString(inShape)}]");
        long c = inShape[0];
        var created = new List<NamedParameter>(4);
        try
        {
            created.Add(ParameterSet.Trainable(context, prefix + "weight", c));
            created.Add(ParameterSet.Trainable(context, prefix + "bias", c));
            created.Add(ParameterSet.Buffer(context, prefix + "running_mean", c));
            created.Add(ParameterSet.Buffer(context, prefix + "running_var", c));
            created[0].Value.Fill(1f);
            created[3].Value.Fill(1f);
            return new BatchNormNode(prefix, inShape, spec, created[0], created[1], created[2], created[3]);
        }
        catch
        {
            foreach (var p in created) ParameterSet.Dispose(p);
            throw;
        }
    }

    public override void Collect(List<NamedParameter> parameters, List<NamedParameter> buffers)
    {
        parameters.Add(_gamma);
        parameters.Add(_beta);
        buffers.Add(_runningMean);
        buffers.Add(_runningVar);
    }

    public override NodeState CreateState(Context context, long n)
    {
        var state = StandardState(context, n);
        try
        {
            state.Aux1 = Tensor.Zeros(context, [InShape[0]]); // saved mean
            state.Aux2 = Tensor.Zeros(context, [InShape[0]]); // saved 1/sqrt(var + eps)
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
        Ops.BatchNormForward(x, _gamma.Value, _beta.Value, _runningMean.Value, _runningVar.Value, state.Aux1!, state.Aux2!,
                             state.Output!, pass.Training, _momentum, _eps);
        return state.Output!;
    }

    public override Tensor? Backward(NodeState state, Tensor x, Tensor dy, bool needInputGrad, PassContext pass)
    {
        Tensor? dx = needInputGrad ? state.InputGrad : null;
        Tensor? dgamma = pass.GradOrNull(_gamma), dbeta = pass.GradOrNull(_beta);
        if (dx is not null || dgamma is not null || dbeta is not null)
            Ops.BatchNormBackward(x, _gamma.Value, state.Aux1!, state.Aux2!, dy, dx, dgamma, dbeta, pass.Training);
        return dx;
    }

    public override void Dispose()
    {
        ParameterSet.Dispose(_gamma);
        ParameterSet.Dispose(_beta);
        ParameterSet.Dispose(_runningMean);
        ParameterSet.Dispose(_runningVar);
    }
}
