namespace AdvCore.Defenses.Patches;

/// <summary>
/// One finished Lloyd iteration: <paramref name="Error"/> is the mean squared distance of every
/// point to its nearest centroid after the update (never above the previous iteration's);
/// <paramref name="Reseeded"/> empty clusters got a new centroid.
/// </summary>
public sealed record KMeansStep(int Iteration, int Iterations, double Error, int Reseeded, double Seconds);
