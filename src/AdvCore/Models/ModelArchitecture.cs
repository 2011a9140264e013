using AdvCore.Nn;

namespace AdvCore.Models;

/// <summary>
/// Everything needed to rebuild a network without its weights: a name, the input shape
/// (C, H, W), the number of classes and the ordered layer list. Stored as JSON in a model
/// file's metadata (docs/model-format.md).
/// </summary>
public sealed record ModelArchitecture(string Name, IReadOnlyList<int> InputShape, int Classes, IReadOnlyList<LayerSpec> Layers);
