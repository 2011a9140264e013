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
    /// <summary>
    /// Targeted C&amp;W margin on logits z with labels = target classes t:
    /// J = [max_{j≠t} z_j − z_t + μ]₊, the parameter is μ ≥ 0. Gradient e_j − e_t where the
    /// bracket is positive (j = first maximiser over j ≠ t), 0 at and below the kink.
    /// The attack decreases it (targeted C&amp;W / BP).
    /// </summary>
    CwMarginTargeted = 3,
    /// <summary>
    /// Difference of logits ratio (Croce &amp; Hein, ICML 2020, eq. 6; AutoAttack's <c>dlr_loss</c>),
    /// labels = true classes y, needs K ≥ 3:
    /// DLR = −(z_y − max_{j≠y} z_j) / (z_π1 − z_π3 + 1e-12), where z_π1 ≥ z_π2 ≥ z_π3 are the
    /// largest logits. The gradient is exact (it includes the denominator's). The parameter is
    /// ignored (any finite value). The attack increases it (APGD-DLR).
    /// Ties: π is a stable descending sort (equal logits keep index order), and the max over
    /// j ≠ y takes the first maximiser; at ties the gradient is that order's one-sided derivative.
    /// </summary>
    Dlr = 4,
    /// <summary>
    /// Targeted DLR (AutoAttack's <c>dlr_loss_targeted</c>), needs K ≥ 4. Labels are i32 [N, 2]
    /// holding (y_i, t_i) per row (true class, target class, t_i ≠ y_i), unlike every other loss:
    /// DLR_t = −(z_y − z_t) / (z_π1 − (z_π3 + z_π4)/2 + 1e-12), π as for <see cref="Dlr"/>.
    /// Exact gradient; the parameter is ignored. The attack increases it (APGD-T).
    /// </summary>
    DlrTargeted = 5,
}
