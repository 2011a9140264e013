namespace AdvCore.Nn.Nodes;

internal sealed class Conv2dNode : Node
{
    private readonly NamedParameter _weight;
    private readonly NamedParameter? _bias;
    private readonly Conv2dParams _params;

    private Conv2dNode(string prefix, long[] inShape, long[] outShape, NamedParameter weight, NamedParameter? bias, Conv2dParams p)
        : base(prefix, inShape, outShape)
    {
        _weight = weight;
        _bias = bias;
        _params = p;
    }

    public static Conv2dNode Create(Conv2dLayer spec, string prefix, long[] inShape, Context context, ParameterInitializer init)
    {
        if (spec.OutChannels < 1 || spec.KernelSize < 1 || spec.Stride < 1)
            throw new InvalidArgumentException("out channels, kernel size and stride must be >= 1");
        if (inShape.Length != 3)
            throw new ShapeMismatchException($"a convolution needs a [C,H,W] input, got [{Tensor.ShapeString(inShape)}]");
        long c = inShape[0], h = inShape[1], w = inShape[2];
        int k = spec.KernelSize;
        var p = ConvPadding.Resolve(spec.Padding, checked((int)h), checked((int)w), k, k, spec.Stride, spec.Stride);
        if (p.PadTop >= k || p.PadBottom >= k || p.PadLeft >= k || p.PadRight >= k)
            throw new InvalidArgumentException($"padding {spec.Padding} must be smaller than the kernel {k}");
        if (h + p.PadTop + p.PadBottom < k || w + p.PadLeft + p.PadRight < k)
            throw new ShapeMismatchException(
                $"kernel {k}x{k} is larger than the padded input {h + p.PadTop + p.PadBottom}x{w + p.PadLeft + p.PadRight}");
        long[] outShape = [spec.OutChannels, p.OutputHeight(h, k), p.OutputWidth(w, k)];

        NamedParameter? weight = null, bias = null;
        try
        {
            weight = ParameterSet.Trainable(context, prefix + "weight", spec.OutChannels, c, k, k);
            init.HeNormal(weight.Value, c * k * k);
            if (spec.Bias) bias = ParameterSet.Trainable(context, prefix + "bias", spec.OutChannels);
            return new Conv2dNode(prefix, inShape, outShape, weight, bias, p);
        }
        catch
        {
            ParameterSet.Dispose(weight);
            ParameterSet.Dispose(bias);
            throw;
        }
    }

    // O·OH·OW outputs, each a C·K·K dot product.
    public override long Macs => OutShape[1] * OutShape[2] * _weight.Value.Count;

    public override void Collect(List<NamedParameter> parameters, List<NamedParameter> buffers)
    {
        parameters.Add(_weight);
        if (_bias is not null) parameters.Add(_bias);
    }

    public override NodeState CreateState(Context context, long n) => StandardState(context, n);

    public override Tensor Forward(NodeState state, Tensor x, PassContext pass)
    {
        Ops.Conv2dForward(x, _weight.Value, _bias?.Value, state.Output!, _params);
        return state.Output!;
    }

    public override Tensor? Backward(NodeState state, Tensor x, Tensor dy, bool needInputGrad, PassContext pass)
    {
        Tensor? dx = needInputGrad ? state.InputGrad : null;
        Tensor? dw = pass.GradOrNull(_weight), db = pass.GradOrNull(_bias);
        if (dx is not null || dw is not null || db is not null)
            Ops.Conv2dBackward(x, _weight.Value, dy, dx, dw, db, _params);
        return dx;
    }

    public override void Dispose()
    {
        ParameterSet.Dispose(_weight);
        ParameterSet.Dispose(_bias);
    }
}
