using AdvCore.Nn;

namespace AdvCore.Models;

/// <summary>A network rebuilt from a model file, with the architecture and training record it carried.</summary>
public sealed class LoadedModel(string path, ModelArchitecture architecture, Network network, string? training) : IDisposable
{
    /// <summary>The file the model was loaded from.</summary>
    public string Path { get; } = path;
    /// <summary>The architecture stored in the file (name, input shape, classes, layers).</summary>
    public ModelArchitecture Architecture { get; } = architecture;
    /// <summary>The network with the file's weights, on the context it was loaded into; wrap it in a <see cref="Attacks.NetworkClassifier"/> to attack it.</summary>
    public Network Network { get; } = network;

    /// <summary>The <c>training</c> metadata JSON (how the weights were made), or null.</summary>
    public string? Training { get; } = training;

    /// <summary>Frees the network's native memory.</summary>
    public void Dispose() => Network.Dispose();
}
