namespace AdvCore.Defenses.Patches;

/// <summary>Parameters of one k-means run (Lloyd iterations from a k-means++ seeding).</summary>
public sealed record KMeansOptions
{
    /// <summary>Centroids K.</summary>
    public int Clusters { get; init; } = 256;

    /// <summary>Lloyd iterations (assign, then move every centroid to the mean of its points).</summary>
    public int Iterations { get; init; } = 20;

    /// <summary>Seeds the k-means++ draws; equal seeds give bit-identical codebooks.</summary>
    public ulong Seed { get; init; }

    /// <summary>
    /// k-means++ picks its K seeds from a random subsample of this many points per centroid (its cost
    /// is K² × factor × dim instead of K × n × dim; scikit-learn and faiss subsample for the same reason).
    /// </summary>
    public int SeedingSamplesPerCentroid { get; init; } = 16;

    /// <exception cref="ArgumentException">A value out of range, said in one line.</exception>
    public void Validate()
    {
        if (Clusters < 1) throw new ArgumentException($"K must be >= 1 (got {Clusters})");
        if (Iterations < 0) throw new ArgumentException($"k-means iterations must be >= 0 (got {Iterations})");
        if (SeedingSamplesPerCentroid < 1) throw new ArgumentException($"seeding samples per centroid must be >= 1 (got {SeedingSamplesPerCentroid})");
    }
}
