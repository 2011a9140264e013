namespace AdvCore.Attacks;

/// <summary>
/// The outcome of one attack over a batch. <see cref="Adversarials"/> holds, per image, the
/// least-distorted successful adversarial example the attack found (after quantisation when
/// <see cref="Quantized"/>), or its last attempt when it failed. <see cref="Success"/> and
/// <see cref="AdversarialLabels"/> come from a fresh prediction on exactly those images; the
/// distortions are measured on them against the originals (in float64). Dispose the result to
/// release the tensor.
/// </summary>
public sealed class AttackResult : IDisposable
{
    internal AttackResult(string attack, Tensor adversarials, int[] labels, int[] adversarialLabels,
                          double[] l2, double[] linf, int[] l0, long[] gradients, float[] budgets,
                          bool quantized, TimeSpan elapsed)
    {
        Attack = attack;
        Adversarials = adversarials;
        Labels = labels;
        AdversarialLabels = adversarialLabels;
        L2 = l2;
        Linf = linf;
        L0 = l0;
        Gradients = gradients;
        Budgets = budgets;
        Quantized = quantized;
        Elapsed = elapsed;
        Success = new bool[labels.Length];
        for (int i = 0; i < labels.Length; i++) Success[i] = adversarialLabels[i] != labels[i];
    }

    /// <summary>The attack's name (as <see cref="AttackFactory"/> knows it).</summary>
    public string Attack { get; }

    /// <summary>Adversarial images [N, ...], owned by this result.</summary>
    public Tensor Adversarials { get; }

    /// <summary>Number of images N.</summary>
    public int Count => Labels.Length;

    /// <summary>True labels.</summary>
    public int[] Labels { get; }

    /// <summary>Predicted class of each returned image.</summary>
    public int[] AdversarialLabels { get; }

    /// <summary>Whether the returned image is misclassified (AdversarialLabels ≠ Labels).</summary>
    public bool[] Success { get; }

    /// <summary>‖y − x‖₂ of the returned image.</summary>
    public double[] L2 { get; }

    /// <summary>‖y − x‖∞ of the returned image.</summary>
    public double[] Linf { get; }

    /// <summary>Number of elements that differ by more than half a grid step (1/510).</summary>
    public int[] L0 { get; }

    /// <summary>Gradient evaluations spent on each image.</summary>
    public long[] Gradients { get; }

    /// <summary>For distortion-targeted attacks, the budget ε whose run gave the returned success (NaN otherwise).</summary>
    public float[] Budgets { get; }

    /// <summary>Whether the images are on the 8-bit grid.</summary>
    public bool Quantized { get; }

    /// <summary>Wall-clock time of the attack.</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>Fraction of images where the attack succeeded.</summary>
    public double SuccessRate => Count == 0 ? 0 : Success.Count(s => s) / (double)Count;

    /// <summary>Copies the adversarial images to a new host array [N·d].</summary>
    public float[] CopyAdversarials() => Adversarials.ToArray();

    /// <summary>Releases <see cref="Adversarials"/>.</summary>
    public void Dispose() => Adversarials.Dispose();
}
