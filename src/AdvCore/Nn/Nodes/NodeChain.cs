namespace AdvCore.Nn.Nodes;

/// <summary>Runs a sequence of nodes forward and backward (the network body and residual bodies).</summary>
internal static class NodeChain
{
    /// <summary>
    /// Runs the chain; <paramref name="hook"/> (top level only) may replace a node's output, which
    /// then becomes the next node's input in both passes, so the backward treats the replacement as
    /// the identity (the node's own buffers keep its true output).
    /// </summary>
    public static Tensor Forward(Node[] nodes, NodeState[] states, Tensor x, PassContext pass, FeatureHook? hook = null)
    {
        Tensor current = x;
        for (int i = 0; i < nodes.Length; i++)
        {
            current = nodes[i].Forward(states[i], current, pass);
            if (hook is not null) current = hook(i, current);
            states[i].Result = current;
        }
        return current;
    }

    /// <summary>Back-propagates dy through the chain; returns ∂/∂x when asked (else null).</summary>
    public static Tensor? Backward(Node[] nodes, NodeState[] states, Tensor x, Tensor dy, bool needInputGrad, PassContext pass)
    {
        Tensor? grad = dy;
        for (int i = nodes.Length - 1; i >= 0; i--)
        {
            Tensor input = i == 0 ? x : states[i - 1].Result!;
            grad = nodes[i].Backward(states[i], input, grad!, i > 0 || needInputGrad, pass);
        }
        return grad;
    }

    public static NodeState[] CreateStates(Node[] nodes, Context context, long n)
    {
        var states = new NodeState[nodes.Length];
        try
        {
            for (int i = 0; i < nodes.Length; i++) states[i] = nodes[i].CreateState(context, n);
            return states;
        }
        catch
        {
            foreach (var s in states) s?.Dispose();
            throw;
        }
    }
}
