using System.Globalization;
using AdvCore.Attacks;

namespace AdvCore.Cli;

/// <summary>Comma-separated option values (σ lists, m lists) and norm names, refused with the option's name.</summary>
internal static class ListParse
{
    /// <summary>Numbers ≥ 0 (or &gt; 0 without <paramref name="allowZero"/>).</summary>
    public static IReadOnlyList<float> Floats(string text, string option, bool allowZero)
    {
        var list = new List<float>();
        foreach (string part in Parts(text, option))
        {
            if (!float.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) || !float.IsFinite(v) || v < 0 || (!allowZero && v == 0))
                throw new ArgumentException($"{option} expects a comma-separated list of numbers {(allowZero ? ">= 0" : "> 0")} (got '{part}')");
            list.Add(v);
        }
        return list;
    }

    /// <summary>Integers ≥ 1.</summary>
    public static IReadOnlyList<int> Ints(string text, string option)
    {
        var list = new List<int>();
        foreach (string part in Parts(text, option))
        {
            if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v < 1)
                throw new ArgumentException($"{option} expects a comma-separated list of integers >= 1 (got '{part}')");
            list.Add(v);
        }
        return list;
    }

    /// <summary>l2 or linf.</summary>
    public static AttackNorm Norm(string text, string option) => text.Trim().ToLowerInvariant() switch
    {
        "l2" => AttackNorm.L2,
        "linf" or "l∞" or "inf" => AttackNorm.Linf,
        _ => throw new ArgumentException($"{option} must be l2 or linf (got '{text}')"),
    };

    private static string[] Parts(string text, string option)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0) throw new ArgumentException($"{option} lists nothing");
        return parts;
    }
}
