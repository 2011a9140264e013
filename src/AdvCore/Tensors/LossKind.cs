namespace AdvCore;

/// <summary>Per-sample losses on logits (<c>ac_loss</c>).</summary>
public enum LossKind
{
    /// <summary>Cross-entropy; the parameter is label smoothing in [0, 1).</summary>
    CrossEntropy = 0,
    /// <summary>log p(label) − max_{k≠label} log p(k) (thesis eq. 2.8); negative iff misclassified.</summary>
    LogProbMargin = 1,
    /// <summary>[u(label) − max_{k≠label} u(k) + μ]₊ on logits u (thesis eq. 2.19); the parameter is μ ≥ 0.</summary>
    CwMargin = 2,
}
