namespace AdvCore.Attacks;

/// <summary>
/// APGD, Auto-PGD (Croce &amp; Hein, ICML 2020), with the defaults of AutoAttack's
/// <c>autopgd_base.py</c>: 100 iterations, 1 restart, ρ = 0.75, momentum α = 0.75, initial step 2ε,
/// a random start in the ε-ball, run for every budget ε like PGD.
/// </summary>
public sealed record ApgdOptions : AttackOptions
{
    /// <summary>The budget's norm (L∞ or L2).</summary>
    public AttackNorm Norm { get; init; } = AttackNorm.Linf;

    /// <summary>Budgets ε in <see cref="Norm"/> (for L2, set an L2 list such as <see cref="Budgets.MnistL2"/>).</summary>
    public IReadOnlyList<float> Epsilons { get; init; } = Budgets.MnistLinf;

    /// <summary>N_iter, the iterations per restart (each restart spends N_iter + 1 gradients).</summary>
    public int Iterations { get; init; } = 100;

    /// <summary>Random restarts per budget.</summary>
    public int Restarts { get; init; } = 1;

    /// <summary>ρ: the step is halved when at most a fraction ρ of the steps since the last checkpoint increased the loss.</summary>
    public float Rho { get; init; } = 0.75f;

    /// <summary>α of the momentum update x_{k+1} = P(x_k + α(z_{k+1} − x_k) + (1 − α)(x_k − x_{k−1})), from the second iteration on.</summary>
    public float Momentum { get; init; } = 0.75f;

    /// <summary>The loss increased: cross-entropy (apgd-ce) or DLR (apgd-dlr; LossKind.Dlr, Croce &amp; Hein eq. 6).</summary>
    public LossKind Loss { get; init; } = LossKind.CrossEntropy;

    /// <summary>The initial step as a multiple of ε (AutoAttack: 2ε for L∞ and L2).</summary>
    public const float InitialStepFactor = 2f;

    /// <summary>The checkpoints w_j of <see cref="Iterations"/>: see <see cref="CheckpointsFor"/>.</summary>
    public IReadOnlyList<int> Checkpoints => CheckpointsFor(Iterations);

    /// <summary>
    /// The checkpoints w_0 = 0 &lt; w_1 &lt; … ≤ N_iter (iterations done when the step size is checked),
    /// in AutoAttack's integer form of p_0 = 0, p_1 = 0.22, p_{j+1} = p_j + max(p_j − p_{j−1} − 0.03, 0.06):
    /// the first window is max(⌊0.22 N⌋, 1) iterations and each next one is the previous minus
    /// max(⌊0.03 N⌋, 1), at least max(⌊0.06 N⌋, 1). N = 100: 0, 22, 41, 57, 70, 80, 87, 93, 99.
    /// (⌈p_j N⌉ in floating point would give 23 for 0.22·100 = 22.000000000000004.)
    /// </summary>
    public static IReadOnlyList<int> CheckpointsFor(int iterations)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        int window = Math.Max((int)(0.22 * iterations), 1);
        int minWindow = Math.Max((int)(0.06 * iterations), 1);
        int decrease = Math.Max((int)(0.03 * iterations), 1);
        var points = new List<int> { 0 };
        for (int w = window; w <= iterations; w += window)
        {
            points.Add(w);
            window = Math.Max(window - decrease, minWindow);
        }
        return points;
    }

    /// <inheritdoc />
    public override void Validate()
    {
        OptionChecks.Defined(Norm, nameof(Norm));
        OptionChecks.Budgets(Epsilons, nameof(Epsilons));
        OptionChecks.AtLeast(Iterations, 1, nameof(Iterations));
        OptionChecks.AtLeast(Restarts, 1, nameof(Restarts));
        OptionChecks.InRange(Rho, 0, 1, nameof(Rho));
        OptionChecks.InRange(Momentum, 0, 1, nameof(Momentum), loOpen: true);
        if (!Apgd.Increases(Loss))
            throw new ArgumentOutOfRangeException(nameof(Loss), Loss, $"Loss must be one APGD increases ({string.Join(" or ", Apgd.Losses)}), got {Loss}");
    }
}
