namespace AdvCore.Attacks;

/// <summary>
/// One row of <see cref="AttackRegistry"/>: everything the library, the CLI, the tests and the
/// benchmarks know about an attack — its names, options type, thesis presets per dataset, how to
/// build it, what its iteration count means and which criteria it accepts.
/// </summary>
public sealed record AttackInfo
{
    /// <summary>The canonical name (fgsm, bp, fmn-l2, …).</summary>
    public required string Name { get; init; }

    /// <summary>The name in tables and charts (FGSM, BP, FMN-L2, …).</summary>
    public required string Display { get; init; }

    /// <summary>Other names accepted on input (matched ignoring case, '-' and '_').</summary>
    public IReadOnlyList<string> Aliases { get; init; } = [];

    /// <summary>The options record the attack takes.</summary>
    public required Type OptionsType { get; init; }

    /// <summary>One line on what it does.</summary>
    public required string Summary { get; init; }

    /// <summary>The paper (and equations) it follows.</summary>
    public required string Paper { get; init; }

    /// <summary>The option that <c>--iterations</c> sets (null: the attack has no iteration count).</summary>
    public string? IterationOption { get; init; }

    /// <summary>What the iteration count means (e.g. "Adam iterations per λ").</summary>
    public required string IterationMeaning { get; init; }

    /// <summary>Runs over a list of budgets ε: its result carries the per-budget success matrix.</summary>
    public bool Budgeted { get; init; }

    /// <summary>Looks for the least L2-distorted adversarial example (a <c>compare-attacks</c> entrant).</summary>
    public bool MinimumNorm { get; init; }

    /// <summary>Accepts a targeted criterion (a target label per image).</summary>
    public bool SupportsTargeted { get; init; }

    /// <summary>Accepts a confidence margin in its success criterion.</summary>
    public bool SupportsMargin { get; init; }

    /// <summary>The pseudo-parameter that picks a preset (cw: "schedule"), null without presets.</summary>
    public string? PresetParameter { get; init; }

    /// <summary>Named presets (cw: 5x20, 1x100); the first is the default.</summary>
    public IReadOnlyList<string> Presets { get; init; } = [];

    /// <summary>The default options.</summary>
    public required Func<AttackOptions> Defaults { get; init; }

    /// <summary>The thesis settings for a dataset kind (mnist | cifar10 | imagenet) and preset (null: the default one).</summary>
    public required Func<string, string?, AttackOptions> Thesis { get; init; }

    /// <summary>Builds the attack from options of <see cref="OptionsType"/>.</summary>
    public required Func<AttackOptions, IAttack> Construct { get; init; }
}
