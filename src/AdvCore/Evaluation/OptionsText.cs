using System.Globalization;
using System.Reflection;
using AdvCore.Attacks;

namespace AdvCore.Evaluation;

/// <summary>An attack's options as name → text pairs (names in snake_case, numbers invariant, lists comma-separated).</summary>
public static class OptionsText
{
    /// <summary>Every public property of <paramref name="options"/> with its value.</summary>
    public static IReadOnlyDictionary<string, string> Describe(AttackOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (p.GetIndexParameters().Length > 0 || p.Name == "EqualityContract") continue;
            result[JsonNaming(p.Name)] = Format(p.GetValue(options));
        }
        return result;
    }

    private static string JsonNaming(string name) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(name);

    private static string Format(object? value) => value switch
    {
        null => "",
        bool b => b ? "true" : "false",
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable x => x.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable<float> list => string.Join(",", list.Select(v => v.ToString("R", CultureInfo.InvariantCulture))),
        _ => value.ToString() ?? "",
    };
}
