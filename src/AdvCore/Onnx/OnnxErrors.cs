namespace AdvCore.Onnx;

/// <summary>An ONNX file that is truncated, corrupt, or not a model (the message names the file and the broken field).</summary>
public sealed class OnnxFormatException(string path, string problem) : IOException($"{path}: {problem}")
{
    /// <summary>The file at fault.</summary>
    public string FilePath { get; } = path;
}

/// <summary>
/// A well-formed ONNX model that uses an operator (or an operator setting) AdvCore's layers do
/// not cover; the message names the operator and the node.
/// </summary>
public sealed class OnnxUnsupportedException(string path, string opType, string node, string problem)
    : NotSupportedException($"{path}: node {node} ({opType}): {problem}")
{
    /// <summary>The file at fault.</summary>
    public string FilePath { get; } = path;

    /// <summary>The ONNX operator type, e.g. "Softmax".</summary>
    public string OpType { get; } = opType;

    /// <summary>The node's name (or its position when unnamed).</summary>
    public string Node { get; } = node;
}
