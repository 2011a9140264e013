namespace AdvCore.Nn.Nodes;

/// <summary>Turns layer specs into nodes, checking shapes layer by layer with errors that name the layer.</summary>
internal static class NodeFactory
{
    private const string LayerPathKey = "AdvCore.LayerPath";

    /// <summary>
    /// Builds <paramref name="specs"/> in order from <paramref name="inShape"/>. Parameter names are
    /// <paramref name="prefix"/> + index + "." + name; <paramref name="path"/> names the chain in errors.
    /// </summary>
    public static Node[] CreateChain(IReadOnlyList<LayerSpec> specs, string prefix, long[] inShape, Context context,
                                     ParameterInitializer init, string path)
    {
        var nodes = new List<Node>(specs.Count);
        try
        {
            long[] shape = inShape;
            for (int j = 0; j < specs.Count; j++)
            {
                string layerPath = path.Length == 0 ? j.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{path}.{j}";
                var node = Create(specs[j], $"{prefix}{j}.", shape, context, init, layerPath);
                nodes.Add(node);
                shape = node.OutShape;
            }
            return [.. nodes];
        }
        catch
        {
            foreach (var node in nodes) node.Dispose();
            throw;
        }
    }

    private static Node Create(LayerSpec? spec, string prefix, long[] inShape, Context context, ParameterInitializer init, string path)
    {
        try
        {
            return spec switch
            {
                Conv2dLayer conv => Conv2dNode.Create(conv, prefix, inShape, context, init),
                LinearLayer linear => LinearNode.Create(linear, prefix, inShape, context, init),
                ActivationLayer activation => new ActivationNode(activation, prefix, inShape),
                MaxPoolLayer pool => PoolNode.Create(max: true, pool.KernelSize, pool.Stride, pool.Padding, prefix, inShape),
                AvgPoolLayer pool => PoolNode.Create(max: false, pool.KernelSize, pool.Stride, pool.Padding, prefix, inShape),
                GlobalAvgPoolLayer => GlobalAvgPoolNode.Create(prefix, inShape),
                BatchNormLayer bn => BatchNormNode.Create(bn, prefix, inShape, context),
                DropoutLayer dropout => new DropoutNode(dropout, prefix, inShape),
                FlattenLayer => new FlattenNode(prefix, inShape),
                ResidualLayer residual => ResidualNode.Create(residual, prefix, inShape, context, init, path),
                null => throw new InvalidArgumentException("the layer list holds null"),
                _ => throw new InvalidArgumentException($"unsupported layer type {spec.GetType().Name}"),
            };
        }
        catch (AdvCoreException e) when (e is ShapeMismatchException or InvalidArgumentException && !e.Data.Contains(LayerPathKey))
        {
            // Name the layer once, at the innermost level that failed.
            string message = $"layer {path} ({spec}) on input [{Tensor.ShapeString(inShape)}]: {e.Message}";
            AdvCoreException named = e is ShapeMismatchException
                ? new ShapeMismatchException(message, e.NativeMessage, e)
                : new InvalidArgumentException(message, e.NativeMessage, e);
            named.Data[LayerPathKey] = path;
            throw named;
        }
    }
}
