namespace AdvCore.Defenses;

/// <summary>Parses the command line's names of input transforms.</summary>
public static class InputTransforms
{
    /// <summary>"bit-depth:B" (1..8) or "median:K" (2..7).</summary>
    /// <exception cref="ArgumentException">An unknown name or a bad parameter, said in one line.</exception>
    public static IInputTransform Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        string[] parts = spec.Trim().Split(':', 2);
        string name = parts[0].ToLowerInvariant();
        if (name is not ("bit-depth" or "median"))
            throw new ArgumentException($"unknown input transform '{spec}' (expected bit-depth:B or median:K)");
        if (parts.Length < 2 || !int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int value))
            throw new ArgumentException($"input transform '{spec}': {name} needs an integer, e.g. {(name == "median" ? "median:2" : "bit-depth:1")}");
        try
        {
            return name == "median" ? new MedianFilter(value) : new BitDepthReduction(value);
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new ArgumentException($"input transform '{spec}': {e.Message.Split(" (Parameter")[0]}", e);
        }
    }
}
