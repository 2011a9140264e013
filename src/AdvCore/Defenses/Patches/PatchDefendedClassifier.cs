using AdvCore.Attacks;
using AdvCore.Nn;

namespace AdvCore.Defenses.Patches;

/// <summary>
/// A network defended by patch replacement at one or more feature layers (thesis §6.3.5: the
/// image and/or the first convolution blocks, each with its own codebook). Logits are those of
/// the network with every defended layer's output replaced by Q(F). Its input gradient is BPDA
/// (thesis §6.6): each replacement is the identity in the backward pass, so a gradient attack run
/// on this classifier is the adaptive ("smart") attack; run on the bare network and judged here,
/// the oblivious one.
/// </summary>
public sealed class PatchDefendedClassifier : IClassifier, IDisposable
{
    private readonly PatchQuantizer? _image;
    private readonly Dictionary<int, PatchQuantizer> _byNode = [];
    private readonly FeatureHook _hook;

    /// <summary>Defends <paramref name="network"/> (not owned) with <paramref name="replacements"/>, one per layer.</summary>
    /// <exception cref="ArgumentException">No replacement, two for one layer, or a codebook made for another layer shape or network.</exception>
    public PatchDefendedClassifier(Network network, IReadOnlyList<PatchReplacement> replacements)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(replacements);
        if (replacements.Count == 0) throw new ArgumentException("patch replacement needs at least one codebook");
        Network = network;
        Replacements = replacements;
        var quantizers = new List<PatchQuantizer>();
        try
        {
            foreach (var r in replacements)
            {
                var cb = r.Codebook;
                var shape = FeatureLayers.Shape(network, cb.Layer);
                if (!shape.SequenceEqual(cb.FeatureShape))
                    throw new ArgumentException(
                        $"the codebook is for layer {cb.Layer} maps of [{string.Join(',', cb.FeatureShape)}]; layer {cb.Layer} of this network gives [{string.Join(',', shape)}]");
                int node = FeatureLayers.NodeIndex(network, cb.Layer);
                if (node < 0 ? _image is not null : _byNode.ContainsKey(node))
                    throw new ArgumentException($"two codebooks for layer {cb.Layer}");
                var q = new PatchQuantizer(network.Context, r);
                quantizers.Add(q);
                if (node < 0) _image = q;
                else _byNode[node] = q;
            }
        }
        catch
        {
            foreach (var q in quantizers) q.Dispose();
            throw;
        }
        _hook = (layer, output) => _byNode.TryGetValue(layer, out var q) ? q.Apply(output) : output;
    }

    /// <summary>The defended network.</summary>
    public Network Network { get; }

    /// <summary>The replacements, as given.</summary>
    public IReadOnlyList<PatchReplacement> Replacements { get; }

    /// <summary>"patch replacement (layer 0: k-means K=… ; layer 1: …)".</summary>
    public string Name => "patch replacement (" + string.Join("; ", Replacements.Select(r => r.Describe())) + ")";

    /// <inheritdoc />
    public Context Context => Network.Context;

    /// <inheritdoc />
    public IReadOnlyList<int> InputShape => Network.InputShape;

    /// <inheritdoc />
    public int Classes => Network.OutputClasses;

    /// <summary>The image the network sees at layer 0: Q(x), or x itself when layer 0 is not defended.</summary>
    public Tensor DefendedInput(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (_image is null) return x;
        if (x.Rank != 4) throw new ShapeMismatchException($"patch replacement takes image batches [N,C,H,W], got [{Tensor.ShapeString(x.Shape)}]");
        return _image.Apply(x);
    }

    /// <inheritdoc />
    public Tensor Logits(Tensor x) => Network.Forward(DefendedInput(x), Hook);

    /// <inheritdoc />
    public GradientResult Gradient(Tensor x, Tensor labels, LossKind loss, float lossParam = 0) =>
        Network.InputGradient(DefendedInput(x), labels, loss, lossParam, Hook);

    /// <inheritdoc />
    public GradientResult GradientOfLogits(Tensor x, Tensor logitGradient) =>
        Network.InputGradientOfLogits(DefendedInput(x), logitGradient, Hook);

    private FeatureHook? Hook => _byNode.Count == 0 ? null : _hook;

    /// <summary>Releases the codebooks on the device (not the network).</summary>
    public void Dispose()
    {
        _image?.Dispose();
        foreach (var q in _byNode.Values) q.Dispose();
    }
}
