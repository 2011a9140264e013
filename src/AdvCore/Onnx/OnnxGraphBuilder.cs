namespace AdvCore.Onnx;

/// <summary>Appends nodes and initializers to a graph under fresh tensor names (the exporter's helper).</summary>
internal sealed class OnnxGraphBuilder(OnnxGraphProto graph)
{
    private int _next;

    /// <summary>Adds a float initializer called <paramref name="name"/>.</summary>
    public string Initializer(string name, long[] dims, float[] values)
    {
        graph.Initializers.Add(new OnnxTensorProto { Name = name, DataType = OnnxDataType.Float, Dims = dims, Floats = values });
        return name;
    }

    /// <summary>Adds a node <paramref name="opType"/> named "{prefix}{opType}" and returns its (single) output.</summary>
    public string Node(string opType, string prefix, IEnumerable<string> inputs, params OnnxAttribute[] attributes)
    {
        var node = new OnnxNodeProto { Name = $"{prefix}{opType}", OpType = opType };
        node.Inputs.AddRange(inputs);
        string output = $"t{_next++}_{opType}";
        node.Outputs.Add(output);
        node.Attributes.AddRange(attributes);
        graph.Nodes.Add(node);
        return output;
    }

    /// <summary>Renames the output of the last node (the graph output's name).</summary>
    public void RenameLastOutput(string name) => graph.Nodes[^1].Outputs[0] = name;

    public static OnnxAttribute Int(string name, long value) => new() { Name = name, Type = OnnxAttributeType.Int, I = value };
    public static OnnxAttribute Float(string name, float value) => new() { Name = name, Type = OnnxAttributeType.Float, F = value };

    public static OnnxAttribute Ints(string name, params long[] values)
    {
        var a = new OnnxAttribute { Name = name, Type = OnnxAttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }
}
