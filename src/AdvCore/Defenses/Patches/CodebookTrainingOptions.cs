namespace AdvCore.Defenses.Patches;

/// <summary>What <see cref="CodebookTrainer"/> learns and from how many training patches.</summary>
public sealed record CodebookTrainingOptions
{
    /// <summary>Feature layer (0 = the image; L ≥ 1 the L-th convolution block).</summary>
    public int Layer { get; init; }

    /// <summary>Slice depth d, patch side p = 2a+1, stride c.</summary>
    public PatchGeometry Geometry { get; init; } = new(1, 3, 1);

    /// <summary>k-means: K, iterations, seed.</summary>
    public KMeansOptions KMeans { get; init; } = new();

    /// <summary>Training patches per centroid and slice (faiss's default cap is 256).</summary>
    public int PatchesPerCentroid { get; init; } = 256;

    /// <summary>Images per forward batch while collecting patches.</summary>
    public int Batch { get; init; } = 500;

    /// <exception cref="ArgumentException">A value out of range.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(Layer);
        KMeans.Validate();
        if (PatchesPerCentroid < 1) throw new ArgumentException($"patches per centroid must be >= 1 (got {PatchesPerCentroid})");
        if (Batch < 1) throw new ArgumentException($"the batch must be >= 1 (got {Batch})");
    }
}
