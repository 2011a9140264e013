using AdvCore.Models;
using AdvCore.Nn;

namespace AdvCore.Onnx;

/// <summary>
/// Turns an ONNX graph into AdvCore layer specs and a state dictionary. The graph is walked
/// from its single data input to its single output: each node must continue the chain (its
/// other inputs constant), and a tensor used twice must be an identity-shortcut residual block
/// (x → body → Add(x, body(x))). Per-sample shapes are tracked along the way to check what
/// needs them (Reshape targets, MatMul on flat inputs, pooling sizes).
/// </summary>
internal sealed partial class OnnxGraphImporter
{
    private readonly string _path;
    private readonly OnnxGraphProto _graph;
    private readonly long _opset;
    private readonly Dictionary<string, OnnxTensorProto> _constants = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<OnnxNodeProto>> _consumers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OnnxNodeProto> _producers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long[]> _shapes = new(StringComparer.Ordinal);
    private readonly HashSet<string> _graphOutputs;
    private readonly HashSet<OnnxNodeProto> _applied = [];
    private long[] _shape = [];

    // GlobalAveragePool gives ONNX [N, C, 1, 1] but our layer [N, C]: true until a Flatten or
    // Reshape to [N, C] follows (which then adds nothing).
    private bool _squeezed;

    private OnnxGraphImporter(string path, OnnxModelProto model)
    {
        _path = path;
        _graph = model.Graph;
        var defaultOpset = model.OpsetImports.Where(o => o.Domain is "" or "ai.onnx").Select(o => o.Version).DefaultIfEmpty(0).Max();
        if (defaultOpset < 1) throw new OnnxFormatException(path, "the model imports no version of the default ONNX operator set");
        _opset = defaultOpset;
        _graphOutputs = _graph.Outputs.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var t in _graph.Initializers) _constants[t.Name] = t;
        foreach (var node in _graph.Nodes)
        {
            foreach (var input in node.Inputs.Where(i => i.Length > 0))
            {
                if (!_consumers.TryGetValue(input, out var list)) _consumers[input] = list = [];
                if (!list.Contains(node)) list.Add(node);
            }
            foreach (var output in node.Outputs.Where(o => o.Length > 0)) _producers[output] = node;
            if (node.OpType == "Constant" && IsDefaultDomain(node)) AddConstantNode(node);
            if (node.OpType == "Transpose" && IsDefaultDomain(node)) FoldTranspose(node);
        }
    }

    /// <summary>The architecture (named after the graph, else <paramref name="fallbackName"/>) and the state it needs.</summary>
    public static (ModelArchitecture Architecture, Dictionary<string, (long[] Shape, float[] Data)> State) Convert(
        string path, OnnxModelProto model, string fallbackName)
    {
        var importer = new OnnxGraphImporter(path, model);
        return importer.Run(string.IsNullOrWhiteSpace(model.Graph.Name) ? fallbackName : model.Graph.Name);
    }

    private (ModelArchitecture, Dictionary<string, (long[] Shape, float[] Data)>) Run(string name)
    {
        var (input, inputShape) = DataInput();
        if (_graph.Outputs.Count != 1)
            throw new OnnxFormatException(_path, $"the graph has {_graph.Outputs.Count} outputs; a classifier has exactly one (the logits)");
        _shape = inputShape.Select(d => (long)d).ToArray();
        var layers = Walk(input, first: null, join: null, out string last);
        if (last != _graph.Outputs[0].Name)
            throw new OnnxFormatException(_path, $"the chain from the input ends at '{last}', not at the graph output '{_graph.Outputs[0].Name}'");
        if (_squeezed || _shape.Length != 1)
            throw new OnnxFormatException(_path, $"the graph output is [N, {string.Join(", ", _squeezed ? [_shape[0], 1, 1] : _shape)}], not [N, classes] logits");
        if (layers.Count == 0) throw new OnnxFormatException(_path, "the graph has no layers between its input and output");
        var state = new Dictionary<string, (long[] Shape, float[] Data)>(StringComparer.Ordinal);
        ImportedLayer.CollectState(layers, "", state);
        return (new ModelArchitecture(name, inputShape, checked((int)_shape[0]), ImportedLayer.Specs(layers)), state);
    }

    /// <summary>The one graph input that is not an initializer: float [N, C, H, W] with known C, H, W.</summary>
    private (string Name, int[] Shape) DataInput()
    {
        var inputs = _graph.Inputs.Where(i => !_constants.ContainsKey(i.Name)).ToList();
        if (inputs.Count != 1)
            throw new OnnxFormatException(_path, $"the graph has {inputs.Count} data inputs ({string.Join(", ", inputs.Select(i => $"'{i.Name}'"))}); a classifier has one image input");
        var input = inputs[0];
        if (input.ElementType != OnnxDataType.Float)
            throw new OnnxFormatException(_path, $"input '{input.Name}' is {input.ElementType}, not float");
        var shape = input.Shape;
        if (shape is null || shape.Length != 4 || shape[1..].Any(d => d is null or < 1 or > int.MaxValue))
            throw new OnnxFormatException(_path,
                $"input '{input.Name}' has shape [{(shape is null ? "unknown" : string.Join(", ", shape.Select(d => d?.ToString() ?? "?")))}]; AdvCore imports image classifiers with input [N, C, H, W] and fixed C, H, W");
        return (input.Name, shape[1..].Select(d => (int)d!.Value).ToArray());
    }

    /// <summary>
    /// Follows the chain from tensor <paramref name="x"/>, starting with node <paramref name="first"/>
    /// when given (the body of a residual block), and stops at the graph output or, inside a
    /// residual body, at the tensor that feeds <paramref name="join"/>.
    /// </summary>
    private List<ImportedLayer> Walk(string x, OnnxNodeProto? first, OnnxNodeProto? join, out string last)
    {
        var layers = new List<ImportedLayer>();
        var node = first;
        while (true)
        {
            _shapes[x] = _squeezed ? [_shape[0], 1, 1] : _shape;
            if (node is null)
            {
                if (join is not null ? join.Inputs.Contains(x) : _graphOutputs.Contains(x)) break;
                var users = Users(x);
                if (users.Count == 0)
                    throw new OnnxFormatException(_path, $"tensor '{x}' is used by no node and is not the graph output");
                if (users.Count == 1)
                {
                    if (users[0].OpType == "Add" && users[0].Inputs.Count == 2 && users[0].Inputs.All(i => !_constants.ContainsKey(i)))
                        throw new OnnxUnsupportedException(_path, "Add", users[0].Label,
                            "adds two computed tensors outside an identity-shortcut residual block (y = x + f(x))");
                    node = users[0];
                }
                else
                {
                    x = Residual(x, users, layers);
                    continue;
                }
            }
            // A valid graph is acyclic; a corrupt one could send the walk round forever.
            if (!_applied.Add(node)) throw new OnnxFormatException(_path, $"the graph has a cycle through node {node.Label} ({node.OpType})");
            x = Apply(node, x, layers);
            node = null;
        }
        last = x;
        return layers;
    }

    /// <summary>y = x + body(x) where <paramref name="users"/> are the body's first node and the Add.</summary>
    private string Residual(string x, List<OnnxNodeProto> users, List<ImportedLayer> layers)
    {
        var join = users.Count == 2
            ? users.FirstOrDefault(u => u.OpType == "Add" && IsDefaultDomain(u) && u.Inputs.Count == 2 && u.Inputs.Contains(x) && u.Inputs[0] != u.Inputs[1])
            : null;
        if (join is null)
        {
            var first = users[0];
            throw new OnnxUnsupportedException(_path, first.OpType, first.Label,
                $"tensor '{x}' feeds {users.Count} nodes ({string.Join(", ", users.Select(u => $"{u.OpType} {u.Label}"))}); only a chain with identity-shortcut residual blocks (Add(x, f(x))) can be imported");
        }
        var start = users.First(u => u != join);
        var shape = _shape;
        var body = Walk(x, start, join, out string end);
        string other = join.Inputs[0] == x ? join.Inputs[1] : join.Inputs[0];
        if (end != other)
            throw new OnnxUnsupportedException(_path, join.OpType, join.Label, $"the residual body from '{x}' ends at '{end}', not at the Add's other input '{other}'");
        if (_squeezed || !_shape.SequenceEqual(shape))
            throw new OnnxUnsupportedException(_path, join.OpType, join.Label,
                $"the residual body maps [{string.Join(", ", shape)}] to [{string.Join(", ", _shape)}]; the shortcut must be the identity");
        layers.Add(new ImportedLayer(new ResidualLayer(ImportedLayer.Specs(body))) { Body = body });
        return join.Outputs[0];
    }

    /// <summary>The nodes that read tensor <paramref name="name"/>, less the Shape nodes a Reshape target is computed with.</summary>
    private List<OnnxNodeProto> Users(string name) =>
        _consumers.TryGetValue(name, out var list) ? list.Where(n => n.OpType != "Shape").ToList() : [];

    private bool IsUsed(string tensor) => _graphOutputs.Contains(tensor) || (_consumers.TryGetValue(tensor, out var l) && l.Count > 0);

    private static bool IsDefaultDomain(OnnxNodeProto node) => node.Domain is "" or "ai.onnx";

    /// <summary>Transpose of a constant matrix (old exporters write a bias-free linear layer's weights so) becomes a constant.</summary>
    private void FoldTranspose(OnnxNodeProto node)
    {
        if (node.Inputs.Count != 1 || node.Outputs.Count != 1 || !_constants.TryGetValue(node.Inputs[0], out var t)) return;
        var perm = node.Attributes.FirstOrDefault(a => a.Name == "perm")?.Ints ?? [1, 0];
        if (t.Dims.Length != 2 || t.Floats is null || perm.Count != 2 || perm[0] != 1 || perm[1] != 0) return; // left computed: refused where used
        long rows = t.Dims[0], cols = t.Dims[1];
        var values = new float[t.Floats.Length];
        for (long r = 0; r < rows; r++)
            for (long c = 0; c < cols; c++)
                values[c * rows + r] = t.Floats[r * cols + c];
        _constants[node.Outputs[0]] = new OnnxTensorProto { Name = node.Outputs[0], DataType = t.DataType, Dims = [cols, rows], Floats = values };
    }

    private void AddConstantNode(OnnxNodeProto node)
    {
        var a = node.Attributes.FirstOrDefault();
        OnnxTensorProto? t = a?.Name switch
        {
            "value" => a.T,
            "value_float" => new OnnxTensorProto { DataType = OnnxDataType.Float, Floats = [a.F] },
            "value_floats" => new OnnxTensorProto { DataType = OnnxDataType.Float, Dims = [a.Floats.Count], Floats = [.. a.Floats] },
            "value_int" => new OnnxTensorProto { DataType = OnnxDataType.Int64, Int64s = [a.I] },
            "value_ints" => new OnnxTensorProto { DataType = OnnxDataType.Int64, Dims = [a.Ints.Count], Int64s = [.. a.Ints] },
            _ => null,
        };
        if (t is not null && node.Outputs.Count > 0) _constants[node.Outputs[0]] = t; // others (sparse, strings) stay computed and are refused where used
    }
}
