using AdvCore.Attacks;

namespace AdvCore.Evaluation;

/// <summary>
/// The ε search of <see cref="MinimalFgsm"/>: the L∞ budget grows by <see cref="Step"/> up to
/// <see cref="MaxEpsilon"/> (ART's FGSM with minimal = True: eps_step, eps), then
/// <see cref="Refinements"/> bisection steps between the last grid ε that did not flip the label
/// and the first that did (0 = ART's scheme exactly).
/// </summary>
public sealed record MinimalFgsmOptions
{
    /// <summary>Grid step of ε (L∞, images in [0,1]).</summary>
    public float Step { get; init; } = 0.01f;

    /// <summary>Largest ε tried; an image that has not flipped by then counts as not flipped.</summary>
    public float MaxEpsilon { get; init; } = 1f;

    /// <summary>Bisection steps after the grid (each halves the bracket of the minimal ε).</summary>
    public int Refinements { get; init; } = 4;

    /// <summary>Refuses a step or maximum that is not a finite number &gt; 0, a step above the maximum, or negative refinements.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value out of range.</exception>
    public void Validate()
    {
        OptionChecks.Positive(Step, nameof(Step));
        OptionChecks.Positive(MaxEpsilon, nameof(MaxEpsilon));
        OptionChecks.InRange(Step, 0, MaxEpsilon, nameof(Step), loOpen: true);
        OptionChecks.InRange(Refinements, 0, 30, nameof(Refinements));
    }
}
