namespace AdvCore.Training;

/// <summary>
/// The step size of each optimizer step as a function of the step's position in the run. A pure
/// function of (step, total steps), so a resumed run takes exactly the steps an uninterrupted one would.
/// </summary>
public static class LearningRateSchedule
{
    /// <summary>A fixed rate (the thesis's recipe).</summary>
    public const string Constant = "constant";

    /// <summary>Half a cosine from the base rate down towards 0 over the whole run (Loshchilov &amp; Hutter, no restarts).</summary>
    public const string Cosine = "cosine";

    /// <summary>Names accepted by <see cref="Rate"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = [Constant, Cosine];

    /// <summary>
    /// The rate for 0-based <paramref name="step"/> of <paramref name="totalSteps"/>: the first step
    /// gets <paramref name="baseRate"/>; under the cosine schedule the last gets a small positive rate.
    /// </summary>
    public static float Rate(string schedule, float baseRate, long step, long totalSteps)
    {
        if (totalSteps < 1 || step < 0 || step >= totalSteps)
            throw new InvalidArgumentException($"step {step} is outside a run of {totalSteps} steps");
        return schedule switch
        {
            Constant => baseRate,
            Cosine => (float)(baseRate * 0.5 * (1 + Math.Cos(Math.PI * step / totalSteps))),
            _ => throw new InvalidArgumentException($"learning-rate schedule must be one of {string.Join(", ", Names)} (got '{schedule}')"),
        };
    }
}
