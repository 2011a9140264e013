namespace AdvCore.Cli;

/// <summary>Which exceptions are the user's problem (bad file, bad argument) and how to say it in one line.</summary>
internal static partial class CliErrors
{
    public static bool IsUserFacing(Exception e) =>
        e is ArgumentException or IOException or FormatException or AdvCoreException or InvalidOperationException
            or UnauthorizedAccessException or NotSupportedException or OperationCanceledException
            // A truncated or foreign record/metadata file: the file is bad, not the program.
            or InvalidDataException or System.Text.Json.JsonException;

    public static string Describe(Exception e) => e switch
    {
        OperationCanceledException => "cancelled",
        // Argument exceptions append "(Parameter 'x')" and "Actual value was …" on a second line: keep one line.
        ArgumentException => ParameterSuffix().Replace(e.Message.Split('\n')[0].TrimEnd('\r'), ""),
        _ => e.Message,
    };

    [System.Text.RegularExpressions.GeneratedRegex(@" \(Parameter '[^']*'\)$")]
    private static partial System.Text.RegularExpressions.Regex ParameterSuffix();
}
