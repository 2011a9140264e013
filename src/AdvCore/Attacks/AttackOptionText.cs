using System.Globalization;
using System.Reflection;
using System.Text.Json;

namespace AdvCore.Attacks;

/// <summary>
/// The one reflection path over an options record: reading it as name → text (the result
/// record's "options") and setting an option by name from text (the CLI's --param name=value).
/// Names match properties ignoring case, '-' and '_'; numbers use the invariant culture; lists
/// are comma-separated; enums take their names.
/// </summary>
public static class AttackOptionText
{
    /// <summary>The settable options of <paramref name="type"/> (an <see cref="AttackOptions"/> record), by property name.</summary>
    public static IReadOnlyList<PropertyInfo> Properties(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return [.. type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                       .Where(p => p.CanWrite && p.GetIndexParameters().Length == 0 && p.Name != "EqualityContract")
                       .OrderBy(p => p.Name, StringComparer.Ordinal)];
    }

    /// <summary>Every option of <paramref name="options"/> with its value as text, names in snake_case.</summary>
    public static IReadOnlyDictionary<string, string> Describe(AttackOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in Properties(options.GetType()))
            result[JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name)] = Format(p.GetValue(options));
        return result;
    }

    /// <summary>The CLI name of an option (kebab-case), e.g. GammaMin → gamma-min.</summary>
    public static string CliName(PropertyInfo property)
    {
        ArgumentNullException.ThrowIfNull(property);
        return JsonNamingPolicy.KebabCaseLower.ConvertName(property.Name);
    }

    /// <summary>A copy of <paramref name="options"/> with <paramref name="name"/> set to <paramref name="value"/>.</summary>
    /// <exception cref="ArgumentException">No such option, or a value that does not parse.</exception>
    public static AttackOptions With(AttackOptions options, string name, string value)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        var type = options.GetType();
        string key = Key(name);
        var properties = Properties(type);
        var property = properties.FirstOrDefault(p => Key(p.Name) == key)
            ?? throw new ArgumentException($"{type.Name} has no option '{name}' (options: {string.Join(", ", properties.Select(CliName))})", nameof(name));
        object parsed = Parse(property.PropertyType, value, name);
        // Records: clone through the compiler's copy constructor, then set the init-only property.
        var clone = (AttackOptions)type.GetMethod("<Clone>$")!.Invoke(options, null)!;
        property.SetValue(clone, parsed);
        return clone;
    }

    /// <summary>A value as the record and the CLI write it.</summary>
    public static string Format(object? value) => value switch
    {
        null => "",
        bool b => b ? "true" : "false",
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable x => x.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable<float> list => string.Join(",", list.Select(v => v.ToString("R", CultureInfo.InvariantCulture))),
        _ => value.ToString() ?? "",
    };

    private static string Key(string name) => name.Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal).ToLowerInvariant();

    private static object Parse(Type type, string text, string name)
    {
        var inner = Nullable.GetUnderlyingType(type);
        if (inner is not null) return Parse(inner, text, name);
        try
        {
            if (type == typeof(int)) return int.Parse(text, CultureInfo.InvariantCulture);
            if (type == typeof(long)) return long.Parse(text, CultureInfo.InvariantCulture);
            if (type == typeof(ulong)) return ulong.Parse(text, CultureInfo.InvariantCulture);
            if (type == typeof(float)) return float.Parse(text, CultureInfo.InvariantCulture);
            if (type == typeof(double)) return double.Parse(text, CultureInfo.InvariantCulture);
            if (type == typeof(bool)) return bool.Parse(text);
            if (type.IsEnum) return Enum.Parse(type, text.Replace("-", "", StringComparison.Ordinal), ignoreCase: true);
            if (type == typeof(IReadOnlyList<float>))
                return text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                           .Select(t => float.Parse(t, CultureInfo.InvariantCulture)).ToArray();
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw new ArgumentException($"option '{name}': cannot read '{text}' as {type.Name}", nameof(text), e);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"option '{name}': '{text}' is not one of {string.Join(", ", type.IsEnum ? Enum.GetNames(type) : [])}", nameof(text), e);
        }
        throw new ArgumentException($"option '{name}' of type {type.Name} cannot be set from text", nameof(name));
    }
}
