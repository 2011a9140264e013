using System.Text.Json;
using System.Text.Json.Nodes;
using AdvCore.Nn;

namespace AdvCore.Models;

/// <summary>
/// The architecture JSON stored in a model file's metadata (docs/model-format.md): the same
/// text rebuilds the network here and in PyTorch (bench/peers/advcore_torch.py).
/// </summary>
public static class ArchitectureJson
{
    /// <summary>The architecture as the JSON stored in a model file's <c>__metadata__</c> (docs/model-format.md).</summary>
    public static string Serialize(ModelArchitecture arch)
    {
        var root = new JsonObject
        {
            ["name"] = arch.Name,
            ["input"] = new JsonArray(arch.InputShape.Select(d => (JsonNode)d).ToArray()),
            ["classes"] = arch.Classes,
            ["layers"] = LayersToJson(arch.Layers),
        };
        return root.ToJsonString();
    }

    /// <summary>Parses the JSON; every problem is a <see cref="FormatException"/> naming the layer and field.</summary>
    public static ModelArchitecture Parse(string json)
    {
        try
        {
            return ParseChecked(json);
        }
        // JsonNode throws these for a duplicate key or a value of the wrong JSON kind (found by fuzzing).
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or JsonException)
        {
            throw new FormatException($"architecture is not valid: {e.Message.Split('\n')[0]}", e);
        }
    }

    private static ModelArchitecture ParseChecked(string json)
    {
        JsonNode? root;
        try { root = JsonNode.Parse(json); }
        catch (JsonException e) { throw new FormatException($"architecture is not valid JSON: {IO.JsonErrors.Describe(e)}", e); }
        if (root is not JsonObject obj) throw new FormatException("architecture must be a JSON object");
        var name = obj["name"]?.GetValue<string>() ?? "unnamed";
        var input = (obj["input"] as JsonArray ?? throw new FormatException("architecture: 'input' [C, H, W] missing"))
            .Select(n => n?.GetValue<int>() ?? 0).ToArray();
        if (input.Length != 3 || input.Any(d => d < 1))
            throw new FormatException($"architecture: 'input' must be [C, H, W] with positive sizes, got [{string.Join(", ", input)}]");
        int classes = Int(obj, "classes", "architecture");
        var layers = ParseLayers(obj["layers"] as JsonArray ?? throw new FormatException("architecture: 'layers' missing"), "layers");
        return new ModelArchitecture(name, input, classes, layers);
    }

    private static JsonArray LayersToJson(IReadOnlyList<LayerSpec> layers) =>
        new(layers.Select(l => (JsonNode)LayerToJson(l)).ToArray());

    private static JsonObject LayerToJson(LayerSpec layer) => layer switch
    {
        Conv2dLayer c => new JsonObject
        {
            ["type"] = "conv2d", ["out_channels"] = c.OutChannels, ["kernel"] = c.KernelSize,
            ["stride"] = c.Stride, ["padding"] = PaddingToJson(c.Padding), ["bias"] = c.Bias,
        },
        LinearLayer l => new JsonObject { ["type"] = "linear", ["out_features"] = l.OutFeatures, ["bias"] = l.Bias },
        ActivationLayer { Kind: ActivationKind.ReLU } => new JsonObject { ["type"] = "relu" },
        ActivationLayer { Kind: ActivationKind.LeakyReLU } a => new JsonObject { ["type"] = "leaky_relu", ["slope"] = a.Param },
        ActivationLayer { Kind: ActivationKind.BoundedReLU } a => new JsonObject { ["type"] = "bounded_relu", ["t"] = a.Param },
        MaxPoolLayer p => new JsonObject { ["type"] = "max_pool", ["kernel"] = p.KernelSize, ["stride"] = p.Stride == 0 ? p.KernelSize : p.Stride, ["padding"] = p.Padding },
        AvgPoolLayer p => new JsonObject { ["type"] = "avg_pool", ["kernel"] = p.KernelSize, ["stride"] = p.Stride == 0 ? p.KernelSize : p.Stride, ["padding"] = p.Padding },
        GlobalAvgPoolLayer => new JsonObject { ["type"] = "global_avg_pool" },
        BatchNormLayer b => new JsonObject { ["type"] = "batch_norm", ["momentum"] = b.Momentum, ["eps"] = b.Eps },
        DropoutLayer d => new JsonObject { ["type"] = "dropout", ["p"] = d.P },
        FlattenLayer => new JsonObject { ["type"] = "flatten" },
        ResidualLayer r => new JsonObject { ["type"] = "residual", ["body"] = LayersToJson(r.Body) },
        _ => throw new NotSupportedException($"layer {layer} has no JSON form"),
    };

    private static JsonNode PaddingToJson(Padding p) => p.Mode switch
    {
        PaddingMode.Same => "same",
        PaddingMode.Valid => "valid",
        _ => new JsonArray(p.Top, p.Bottom, p.Left, p.Right),
    };

    private static List<LayerSpec> ParseLayers(JsonArray array, string path)
    {
        var layers = new List<LayerSpec>(array.Count);
        for (int i = 0; i < array.Count; i++)
        {
            var where = $"{path}[{i}]";
            if (array[i] is not JsonObject o) throw new FormatException($"architecture: {where} is not an object");
            var type = o["type"]?.GetValue<string>() ?? throw new FormatException($"architecture: {where} has no 'type'");
            layers.Add(type switch
            {
                "conv2d" => new Conv2dLayer(Int(o, "out_channels", where), Int(o, "kernel", where), Int(o, "stride", where, 1),
                    ParsePadding(o["padding"], where), Bool(o, "bias", true)),
                "linear" => new LinearLayer(Int(o, "out_features", where), Bool(o, "bias", true)),
                "relu" => ActivationLayer.ReLU(),
                "leaky_relu" => ActivationLayer.LeakyReLU(Float(o, "slope", where)),
                "bounded_relu" => ActivationLayer.BoundedReLU(Float(o, "t", where)),
                "max_pool" => new MaxPoolLayer(Int(o, "kernel", where), Int(o, "stride", where, 0), Int(o, "padding", where, 0)),
                "avg_pool" => new AvgPoolLayer(Int(o, "kernel", where), Int(o, "stride", where, 0), Int(o, "padding", where, 0)),
                "global_avg_pool" => new GlobalAvgPoolLayer(),
                "batch_norm" => new BatchNormLayer(Float(o, "momentum", where, 0.1f), Float(o, "eps", where, 1e-5f)),
                "dropout" => new DropoutLayer(Float(o, "p", where)),
                "flatten" => new FlattenLayer(),
                "residual" => new ResidualLayer(ParseLayers(o["body"] as JsonArray
                    ?? throw new FormatException($"architecture: {where} (residual) has no 'body' list"), where + ".body")),
                _ => throw new FormatException($"architecture: {where} has unknown type '{type}'"),
            });
        }
        return layers;
    }

    private static Padding ParsePadding(JsonNode? node, string where)
    {
        if (node is null) return Padding.Valid;
        if (node is JsonArray a && a.Count == 4)
            return Padding.Explicit(a[0]!.GetValue<int>(), a[1]!.GetValue<int>(), a[2]!.GetValue<int>(), a[3]!.GetValue<int>());
        return node.GetValue<string>() switch
        {
            "same" => Padding.Same,
            "valid" => Padding.Valid,
            var s => throw new FormatException($"architecture: {where} padding '{s}' (expected same, valid or [t, b, l, r])"),
        };
    }

    private static int Int(JsonObject o, string key, string where, int? fallback = null)
    {
        var node = o[key];
        if (node is null)
            return fallback ?? throw new FormatException($"architecture: {where} is missing '{key}'");
        try { return node.GetValue<int>(); }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        { throw new FormatException($"architecture: {where}.{key} must be an integer", e); }
    }

    private static float Float(JsonObject o, string key, string where, float? fallback = null)
    {
        var node = o[key];
        if (node is null)
            return fallback ?? throw new FormatException($"architecture: {where} is missing '{key}'");
        try { return (float)node.GetValue<double>(); }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        { throw new FormatException($"architecture: {where}.{key} must be a number", e); }
    }

    private static bool Bool(JsonObject o, string key, bool fallback) => o[key]?.GetValue<bool>() ?? fallback;
}
