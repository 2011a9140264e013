using System.Globalization;

namespace AdvCore.Defenses.Patches;

/// <summary>
/// One layer's patch replacement: its codebook and the replacement strategy (thesis eqs.
/// 6.3-6.5) with parameter ε — plain ignores ε; L2 and L∞ keep the codeword within ε of the
/// patch; linear moves the patch the fraction ε of the way to it.
/// </summary>
public sealed record PatchReplacement(PatchCodebook Codebook, PatchStrategy Strategy = PatchStrategy.Plain, float Epsilon = 0)
{
    /// <exception cref="ArgumentException">ε negative or not finite.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Codebook);
        if (!Enum.IsDefined(Strategy)) throw new ArgumentException($"unknown replacement strategy {Strategy}");
        if (!(Epsilon >= 0) || !float.IsFinite(Epsilon)) throw new ArgumentException($"the strategy's ε must be >= 0 and finite (got {Epsilon})");
    }

    /// <summary>"layer 0: k-means K=3927 d=1 3x3/1, plain" and the like.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{Codebook.Describe()}, {Strategy.ToString().ToLowerInvariant()}{(Strategy == PatchStrategy.Plain ? "" : $" ε={Epsilon}")}");

    /// <summary>Parses plain, l2, linf, linear.</summary>
    /// <exception cref="ArgumentException">Another name.</exception>
    public static PatchStrategy ParseStrategy(string text) => text.Trim().ToLowerInvariant() switch
    {
        "plain" => PatchStrategy.Plain,
        "l2" => PatchStrategy.L2,
        "linf" or "l-inf" or "l∞" => PatchStrategy.Linf,
        "linear" => PatchStrategy.Linear,
        _ => throw new ArgumentException($"unknown replacement strategy '{text}' (expected plain, l2, linf or linear)"),
    };
}
