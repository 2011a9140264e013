using AdvCore.Attacks;
using AdvCore.Nn;

namespace AdvCore.Models;

/// <summary>
/// A network rebuilt from a model file, with the architecture and training record it carried. It
/// is an <see cref="IClassifier"/> itself, so it goes straight into <see cref="IAttack.Run"/> and
/// <see cref="Evaluation.AttackRunner"/> (eval mode, as <see cref="NetworkClassifier"/>).
/// </summary>
public sealed class LoadedModel(string path, ModelArchitecture architecture, Network network, string? training) : IDisposable, IClassifier
{
    private readonly NetworkClassifier _classifier = new(network);

    /// <summary>The file the model was loaded from.</summary>
    public string Path { get; } = path;
    /// <summary>The architecture stored in the file (name, input shape, classes, layers).</summary>
    public ModelArchitecture Architecture { get; } = architecture;
    /// <summary>The network with the file's weights, on the context it was loaded into.</summary>
    public Network Network { get; } = network;

    /// <summary>The <c>training</c> metadata JSON (how the weights were made), or null.</summary>
    public string? Training { get; } = training;

    /// <inheritdoc />
    public Context Context => _classifier.Context;

    /// <inheritdoc />
    public IReadOnlyList<int> InputShape => _classifier.InputShape;

    /// <inheritdoc />
    public int Classes => _classifier.Classes;

    /// <inheritdoc />
    public Tensor Logits(Tensor x) => _classifier.Logits(x);

    /// <inheritdoc />
    public GradientResult Gradient(Tensor x, Tensor labels, LossKind loss, float lossParam = 0) => _classifier.Gradient(x, labels, loss, lossParam);

    /// <summary>Frees the network's native memory.</summary>
    public void Dispose() => Network.Dispose();
}
