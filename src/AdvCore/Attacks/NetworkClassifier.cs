using AdvCore.Nn;

namespace AdvCore.Attacks;

/// <summary>A <see cref="Network"/> seen as an <see cref="IClassifier"/> (it does not own the network).</summary>
public sealed class NetworkClassifier : IClassifier
{
    /// <summary>Wraps <paramref name="network"/>.</summary>
    public NetworkClassifier(Network network)
    {
        ArgumentNullException.ThrowIfNull(network);
        Network = network;
    }

    /// <summary>The wrapped network.</summary>
    public Network Network { get; }

    /// <inheritdoc />
    public Context Context => Network.Context;

    /// <inheritdoc />
    public IReadOnlyList<int> InputShape => Network.InputShape;

    /// <inheritdoc />
    public int Classes => Network.OutputClasses;

    /// <inheritdoc />
    public Tensor Logits(Tensor x) => Network.Forward(x);

    /// <inheritdoc />
    public GradientResult Gradient(Tensor x, Tensor labels, LossKind loss, float lossParam = 0) =>
        Network.InputGradient(x, labels, loss, lossParam);

    /// <inheritdoc />
    public GradientResult GradientOfLogits(Tensor x, Tensor logitGradient) => Network.InputGradientOfLogits(x, logitGradient);
}
