using Spectre.Console;

namespace AdvCore.Cli;

/// <summary>
/// Progress for long work: a live Spectre bar on a terminal, or a plain line every tenth of the
/// way when the output is a log (CI, a pipe), so progress is visible either way.
/// </summary>
internal static class ProgressLine
{
    public static T Run<T>(string title, Func<Action<double, string>, T> work)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive || Console.IsOutputRedirected)
        {
            int lastTenth = -1;
            return work((fraction, status) =>
            {
                int tenth = (int)(Math.Clamp(fraction, 0, 1) * 10);
                if (tenth == lastTenth) return;
                lastTenth = tenth;
                Console.WriteLine($"{title}: {fraction,4:P0} {status}");
            });
        }
        T result = default!;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(title), maxValue: 1.0);
                result = work((fraction, status) =>
                {
                    task.Value = Math.Clamp(fraction, 0, 1);
                    task.Description = Markup.Escape($"{title} {status}");
                });
                task.Value = 1.0;
            });
        return result;
    }
}
