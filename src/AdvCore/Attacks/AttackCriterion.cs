using System.Runtime.InteropServices;

namespace AdvCore.Attacks;

/// <summary>
/// When a fused attack step counts a sample as adversarial (advcore.h, <c>ac_criterion</c>), from
/// its logits z and label l — the true label when untargeted, the target label when
/// <paramref name="Targeted"/>:
/// <list type="bullet">
/// <item>untargeted, margin 0: argmax(z) ≠ l (the first maximiser breaks ties);</item>
/// <item>untargeted, margin &gt; 0: max_{j≠l} z_j − z_l &gt; margin;</item>
/// <item>targeted, margin 0: argmax(z) = l;</item>
/// <item>targeted, margin &gt; 0: z_l − max_{j≠l} z_j &gt; margin.</item>
/// </list>
/// A margin asks for a confident misclassification (or a confident hit of the target).
/// </summary>
/// <param name="Targeted">Whether the labels are target classes the sample must reach.</param>
/// <param name="Margin">The logit gap required, finite and ≥ 0; 0 compares the argmax.</param>
public readonly record struct AttackCriterion(bool Targeted, float Margin = 0)
{
    /// <summary>argmax(z) ≠ label: what every attack used before criteria existed.</summary>
    public static AttackCriterion Untargeted => default;

    /// <summary>Throws when <see cref="Margin"/> is not finite or is negative.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The margin is NaN, infinite or &lt; 0.</exception>
    public void Validate()
    {
        if (!float.IsFinite(Margin) || Margin < 0)
            throw new ArgumentOutOfRangeException(nameof(Margin), Margin,
                "The criterion margin must be finite and >= 0 (0 compares the argmax).");
    }

    internal NativeCriterion ToNative() => new() { Kind = Targeted ? 1 : 0, Margin = Margin };
}

/// <summary>Blittable mirror of <c>ac_criterion</c> (kind: 0 = untargeted, 1 = targeted).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NativeCriterion
{
    public int Kind;
    public float Margin;
}
