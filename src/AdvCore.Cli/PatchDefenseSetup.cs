using System.CommandLine;
using AdvCore.Defenses.Patches;
using AdvCore.Nn;

namespace AdvCore.Cli;

/// <summary>The command line's patch-replacement defense: codebook files, one per layer, and the strategy of the last one.</summary>
internal static class PatchDefenseSetup
{
    public static Option<string[]> Codebooks(bool required) => new("--codebook")
    {
        Description = "A codebook file from advcore codebook train (repeatable: one per layer, e.g. the image and the first convolution block)",
        Required = required,
    };

    public static Option<string> Strategy() => new("--strategy")
    {
        Description = "Replacement strategy of the last --codebook (thesis eqs. 6.3-6.5): plain, l2, linf or linear; the others are plain",
        DefaultValueFactory = _ => "plain",
    };

    public static Option<float> Epsilon() => new("--epsilon") { Description = "The strategy's ε (l2, linf: radius; linear: fraction)", DefaultValueFactory = _ => 0f };

    /// <summary>The replacements: every codebook plain, the last with <paramref name="strategy"/> and ε.</summary>
    public static List<PatchReplacement> Replacements(IReadOnlyList<string> paths, string strategy, float epsilon)
    {
        var parsed = PatchReplacement.ParseStrategy(strategy);
        var replacements = new List<PatchReplacement>(paths.Count);
        for (int i = 0; i < paths.Count; i++)
        {
            var r = i == paths.Count - 1 ? new PatchReplacement(PatchCodebook.Load(paths[i]), parsed, epsilon) : new PatchReplacement(PatchCodebook.Load(paths[i]));
            try { r.Validate(); }
            catch (ArgumentException e) { throw new ArgumentException($"--epsilon: {CliErrors.Describe(e)}", e); }
            replacements.Add(r);
        }
        return replacements;
    }

    /// <summary>The network defended by <paramref name="replacements"/>; a codebook for another layer shape is refused naming its file.</summary>
    public static PatchDefendedClassifier Defend(Network network, IReadOnlyList<PatchReplacement> replacements, IReadOnlyList<string> paths)
    {
        for (int i = 0; i < replacements.Count; i++)
        {
            var cb = replacements[i].Codebook;
            IReadOnlyList<int> shape;
            try { shape = FeatureLayers.Shape(network, cb.Layer); }
            catch (ArgumentException e) { throw new ArgumentException($"{paths[i]}: {CliErrors.Describe(e)}", e); }
            if (!shape.SequenceEqual(cb.FeatureShape))
                throw new ArgumentException($"{paths[i]}: the codebook is for layer-{cb.Layer} maps of [{string.Join(',', cb.FeatureShape)}]; this model's layer {cb.Layer} gives [{string.Join(',', shape)}]");
        }
        return new PatchDefendedClassifier(network, replacements);
    }
}
