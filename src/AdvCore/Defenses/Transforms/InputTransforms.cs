using System.Globalization;

namespace AdvCore.Defenses;

/// <summary>Parses the command line's names of input transforms.</summary>
public static class InputTransforms
{
    /// <summary>
    /// "bit-depth:B" (1..8), "median:K" (2..7), or "deflection[:N[:W]]" (pixel deflection of N
    /// pixels within ±W, default the authors' ImageNet setting scaled to <paramref name="imageShape"/>).
    /// </summary>
    /// <exception cref="ArgumentException">An unknown name or a bad parameter, said in one line.</exception>
    public static IInputTransform Parse(string spec, IReadOnlyList<int>? imageShape = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        string[] parts = spec.Trim().Split(':');
        string name = parts[0].ToLowerInvariant();
        if (name is not ("bit-depth" or "median" or "deflection"))
            throw new ArgumentException($"unknown input transform '{spec}' (expected bit-depth:B, median:K or deflection[:N[:W]])");
        string usage = name switch
        {
            "deflection" => "deflection takes at most two integers N and W, e.g. deflection:200:10",
            "median" => "median needs an integer, e.g. median:2",
            _ => "bit-depth needs an integer, e.g. bit-depth:1",
        };
        int[] values = new int[parts.Length - 1];
        for (int i = 1; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out values[i - 1]))
                throw new ArgumentException($"input transform '{spec}': {usage}");
        if (name == "deflection" ? values.Length > 2 : values.Length != 1) throw new ArgumentException($"input transform '{spec}': {usage}");
        try
        {
            switch (name)
            {
                case "deflection":
                    var scaled = imageShape is { Count: 3 } ? PixelDeflection.ScaledFor(imageShape[1], imageShape[2]) : new PixelDeflection(200, 10);
                    return new PixelDeflection(values.Length > 0 ? values[0] : scaled.Deflections, values.Length > 1 ? values[1] : scaled.Window);
                default:
                    return name == "median" ? new MedianFilter(values[0]) : new BitDepthReduction(values[0]);
            }
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new ArgumentException($"input transform '{spec}': {e.Message.Split(" (Parameter")[0]}", e);
        }
    }
}
