namespace AdvCore.Onnx;

// Reshape targets that PyTorch computes at run time (x.view(x.size(0), -1) exports as
// Shape → Gather → Unsqueeze → Concat): evaluated here from the tracked shapes, the batch size
// standing as the symbol Batch.
internal sealed partial class OnnxGraphImporter
{
    /// <summary>The batch size in an evaluated shape (unknown until run time).</summary>
    private const long Batch = long.MinValue;

    private long[] ShapeValue(OnnxNodeArgs a, int index)
    {
        if (!a.Has(index)) throw a.Unsupported("the target shape input is missing");
        return Evaluate(a, a.Node.Inputs[index], 0);
    }

    private long[] Evaluate(OnnxNodeArgs user, string name, int depth)
    {
        if (depth > 64) throw user.Unsupported($"the target shape '{name}' is computed by too deep a subgraph");
        if (_constants.TryGetValue(name, out var constant))
            return constant.Int64s ?? throw user.Unsupported($"the target shape '{name}' does not hold integers");
        if (!_producers.TryGetValue(name, out var node))
            throw user.Unsupported($"the target shape '{name}' is neither a constant nor computed from Shape");
        var a = new OnnxNodeArgs(node, _path, _constants);
        switch (node.OpType)
        {
            case "Shape":
                if (!_shapes.TryGetValue(node.Inputs[0], out var shape))
                    throw a.Unsupported($"the shape of '{node.Inputs[0]}' is not known at this point of the chain");
                long[] full = [Batch, .. shape];
                long start = a.Int("start", 0), end = a.Int("end", full.Length);
                start = Math.Clamp(start < 0 ? start + full.Length : start, 0, full.Length);
                end = Math.Clamp(end < 0 ? end + full.Length : end, 0, full.Length);
                return full[(int)start..(int)Math.Max(start, end)];
            case "Gather":
            {
                var data = Evaluate(user, node.Inputs[0], depth + 1);
                if (a.Int("axis", 0) != 0) throw a.Unsupported("only Gather along axis 0 of a shape is supported");
                var indices = a.Constant(1, "indices").Int64s ?? throw a.Unsupported("indices must be integers");
                return indices.Select(i => i < 0 ? i + data.Length : i)
                    .Select(i => i >= 0 && i < data.Length ? data[i] : throw a.Unsupported($"index {i} is outside the shape of rank {data.Length}"))
                    .ToArray();
            }
            case "Unsqueeze" or "Squeeze" or "Cast" or "Identity":
                return Evaluate(user, node.Inputs[0], depth + 1); // a shape's values do not change
            case "Concat":
                return node.Inputs.Where(i => i.Length > 0).SelectMany(i => Evaluate(user, i, depth + 1)).ToArray();
            default:
                throw a.Unsupported($"operator {node.OpType} in the subgraph computing a Reshape target is not supported (Shape, Gather, Unsqueeze, Concat, Cast)");
        }
    }
}
