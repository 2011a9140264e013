namespace AdvCore.Attacks;

/// <summary>
/// The outcome of one attack over a batch (Foolbox-grade). <see cref="Adversarials"/> holds, per
/// image, the least-distorted candidate that met the criterion, after rounding to the 8-bit grid
/// when <see cref="Quantized"/> (else clipped to [0,1]); <see cref="Raw"/> the same candidate as
/// the attack produced it. Failed images return their last attempt, flagged by
/// <see cref="Success"/> = false. <see cref="Success"/> and <see cref="AdversarialLabels"/> come
/// from a fresh prediction on exactly the returned images; the distortions are measured on them
/// against the originals (in float64). Budgeted attacks add the per-budget success matrix.
/// Dispose the result to release its tensors.
/// </summary>
public sealed class AttackResult : IDisposable
{
    internal AttackResult(string attack, Tensor adversarials, Tensor raw, Criterion criterion, int[] adversarialLabels, bool[] success,
                          double[] l2, double[] linf, int[] l0, long[] gradients, long[] forwards, float[] budgets,
                          bool quantized, TimeSpan elapsed)
    {
        Attack = attack;
        Adversarials = adversarials;
        Raw = raw;
        Criterion = criterion;
        AdversarialLabels = adversarialLabels;
        Success = success;
        L2 = l2;
        Linf = linf;
        L0 = l0;
        Gradients = gradients;
        Forwards = forwards;
        Budgets = budgets;
        Quantized = quantized;
        Elapsed = elapsed;
    }

    /// <summary>The attack's name (as <see cref="AttackRegistry"/> knows it).</summary>
    public string Attack { get; }

    /// <summary>Adversarial images [N, ...] as returned (8-bit grid or clipped), owned by this result.</summary>
    public Tensor Adversarials { get; }

    /// <summary>The same candidates before rounding or clipping [N, ...], owned by this result.</summary>
    public Tensor Raw { get; }

    /// <summary>The criterion the attack ran under.</summary>
    public Criterion Criterion { get; }

    /// <summary>Number of images N.</summary>
    public int Count => Labels.Length;

    /// <summary>True labels.</summary>
    public int[] Labels => Criterion.Labels;

    /// <summary>Target labels (targeted criteria), else null.</summary>
    public int[]? Targets => Criterion.Targets;

    /// <summary>Predicted class of each returned image.</summary>
    public int[] AdversarialLabels { get; }

    /// <summary>Whether the returned image meets the criterion (a fresh prediction on it).</summary>
    public bool[] Success { get; }

    /// <summary>‖y − x‖₂ of the returned image.</summary>
    public double[] L2 { get; }

    /// <summary>‖y − x‖∞ of the returned image.</summary>
    public double[] Linf { get; }

    /// <summary>Number of elements that differ by more than half a grid step (1/510).</summary>
    public int[] L0 { get; }

    /// <summary>Gradient evaluations (forward + backward) charged to each image.</summary>
    public long[] Gradients { get; }

    /// <summary>Forward-only passes charged to each image.</summary>
    public long[] Forwards { get; }

    /// <summary>Propagations per image: 2·gradients + forwards.</summary>
    public long Propagations(int i) => 2 * Gradients[i] + Forwards[i];

    /// <summary>For budgeted attacks, the budget ε whose run gave the returned success (NaN otherwise).</summary>
    public float[] Budgets { get; }

    /// <summary>Budgeted attacks: the budgets ε in the order they ran (ascending); empty otherwise.</summary>
    public IReadOnlyList<float> BudgetList { get; init; } = [];

    /// <summary>Budgeted attacks: [image, budget] = some candidate of that budget met the criterion (judged on its rounded image).</summary>
    public bool[,] SuccessPerBudget { get; init; } = new bool[0, 0];

    /// <summary>With <see cref="AttackRunSettings.KeepPerBudget"/>: per budget, [N, ...] images (its first success, else its last candidate), owned by this result.</summary>
    public IReadOnlyList<Tensor>? PerBudget { get; init; }

    /// <summary>Whether the propagation cap stopped the attack before its end.</summary>
    public bool BudgetExhausted { get; init; }

    /// <summary>With <see cref="AttackRunSettings.TrackQueries"/>: per image, the L2 of the least-distorted query point that met the criterion (+inf: none).</summary>
    public double[]? QueryBestL2 { get; init; }

    /// <summary>Whether the images are on the 8-bit grid.</summary>
    public bool Quantized { get; }

    /// <summary>Wall-clock time of the attack.</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>Fraction of images where the attack succeeded.</summary>
    public double SuccessRate => Count == 0 ? 0 : Success.Count(s => s) / (double)Count;

    /// <summary>Copies the adversarial images to a new host array [N·d].</summary>
    public float[] CopyAdversarials() => Adversarials.ToArray();

    /// <summary>Releases the result's tensors.</summary>
    public void Dispose()
    {
        Adversarials.Dispose();
        Raw.Dispose();
        if (PerBudget is not null) foreach (var t in PerBudget) t.Dispose();
    }
}
