namespace AdvCore.Nn.Nodes;

/// <summary>Creates and releases a node's named tensors (value plus gradient for trainable ones).</summary>
internal static class ParameterSet
{
    public static NamedParameter Trainable(Context context, string name, params long[] shape)
    {
        var value = Tensor.Zeros(context, shape);
        try
        {
            return new NamedParameter(name, value, Tensor.Zeros(context, shape));
        }
        catch
        {
            value.Dispose();
            throw;
        }
    }

    public static NamedParameter Buffer(Context context, string name, params long[] shape) =>
        new(name, Tensor.Zeros(context, shape), grad: null);

    public static void Dispose(NamedParameter? parameter)
    {
        if (parameter is null) return;
        parameter.Value.Dispose();
        parameter.Grad?.Dispose();
    }
}
