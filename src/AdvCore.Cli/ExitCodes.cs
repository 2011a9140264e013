namespace AdvCore.Cli;

/// <summary>
/// The exit codes of <c>advcore</c> (README "Exit codes"): scripts and CI tell a bad input from a
/// bad command line, a file-system failure and an interrupted run by them.
/// </summary>
internal static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>A user error: bad file content, bad option value, a run that cannot go on.</summary>
    public const int UserError = 1;

    /// <summary>The command line does not parse (unknown option, missing argument, not a number).</summary>
    public const int Usage = 2;

    /// <summary>Reading or writing a file failed (missing file, unwritable folder, disk full).</summary>
    public const int IO = 3;

    /// <summary>Stopped by SIGINT/SIGTERM (128 + SIGINT); the partial work was kept where the command says.</summary>
    public const int Interrupted = 130;
}
