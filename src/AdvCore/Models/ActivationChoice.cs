using AdvCore.Nn;

namespace AdvCore.Models;

/// <summary>
/// Parses the activation named on the command line: "relu", "leaky" / "leaky:0.1" (slope),
/// "brelu" / "brelu:1" (bounded ReLU with t).
/// </summary>
public static class ActivationChoice
{
    /// <summary>Parses relu, leaky[:slope] and brelu[:t] (bounded ReLU, t &gt; 0, default 1); a bare leaky takes <paramref name="defaultSlope"/>; anything else is an <see cref="ArgumentException"/> listing the valid forms.</summary>
    public static ActivationLayer Parse(string text, float defaultSlope = 0.2f)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Trim().ToLowerInvariant().Split(':', 2);
        float? value = null;
        if (parts.Length == 2)
        {
            if (!float.TryParse(parts[1], System.Globalization.NumberStyles.Float,
                    System.Globalization.CultureInfo.InvariantCulture, out var v) || !float.IsFinite(v))
                throw new ArgumentException($"activation '{text}': '{parts[1]}' is not a number");
            value = v;
        }
        return parts[0] switch
        {
            "relu" when value is null => ActivationLayer.ReLU(),
            "leaky" or "leakyrelu" or "leaky_relu" => ActivationLayer.LeakyReLU(value ?? defaultSlope),
            "brelu" or "bounded_relu" or "boundedrelu" when (value ?? 1f) > 0 => ActivationLayer.BoundedReLU(value ?? 1f),
            _ => throw new ArgumentException(
                $"unknown activation '{text}' (expected relu, leaky[:slope] or brelu[:t] with t > 0)"),
        };
    }
}
