using System.Text.Json;
using System.Text.RegularExpressions;

namespace AdvCore.IO;

/// <summary>
/// System.Text.Json's errors in a user's words: the reader's sentence without its trailing
/// "Path: … | LineNumber: … | BytePositionInLine: …", a type mismatch without our .NET type names,
/// and the place as "line L, byte B" (1-based), with the JSON path when there is one.
/// </summary>
internal static partial class JsonErrors
{
    public static string Describe(JsonException e)
    {
        string sentence = Location().Replace(e.Message, "").Trim();
        if (sentence.StartsWith("The JSON value could not be converted to ", StringComparison.Ordinal))
            sentence = "a value of the wrong type";
        sentence = sentence.TrimEnd('.');
        string where = e.LineNumber is { } line ? $"line {line + 1}, byte {(e.BytePositionInLine ?? 0) + 1}" : "";
        if (!string.IsNullOrEmpty(e.Path) && e.Path != "$") where = where.Length > 0 ? $"{where}, at {e.Path}" : $"at {e.Path}";
        return where.Length > 0 ? $"{sentence} ({where})" : sentence;
    }

    [GeneratedRegex(@"\s*(Path: .*|LineNumber: .*)$", RegexOptions.Singleline)]
    private static partial Regex Location();
}
