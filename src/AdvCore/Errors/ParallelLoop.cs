using System.Runtime.ExceptionServices;

namespace AdvCore;

/// <summary>
/// <see cref="Parallel.For(int, int, Action{int})"/> that throws the body's own exception instead of an
/// <see cref="AggregateException"/>, so callers see the documented type (a
/// <see cref="Data.DatasetFormatException"/>, an <see cref="ArgumentException"/>) with its original stack.
/// </summary>
internal static class ParallelLoop
{
    /// <summary>
    /// Runs <paramref name="body"/> for every index in [<paramref name="from"/>, <paramref name="to"/>);
    /// on failure rethrows the exception of the lowest failing index, whatever the thread timing.
    /// </summary>
    internal static void For(int from, int to, Action<int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var errors = new Exception?[Math.Max(0, to - from)];
        // Break (not Stop) still runs every lower index, so the lowest failing one always runs and is reported.
        Parallel.For(from, to, (i, state) =>
        {
            try { body(i); }
            catch (Exception e)
            {
                errors[i - from] = e;
                state.Break();
            }
        });
        if (Array.Find(errors, e => e is not null) is { } first) ExceptionDispatchInfo.Throw(first);
    }
}
