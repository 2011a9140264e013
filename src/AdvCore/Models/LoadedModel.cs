using AdvCore.Nn;

namespace AdvCore.Models;

/// <summary>A network rebuilt from a model file, with the architecture and training record it carried.</summary>
public sealed class LoadedModel(string path, ModelArchitecture architecture, Network network, string? training) : IDisposable
{
    public string Path { get; } = path;
    public ModelArchitecture Architecture { get; } = architecture;
    public Network Network { get; } = network;

    /// <summary>The <c>training</c> metadata JSON (how the weights were made), or null.</summary>
    public string? Training { get; } = training;

    public void Dispose() => Network.Dispose();
}
