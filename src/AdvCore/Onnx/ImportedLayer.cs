using AdvCore.Nn;

namespace AdvCore.Onnx;

/// <summary>
/// One layer recovered from an ONNX graph with its tensors by state_dict suffix ("weight",
/// "bias", "running_mean", …); a residual block carries its body instead.
/// </summary>
internal sealed class ImportedLayer(LayerSpec spec)
{
    public LayerSpec Spec { get; set; } = spec;
    public Dictionary<string, (long[] Shape, float[] Data)> Tensors { get; } = new(StringComparer.Ordinal);
    public List<ImportedLayer>? Body { get; init; }

    /// <summary>The layer specs in order (residual bodies rebuilt).</summary>
    public static List<LayerSpec> Specs(IEnumerable<ImportedLayer> layers) =>
        layers.Select(l => l.Body is null ? l.Spec : new ResidualLayer(Specs(l.Body))).ToList();

    /// <summary>The state dictionary under nn.Sequential names ("3.weight", "2.body.0.bias").</summary>
    public static void CollectState(IReadOnlyList<ImportedLayer> layers, string prefix, IDictionary<string, (long[], float[])> into)
    {
        for (int i = 0; i < layers.Count; i++)
        {
            foreach (var (suffix, tensor) in layers[i].Tensors) into[$"{prefix}{i}.{suffix}"] = tensor;
            if (layers[i].Body is { } body) CollectState(body, $"{prefix}{i}.body.", into);
        }
    }
}
