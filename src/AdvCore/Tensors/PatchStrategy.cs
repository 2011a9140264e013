namespace AdvCore;

/// <summary>
/// How a patch P is replaced by its quantized version Q (thesis eqs. 6.3–6.5, advcore.h
/// <c>ac_patch_strategy</c>); ε is the strategy's parameter. ε = 0 leaves P unchanged for every
/// strategy but <see cref="Plain"/>.
/// </summary>
public enum PatchStrategy
{
    /// <summary>P′ = Q.</summary>
    Plain = 0,
    /// <summary>P′ = Q when ‖Q − P‖₂ &lt; ε, else P + ε (Q − P)/‖Q − P‖₂: Q projected on the L2 ball of radius ε around P.</summary>
    L2 = 1,
    /// <summary>P′ = P + clip(Q − P, −ε, ε): Q clipped to the L∞ box of radius ε around P (exactly Q inside it).</summary>
    Linf = 2,
    /// <summary>P′ = P + ε (Q − P): linear interpolation; ε = 1 is <see cref="Plain"/>.</summary>
    Linear = 3,
}
