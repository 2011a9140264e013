namespace AdvCore.Cli;

/// <summary>Which exceptions are the user's problem (bad file, bad argument) and how to say it in one line.</summary>
internal static class CliErrors
{
    public static bool IsUserFacing(Exception e) =>
        e is ArgumentException or IOException or FormatException or AdvCoreException or InvalidOperationException
            or UnauthorizedAccessException or NotSupportedException or OperationCanceledException;

    public static string Describe(Exception e) => e switch
    {
        OperationCanceledException => "cancelled",
        _ => e.Message,
    };
}
