using System.Globalization;
using System.Reflection;

namespace AdvCore.Attacks;

/// <summary>
/// Sets an option of an options record by name from text (the CLI's name=value pairs): names
/// match properties ignoring case, '-' and '_'; numbers use the invariant culture; lists are
/// comma-separated; enums take their names.
/// </summary>
public static class OptionSetter
{
    /// <summary>A copy of <paramref name="options"/> with <paramref name="name"/> set to <paramref name="value"/>.</summary>
    /// <exception cref="ArgumentException">No such option, or a value that does not parse.</exception>
    public static AttackOptions With(AttackOptions options, string name, string value)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        var type = options.GetType();
        string key = Key(name);
        var property = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                           .FirstOrDefault(p => p.CanWrite && Key(p.Name) == key);
        if (property is null)
        {
            var known = type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).Select(p => p.Name);
            throw new ArgumentException($"{type.Name} has no option '{name}' (options: {string.Join(", ", known)})", nameof(name));
        }
        object parsed = Parse(property.PropertyType, value, name);
        // Records: clone through the compiler's copy constructor, then set the init-only property.
        var clone = (AttackOptions)type.GetMethod("<Clone>$")!.Invoke(options, null)!;
        property.SetValue(clone, parsed);
        return clone;
    }

    private static string Key(string name) => name.Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal).ToLowerInvariant();

    private static object Parse(Type type, string text, string name)
    {
        var inner = Nullable.GetUnderlyingType(type);
        if (inner is not null) return Parse(inner, text, name);
        try
        {
            if (type == typeof(int)) return int.Parse(text, CultureInfo.InvariantCulture);
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
