namespace AdvCore.Onnx;

// The subset of onnx.proto (ONNX IR, https://github.com/onnx/onnx/blob/main/onnx/onnx.proto)
// that AdvCore reads and writes, as plain classes. Field numbers live in OnnxProtoReader/-Writer.

/// <summary>ModelProto: the IR version, the operator sets, the graph and free-form metadata.</summary>
internal sealed class OnnxModelProto
{
    public long IrVersion { get; set; }
    public string ProducerName { get; set; } = "";
    public string ProducerVersion { get; set; } = "";
    /// <summary>Operator set versions by domain ("" is the default ONNX domain).</summary>
    public List<(string Domain, long Version)> OpsetImports { get; } = [];
    public OnnxGraphProto Graph { get; set; } = new();
    public List<KeyValuePair<string, string>> Metadata { get; } = [];
}

/// <summary>GraphProto: nodes in topological order, constant tensors, inputs and outputs.</summary>
internal sealed class OnnxGraphProto
{
    public string Name { get; set; } = "";
    public List<OnnxNodeProto> Nodes { get; } = [];
    public List<OnnxTensorProto> Initializers { get; } = [];
    public List<OnnxValueInfo> Inputs { get; } = [];
    public List<OnnxValueInfo> Outputs { get; } = [];
}

/// <summary>NodeProto: one operator call. Empty input names mean an omitted optional input.</summary>
internal sealed class OnnxNodeProto
{
    public string Name { get; set; } = "";
    public string OpType { get; set; } = "";
    public string Domain { get; set; } = "";
    public List<string> Inputs { get; } = [];
    public List<string> Outputs { get; } = [];
    public List<OnnxAttribute> Attributes { get; } = [];

    /// <summary>How errors name the node: its name, or its position when it has none.</summary>
    public string Label { get; set; } = "";
}

/// <summary>AttributeProto's types (AttributeProto.AttributeType).</summary>
internal enum OnnxAttributeType
{
    Undefined = 0, Float = 1, Int = 2, String = 3, Tensor = 4, Graph = 5,
    Floats = 6, Ints = 7, Strings = 8, Tensors = 9, Graphs = 10,
}

/// <summary>AttributeProto: a named constant argument of a node (only the kinds AdvCore reads are kept).</summary>
internal sealed class OnnxAttribute
{
    public string Name { get; set; } = "";
    public OnnxAttributeType Type { get; set; }
    public float F { get; set; }
    public long I { get; set; }
    public string S { get; set; } = "";
    public OnnxTensorProto? T { get; set; }
    public List<float> Floats { get; } = [];
    public List<long> Ints { get; } = [];
}

/// <summary>TensorProto.DataType values AdvCore understands.</summary>
internal enum OnnxDataType
{
    Undefined = 0, Float = 1, UInt8 = 2, Int8 = 3, Int32 = 6, Int64 = 7, Bool = 9, Float16 = 10, Double = 11,
}

/// <summary>
/// TensorProto with its values decoded: floating types into <see cref="Floats"/> (float16 and
/// double converted), integer types into <see cref="Int64s"/>.
/// </summary>
internal sealed class OnnxTensorProto
{
    public string Name { get; set; } = "";
    public OnnxDataType DataType { get; set; }
    public long[] Dims { get; set; } = [];
    public float[]? Floats { get; set; }
    public long[]? Int64s { get; set; }

    /// <summary>Number of elements the dimensions give (1 for a scalar).</summary>
    public long ElementCount => Dims.Aggregate(1L, (a, d) => a * d);
}

/// <summary>ValueInfoProto of a tensor: its name, element type and dimensions (a null dimension is symbolic, like a batch "N").</summary>
internal sealed class OnnxValueInfo
{
    public string Name { get; set; } = "";
    public OnnxDataType ElementType { get; set; }
    public long?[]? Shape { get; set; }
}
