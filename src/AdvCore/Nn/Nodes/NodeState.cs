namespace AdvCore.Nn.Nodes;

/// <summary>
/// One node's buffers for one batch size. <see cref="Result"/> is the tensor the last forward
/// returned (an owned buffer, or the input for identities); the backward pass reads it as the
/// next node's input.
/// </summary>
internal sealed class NodeState : IDisposable
{
    public Tensor? Output;
    public Tensor? InputGrad;
    public Tensor? Aux1;
    public Tensor? Aux2;
    public NodeState[]? Children;
    public Tensor? Result;

    public void Dispose()
    {
        Output?.Dispose();
        InputGrad?.Dispose();
        Aux1?.Dispose();
        Aux2?.Dispose();
        if (Children is not null)
            foreach (var child in Children) child.Dispose();
    }
}
