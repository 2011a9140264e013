using System.Reflection;
using System.Text.Json;

namespace AdvCore.Cli;

/// <summary>
/// Turns any exception into one line and an exit code (<see cref="ExitCodes"/>): the real error
/// under an <see cref="AggregateException"/> (a <c>Parallel</c> loop) or a reflection wrapper, a
/// clear message for what the user can fix, and "internal error" naming the type for the rest.
/// </summary>
internal static partial class CliErrors
{
    /// <summary>Whether <paramref name="e"/> (once unwrapped) is the user's problem (bad file, bad argument) rather than a bug.</summary>
    public static bool IsUserFacing(Exception e) =>
        Unwrap(e) is ArgumentException or IOException or FormatException or AdvCoreException or InvalidOperationException
            or UnauthorizedAccessException or NotSupportedException or OperationCanceledException or InvalidDataException
            or JsonException or OverflowException;

    /// <summary>The exception that says what went wrong: the first inner one of an aggregate or invocation wrapper.</summary>
    public static Exception Unwrap(Exception e)
    {
        while (true)
        {
            switch (e)
            {
                case AggregateException { InnerExceptions.Count: > 0 } aggregate:
                    e = aggregate.Flatten().InnerExceptions[0];
                    break;
                case TargetInvocationException { InnerException: { } inner }:
                    e = inner;
                    break;
                case TypeInitializationException { InnerException: { } inner }:
                    e = inner;
                    break;
                default:
                    return e;
            }
        }
    }

    /// <summary>The exit code for <paramref name="e"/>: 130 interrupted, 3 file-system failure, 1 otherwise.</summary>
    public static int ExitCode(Exception e) => Unwrap(e) switch
    {
        OperationCanceledException => ExitCodes.Interrupted,
        // A truncated or malformed file is bad input (1), not a failing disk.
        EndOfStreamException or InvalidDataException or AdvCore.IO.SafeTensorsFormatException or AdvCore.Onnx.OnnxFormatException
            or AdvCore.Onnx.OnnxUnsupportedException => ExitCodes.UserError,
        IOException or UnauthorizedAccessException => ExitCodes.IO,
        _ => ExitCodes.UserError,
    };

    /// <summary>One line saying what went wrong.</summary>
    public static string Describe(Exception e)
    {
        e = Unwrap(e);
        string text = e switch
        {
            OperationCanceledException => "interrupted",
            FileNotFoundException { FileName: { } file } => $"{file}: no such file",
            // .NET names the path only inside its sentence: "Could not find a part of the path '…'."
            DirectoryNotFoundException when QuotedPath().Match(e.Message) is { Success: true } m => $"{m.Groups[1].Value}: no such file or folder",
            // Argument exceptions append "(Parameter 'x')" and "Actual value was …" on a second line: keep one line.
            ArgumentException => ParameterSuffix().Replace(e.Message.Split('\n')[0].TrimEnd('\r'), ""),
            _ when IsUserFacing(e) => e.Message,
            _ => $"internal error ({e.GetType().Name}): {e.Message} (set ADVCORE_DEBUG=1 for the stack trace; please report it)",
        };
        return OneLine(text);
    }

    /// <summary>A command-line parse error in the user's words: .NET type names become what the option expects.</summary>
    public static string Usage(string message)
    {
        foreach (var (type, words) in ExpectedTypes) message = message.Replace($"as expected type '{type}'", $"as {words}");
        return message;
    }

    private static readonly (string Type, string Words)[] ExpectedTypes =
    [
        ("System.Int32", "an integer"), ("System.Int64", "an integer"), ("System.UInt64", "a non-negative integer"),
        ("System.Single", "a number"), ("System.Double", "a number"), ("System.Boolean", "true or false"),
    ];

    private static string OneLine(string text) =>
        string.Join("; ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    [System.Text.RegularExpressions.GeneratedRegex(@"'([^']+)'")]
    private static partial System.Text.RegularExpressions.Regex QuotedPath();

    [System.Text.RegularExpressions.GeneratedRegex(@" \(Parameter '[^']*'\)$")]
    private static partial System.Text.RegularExpressions.Regex ParameterSuffix();
}
