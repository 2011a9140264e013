namespace AdvCore.Nn.Nodes;

/// <summary>
/// The built form of one <see cref="LayerSpec"/>: its parameters plus forward and backward over
/// per-batch-size buffers held in a <see cref="NodeState"/>. Shapes are per sample (no N).
/// </summary>
internal abstract class Node : IDisposable
{
    protected Node(string prefix, long[] inShape, long[] outShape)
    {
        Prefix = prefix;
        InShape = inShape;
        OutShape = outShape;
    }

    /// <summary>Name prefix of this node's parameters, e.g. "3." or "2.body.0.".</summary>
    public string Prefix { get; }

    /// <summary>Per-sample input shape.</summary>
    public long[] InShape { get; }

    /// <summary>Per-sample output shape.</summary>
    public long[] OutShape { get; }

    /// <summary>Multiply-accumulates per image of the forward pass (conv and linear only).</summary>
    public virtual long Macs => 0;

    /// <summary>Adds this node's parameters and buffers, in PyTorch state_dict order.</summary>
    public virtual void Collect(List<NamedParameter> parameters, List<NamedParameter> buffers) { }

    /// <summary>Allocates the activation buffers for a batch of <paramref name="n"/>.</summary>
    public abstract NodeState CreateState(Context context, long n);

    /// <summary>Computes the output for <paramref name="x"/> (a state buffer, or x itself for identities).</summary>
    public abstract Tensor Forward(NodeState state, Tensor x, PassContext pass);

    /// <summary>
    /// Back-propagates <paramref name="dy"/>; writes weight gradients when the pass asks for them
    /// and returns ∂/∂x when <paramref name="needInputGrad"/> (else null).
    /// </summary>
    public abstract Tensor? Backward(NodeState state, Tensor x, Tensor dy, bool needInputGrad, PassContext pass);

    /// <summary>[n, ...perSample].</summary>
    protected static long[] Batched(long n, long[] perSample)
    {
        var shape = new long[perSample.Length + 1];
        shape[0] = n;
        perSample.CopyTo(shape, 1);
        return shape;
    }

    /// <summary>A state with the usual output and input-gradient buffers.</summary>
    protected NodeState StandardState(Context context, long n) => new()
    {
        Output = Tensor.Zeros(context, Batched(n, OutShape)),
        InputGrad = Tensor.Zeros(context, Batched(n, InShape)),
    };

    public virtual void Dispose() { }
}
