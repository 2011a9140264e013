namespace AdvCore.Defenses;

/// <summary>How a smoothed classifier turns m noisy predictions into one (seed 003 §3).</summary>
public enum SmoothingVote
{
    /// <summary>Majority of the m argmaxes (eq. 10); the score of class k is its vote share.</summary>
    Prediction = 0,
    /// <summary>Mean of the m softmax probability vectors (eq. 13).</summary>
    Soft = 1,
    /// <summary>Each sample gives class k the weight γ(rank of k) (eqs. 11-12); see <see cref="SmoothingOptions.RankWeights"/>.</summary>
    Weighted = 2,
}

/// <summary>Which function of the m noisy logits a smoothed classifier differentiates for an attack.</summary>
public enum ExpectationHead
{
    /// <summary>EPGD (seed 003 eq. 24): the loss of the mean logits (1/m)Σ z(x + δ_j).</summary>
    MeanLogits = 0,
    /// <summary>Salman et al. 2019 (seed 003 eq. 25): cross-entropy of the mean softmax (1/m)Σ softmax(z(x + δ_j)).</summary>
    MeanSoftmax = 1,
    /// <summary>Expectation over transformation: the mean of the m per-copy losses (and gradients).</summary>
    MeanLoss = 2,
}
