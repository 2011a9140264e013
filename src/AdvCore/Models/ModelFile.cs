using AdvCore.IO;
using AdvCore.Nn;

namespace AdvCore.Models;

/// <summary>
/// Saves and loads networks as safetensors with the architecture in the metadata
/// (docs/model-format.md): PyTorch state_dict names and layouts, so the file alone rebuilds
/// the network here or in PyTorch.
/// </summary>
public static class ModelFile
{
    /// <summary>The <c>format</c> metadata value every model file carries.</summary>
    public const string Format = "advcore-model/1";

    /// <summary>Writes every parameter and buffer of <paramref name="network"/> atomically.</summary>
    public static void Save(string path, ModelArchitecture architecture, Network network, IReadOnlyDictionary<string, string>? training = null)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(network);
        var writer = new SafeTensorWriter()
            .Metadata("format", Format)
            .Metadata("architecture", ArchitectureJson.Serialize(architecture));
        if (training is { Count: > 0 })
            writer.Metadata("training", System.Text.Json.JsonSerializer.Serialize(training));
        foreach (var (name, (shape, data)) in network.GetState()) writer.Add(name, data, shape);
        writer.Save(path);
    }

    /// <summary>The architecture stored in a model file (no weights are read into a network).</summary>
    public static ModelArchitecture ReadArchitecture(string path) => Architecture(SafeTensorFile.Read(path));

    /// <summary>
    /// Rebuilds the network on <paramref name="context"/> and loads its weights. A file without
    /// our metadata, a broken architecture, or tensors that do not fit it raise errors naming the file.
    /// </summary>
    public static LoadedModel Load(string path, Context context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var file = SafeTensorFile.Read(path);
        var architecture = Architecture(file);
        var network = Network.Build(context, architecture.InputShape, architecture.Layers);
        try
        {
            var state = new Dictionary<string, (long[] Shape, float[] Data)>(StringComparer.Ordinal);
            foreach (var name in file.Names) state[name] = (file[name].Shape, file[name].ToFloat32(path));
            try { network.LoadState(state); }
            catch (AdvCoreException e) { throw new SafeTensorsFormatException(path, e.Message); }
            if (network.OutputClasses != architecture.Classes)
                throw new SafeTensorsFormatException(path, $"architecture says {architecture.Classes} classes, the layers give {network.OutputClasses}");
            file.Metadata.TryGetValue("training", out var training);
            return new LoadedModel(path, architecture, network, training);
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    private static ModelArchitecture Architecture(SafeTensorFile file)
    {
        if (!file.Metadata.TryGetValue("format", out var format) || format != Format)
            throw new SafeTensorsFormatException(file.Path, $"not an AdvCore model file (metadata 'format' is {(format is null ? "missing" : $"'{format}'")}, expected '{Format}')");
        if (!file.Metadata.TryGetValue("architecture", out var json))
            throw new SafeTensorsFormatException(file.Path, "metadata 'architecture' is missing");
        try { return ArchitectureJson.Parse(json); }
        catch (FormatException e) { throw new SafeTensorsFormatException(file.Path, e.Message); }
    }
}
