namespace AdvCore.Evaluation;

/// <summary>How a run picks the target of each image (the CLI's --target).</summary>
public enum TargetMode
{
    /// <summary>Untargeted: success is leaving the true label.</summary>
    None = 0,
    /// <summary>A uniformly random other class, a pure function of (seed, dataset index), so shards and resumed runs agree.</summary>
    Random = 1,
    /// <summary>The least likely class of the clean image (argmin of its logits).</summary>
    LeastLikely = 2,
    /// <summary>One fixed label for every image; images of that class are not attacked.</summary>
    Label = 3,
}

/// <summary>The target choice of a run: a mode, the label for <see cref="TargetMode.Label"/>, a seed for <see cref="TargetMode.Random"/>.</summary>
/// <param name="Mode">How targets are picked.</param>
/// <param name="Label">The fixed target of <see cref="TargetMode.Label"/>.</param>
/// <param name="Seed">The seed of <see cref="TargetMode.Random"/>.</param>
public readonly record struct TargetSelection(TargetMode Mode, int Label = 0, ulong Seed = 0)
{
    /// <summary>Untargeted.</summary>
    public static TargetSelection None => default;

    /// <summary>Reads the CLI's form: random | least-likely | LABEL (an integer class).</summary>
    /// <exception cref="ArgumentException">Anything else.</exception>
    public static TargetSelection Parse(string text, ulong seed = 0)
    {
        ArgumentNullException.ThrowIfNull(text);
        string t = text.Trim().ToLowerInvariant();
        if (t is "random") return new(TargetMode.Random, 0, seed);
        if (t is "least-likely" or "leastlikely" or "ll") return new(TargetMode.LeastLikely);
        if (int.TryParse(t, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int label))
            return new(TargetMode.Label, label);
        throw new ArgumentException($"--target must be random, least-likely or a class label, not '{text}'");
    }

    /// <summary>"targeted (random)", "targeted (least-likely)", "targeted (label 3)" or "untargeted".</summary>
    public string Describe() => Mode switch
    {
        TargetMode.None => "untargeted",
        TargetMode.Random => "targeted (random)",
        TargetMode.LeastLikely => "targeted (least-likely)",
        _ => $"targeted (label {Label})",
    };

    /// <summary>The target of the image at dataset index <paramref name="index"/> with true label <paramref name="label"/> and clean logits <paramref name="logits"/>; −1 when it is not attacked.</summary>
    internal int For(int index, int label, ReadOnlySpan<float> logits)
    {
        int k = logits.Length;
        switch (Mode)
        {
            case TargetMode.Random:
                // splitmix64 of (seed, index): uniform over the K − 1 other classes.
                ulong z = Seed + 0x9E3779B97F4A7C15UL * (ulong)(index + 1);
                z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
                z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
                z ^= z >> 31;
                return (label + 1 + (int)(z % (ulong)(k - 1))) % k;
            case TargetMode.LeastLikely:
                int worst = 0;
                for (int j = 1; j < k; j++) if (logits[j] < logits[worst]) worst = j;
                return worst;
            case TargetMode.Label:
                if ((uint)Label >= (uint)k) throw new ArgumentOutOfRangeException(nameof(Label), Label, $"--target {Label} is outside [0, {k})");
                return Label == label ? -1 : Label;
            default:
                return -1;
        }
    }
}
