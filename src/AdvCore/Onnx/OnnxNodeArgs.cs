namespace AdvCore.Onnx;

/// <summary>Reads a node's attributes and constant inputs, refusing what does not fit with the node's name.</summary>
internal sealed class OnnxNodeArgs(OnnxNodeProto node, string path, IReadOnlyDictionary<string, OnnxTensorProto> constants)
{
    public OnnxNodeProto Node { get; } = node;

    public OnnxUnsupportedException Unsupported(string problem) => new(path, Node.OpType, Node.Label, problem);

    public OnnxAttribute? Attribute(string name) => Node.Attributes.FirstOrDefault(a => a.Name == name);

    public long Int(string name, long fallback) => Attribute(name) is { } a ? a.I : fallback;

    public float Float(string name, float fallback) => Attribute(name) is { } a ? a.F : fallback;

    public string String(string name, string fallback) => Attribute(name) is { } a ? a.S : fallback;

    /// <summary>An ints attribute, or <paramref name="fallback"/> when absent.</summary>
    public long[] Ints(string name, long[] fallback) => Attribute(name) is { } a ? [.. a.Ints] : fallback;

    /// <summary>Whether input <paramref name="index"/> is given (optional inputs may be missing or "").</summary>
    public bool Has(int index) => index < Node.Inputs.Count && Node.Inputs[index].Length > 0;

    /// <summary>Whether input <paramref name="index"/> is a constant (initializer or Constant node).</summary>
    public bool IsConstant(int index) => Has(index) && constants.ContainsKey(Node.Inputs[index]);

    /// <summary>Input <paramref name="index"/> as a constant tensor, refused when it is computed.</summary>
    public OnnxTensorProto Constant(int index, string what)
    {
        if (!Has(index)) throw Unsupported($"input {index} ({what}) is missing");
        if (!constants.TryGetValue(Node.Inputs[index], out var t))
            throw Unsupported($"input {index} ({what}) '{Node.Inputs[index]}' must be a constant tensor");
        return t;
    }

    /// <summary>Input <paramref name="index"/> as float values (shape checked by the caller).</summary>
    public float[] Floats(int index, string what) =>
        Constant(index, what).Floats ?? throw Unsupported($"input {index} ({what}) must hold floating-point values");

    /// <summary>A constant scalar float input, or <paramref name="fallback"/> when omitted.</summary>
    public float? OptionalScalar(int index, string what, float? fallback)
    {
        if (!Has(index)) return fallback;
        var values = Floats(index, what);
        if (values.Length != 1) throw Unsupported($"input {index} ({what}) must be a scalar, got {values.Length} values");
        return values[0];
    }

    /// <summary>Refuses the node when any output past the first is used (masks, indices, batch statistics).</summary>
    public void OnlyFirstOutputUsed(Func<string, bool> isUsed)
    {
        for (int i = 1; i < Node.Outputs.Count; i++)
            if (Node.Outputs[i].Length > 0 && isUsed(Node.Outputs[i]))
                throw Unsupported($"output {i} ('{Node.Outputs[i]}') is used; only the first output can be imported");
    }
}
