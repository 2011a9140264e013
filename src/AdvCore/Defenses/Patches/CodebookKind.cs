namespace AdvCore.Defenses.Patches;

/// <summary>How a patch codebook quantizes (thesis §6.3.2).</summary>
public enum CodebookKind
{
    /// <summary>Product quantization: one k-means codebook of K centroids per slice, learned from training patches.</summary>
    KMeans,

    /// <summary>The E8 lattice at a scale s: each pixel's 8 channels go to the nearest point of s·E8; nothing to learn.</summary>
    E8,
}
