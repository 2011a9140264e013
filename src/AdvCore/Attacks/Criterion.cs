namespace AdvCore.Attacks;

/// <summary>
/// When an attack succeeds on an image (Foolbox's criteria): untargeted — the prediction leaves
/// the true label, by more than <see cref="Margin"/> in logits when a margin is given
/// (max_{j≠y} z_j − z_y &gt; margin); targeted — the prediction becomes the target t
/// (z_t − max_{j≠t} z_j &gt; margin). Margin 0 is the plain argmax test (first maximiser).
/// </summary>
public sealed class Criterion
{
    private Criterion(int[] labels, int[]? targets, float margin)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (!(margin >= 0) || !float.IsFinite(margin))
            throw new ArgumentOutOfRangeException(nameof(margin), margin, $"the criterion's margin must be a finite number >= 0 (got {margin})");
        if (targets is not null && targets.Length != labels.Length)
            throw new ArgumentException($"{targets.Length} targets for {labels.Length} labels", nameof(targets));
        Labels = labels;
        Targets = targets;
        Margin = margin;
    }

    /// <summary>Untargeted: success when the prediction is not the true label (by more than <paramref name="margin"/>).</summary>
    public static Criterion Misclassification(int[] labels, float margin = 0) => new(labels, null, margin);

    /// <summary>Targeted: success when the prediction is <paramref name="targets"/>[i] (by more than <paramref name="margin"/>).</summary>
    public static Criterion TargetedMisclassification(int[] labels, int[] targets, float margin = 0)
    {
        ArgumentNullException.ThrowIfNull(targets);
        return new(labels, targets, margin);
    }

    /// <summary>True labels y, one per image.</summary>
    public int[] Labels { get; }

    /// <summary>Target labels t (targeted criteria), else null.</summary>
    public int[]? Targets { get; }

    /// <summary>The confidence margin in logits (0: argmax test).</summary>
    public float Margin { get; }

    /// <summary>Whether the criterion is targeted.</summary>
    public bool Targeted => Targets is not null;

    /// <summary>Number of images.</summary>
    public int Count => Labels.Length;

    /// <summary>The label the attack's loss and "is adversarial" test use for image i: t_i when targeted, else y_i.</summary>
    public int AttackLabel(int i) => Targets is { } t ? t[i] : Labels[i];

    /// <summary>The native form of the criterion.</summary>
    public AttackCriterion Native => new(Targeted, Margin);

    /// <summary>Whether logits <paramref name="z"/> (one row of K) of image <paramref name="i"/> meet the criterion.</summary>
    public bool IsMet(ReadOnlySpan<float> z, int i)
    {
        int l = AttackLabel(i);
        if (Margin == 0) return Targeted ? ArgMax(z) == l : ArgMax(z) != l;
        float other = float.NegativeInfinity;
        for (int j = 0; j < z.Length; j++) if (j != l) other = Math.Max(other, z[j]);
        return Targeted ? z[l] - other > Margin : other - z[l] > Margin;
    }

    /// <summary>The first maximiser of a logit row (as <c>ac_argmax</c>).</summary>
    public static int ArgMax(ReadOnlySpan<float> z)
    {
        int best = 0;
        for (int j = 1; j < z.Length; j++) if (z[j] > z[best]) best = j;
        return best;
    }

    /// <summary>A short description for records: "untargeted", "targeted", with ", margin m" when given.</summary>
    public string Describe() =>
        (Targeted ? "targeted" : "untargeted") + (Margin > 0 ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $", margin {Margin:R}") : "");

    /// <summary>Checks the labels (and targets) against K classes.</summary>
    internal void Validate(int classes, int count)
    {
        if (Labels.Length != count) throw new ArgumentException($"{Labels.Length} labels for {count} images", "labels");
        for (int i = 0; i < Labels.Length; i++)
            if ((uint)Labels[i] >= (uint)classes)
                throw new ArgumentOutOfRangeException("labels", Labels[i], $"labels[{i}] = {Labels[i]} is outside [0, {classes})");
        if (Targets is null) return;
        for (int i = 0; i < Targets.Length; i++)
        {
            if ((uint)Targets[i] >= (uint)classes)
                throw new ArgumentOutOfRangeException("targets", Targets[i], $"targets[{i}] = {Targets[i]} is outside [0, {classes})");
            if (Targets[i] == Labels[i])
                throw new ArgumentException($"targets[{i}] = {Targets[i]} is the image's own label: a target must be another class", "targets");
        }
    }
}
