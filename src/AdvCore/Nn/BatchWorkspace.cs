using AdvCore.Nn.Nodes;

namespace AdvCore.Nn;

/// <summary>
/// Every buffer one batch size needs (activations, input gradients, loss, logit gradients,
/// predictions and their host copies), so repeated calls allocate nothing.
/// </summary>
internal sealed class BatchWorkspace : IDisposable
{
    public BatchWorkspace(Node[] nodes, Context context, long n, int classes)
    {
        N = n;
        States = NodeChain.CreateStates(nodes, context, n);
        try
        {
            Loss = Tensor.Zeros(context, [n]);
            LogitGrad = Tensor.Zeros(context, [n, classes]);
            Predictions = Tensor.Zeros(context, [n], DType.I32);
            MeanScale = Tensor.Zeros(context, [n]);
            MeanScale.Fill((float)(1.0 / n)); // turns per-sample logit gradients into the mean's
        }
        catch
        {
            Dispose();
            throw;
        }
        LossHost = new float[n];
        PredictionsHost = new int[n];
        LabelsHost = new int[n];
    }

    public long N { get; }
    public long LastUsed { get; set; }
    public NodeState[] States { get; }
    public Tensor Loss { get; } = null!;
    public Tensor LogitGrad { get; } = null!;
    public Tensor Predictions { get; } = null!;
    public Tensor MeanScale { get; } = null!;
    public float[] LossHost { get; }
    public int[] PredictionsHost { get; }
    public int[] LabelsHost { get; }

    public void Dispose()
    {
        foreach (var state in States) state.Dispose();
        Loss?.Dispose();
        LogitGrad?.Dispose();
        Predictions?.Dispose();
        MeanScale?.Dispose();
    }
}
