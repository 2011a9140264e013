using AdvCore.Attacks;

namespace AdvCore.Defenses;

/// <summary>
/// Settings of a <see cref="SmoothedClassifier"/>: noise σ, m samples, the voting, the gradient an
/// attack sees, the random stream and the memory bound. <see cref="Validate"/> throws an
/// <see cref="ArgumentException"/> naming the bad option.
/// </summary>
public sealed record SmoothingOptions
{
    /// <summary>Standard deviation σ of the Gaussian noise N(0, σ²I) added to each copy (0: no noise).</summary>
    public float Sigma { get; init; } = 0.25f;

    /// <summary>Noisy copies m per image.</summary>
    public int Samples { get; init; } = 32;

    /// <summary>The voting function.</summary>
    public SmoothingVote Vote { get; init; } = SmoothingVote.Prediction;

    /// <summary>
    /// γ(r) of weighted voting, for ranks r = 1, 2, … (ranks past the list weigh 0). The seed's
    /// text has lost eqs. 11-12; the default (1, ½) credits the runner-up, the dependency on the
    /// second class that the seed attributes to Cohen et al.; (1) alone is prediction voting.
    /// </summary>
    public IReadOnlyList<double> RankWeights { get; init; } = [1.0, 0.5];

    /// <summary>The function of the noisy logits that <see cref="SmoothedClassifier.Gradient(Tensor, Tensor, LossKind, float)"/> differentiates.</summary>
    public ExpectationHead Head { get; init; } = ExpectationHead.MeanLogits;

    /// <summary>
    /// Noisy copies per gradient (null: <see cref="Samples"/>). One copy per step is the noisy
    /// gradient of seed 003 Appendix A (PGD through the randomized model); m is EPGD's expectation.
    /// </summary>
    public int? GradientSamples { get; init; }

    /// <summary>The copies a gradient averages over.</summary>
    public int CopiesPerGradient => GradientSamples ?? Samples;

    /// <summary>Selects the classifier's block of the context's Philox stream (the context seed keys it).</summary>
    public ulong Seed { get; init; }

    /// <summary>Most base-model inputs in one forward pass (copies × images); bounds memory for any m and N.</summary>
    public int MaxBatch { get; init; } = 4096;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        OptionChecks.NonNegative(Sigma, "sigma");
        OptionChecks.AtLeast(Samples, 1, "samples");
        if (GradientSamples is int g) OptionChecks.AtLeast(g, 1, "gradient-samples");
        OptionChecks.Defined(Vote, "vote");
        OptionChecks.Defined(Head, "head");
        OptionChecks.AtLeast(MaxBatch, 1, "max-batch");
        if (RankWeights is null || RankWeights.Count == 0)
            throw new ArgumentException("rank weights must list at least one weight (rank 1 first)", nameof(RankWeights));
        for (int r = 0; r < RankWeights.Count; r++)
            OptionChecks.NonNegative(RankWeights[r], $"rank weight {r + 1}");
        if (!(RankWeights[0] > 0)) throw new ArgumentException("the weight of rank 1 must be > 0", nameof(RankWeights));
    }

    /// <summary>Parses a vote name: prediction, soft or weighted.</summary>
    public static SmoothingVote ParseVote(string text) => text.Trim().ToLowerInvariant() switch
    {
        "prediction" or "hard" or "majority" => SmoothingVote.Prediction,
        "soft" => SmoothingVote.Soft,
        "weighted" => SmoothingVote.Weighted,
        _ => throw new ArgumentException($"unknown vote '{text}' (expected prediction, soft or weighted)"),
    };
}
