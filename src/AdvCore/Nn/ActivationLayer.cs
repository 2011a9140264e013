namespace AdvCore.Nn;

/// <summary>An element-wise activation; <paramref name="Param"/> is LeakyReLU's slope or BoundedReLU's t.</summary>
public sealed record ActivationLayer(ActivationKind Kind, float Param = 0) : LayerSpec
{
    /// <summary>max(x, 0).</summary>
    public static ActivationLayer ReLU() => new(ActivationKind.ReLU);

    /// <summary>Leaky ReLU with negative <paramref name="slope"/>.</summary>
    public static ActivationLayer LeakyReLU(float slope = 0.01f) => new(ActivationKind.LeakyReLU, slope);

    /// <summary>Bounded ReLU min(max(x, 0), t) ("Efficient Defenses").</summary>
    public static ActivationLayer BoundedReLU(float t) => new(ActivationKind.BoundedReLU, t);

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        ActivationKind.ReLU => "ReLU",
        ActivationKind.LeakyReLU => $"LeakyReLU({Param})",
        _ => $"{Kind}({Param})",
    };
}
