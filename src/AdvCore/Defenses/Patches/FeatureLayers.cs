using AdvCore.Nn;

namespace AdvCore.Defenses.Patches;

/// <summary>
/// Where a feature-map defense sits (thesis §6.3.4): layer 0 is the image; layer L ≥ 1 is the
/// output of the L-th convolution block — the L-th top-level convolution followed by its batch
/// norm and activation, up to the next convolution or the first non-block layer.
/// </summary>
public static class FeatureLayers
{
    /// <summary>
    /// The index into <see cref="Network.Layers"/> whose output is feature layer <paramref name="layer"/>
    /// (−1 for the image itself).
    /// </summary>
    /// <exception cref="ArgumentException">The network has fewer than <paramref name="layer"/> convolution blocks.</exception>
    public static int NodeIndex(Network network, int layer)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentOutOfRangeException.ThrowIfNegative(layer);
        if (layer == 0) return -1;
        var layers = network.Layers;
        int convs = 0;
        for (int i = 0; i < layers.Count; i++)
        {
            if (layers[i] is not Conv2dLayer || ++convs != layer) continue;
            int end = i;
            while (end + 1 < layers.Count && layers[end + 1] is BatchNormLayer or ActivationLayer) end++;
            return end;
        }
        throw new ArgumentException($"feature layer {layer}: the network has {convs} top-level convolution block{(convs == 1 ? "" : "s")} (layer 0 is the image)");
    }

    /// <summary>Per-sample shape {D, H, W} of feature layer <paramref name="layer"/>.</summary>
    /// <exception cref="ArgumentException">No such layer, or its output is not a [D, H, W] map.</exception>
    public static IReadOnlyList<int> Shape(Network network, int layer)
    {
        int node = NodeIndex(network, layer);
        var shape = node < 0 ? network.InputShape : network.OutputShapeOf(node);
        if (shape.Count != 3) throw new ArgumentException($"feature layer {layer} is not a [D,H,W] map (shape [{string.Join(',', shape)}])");
        return shape;
    }
}
