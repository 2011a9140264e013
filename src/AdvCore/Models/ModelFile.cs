using AdvCore.IO;
using AdvCore.Nn;
using AdvCore.Onnx;

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

    /// <summary>
    /// Writes the network as an ONNX model instead (docs/onnx.md), with the training record in
    /// its metadata.
    /// </summary>
    public static void SaveOnnx(string path, ModelArchitecture architecture, Network network, string? training = null) =>
        OnnxExport.Save(path, architecture, network, training);

    /// <summary>The architecture stored in a model file (no weights are read into a network); a ".onnx" file is imported.</summary>
    public static ModelArchitecture ReadArchitecture(string path) =>
        OnnxImport.IsOnnxPath(path) ? OnnxImport.Read(path).Architecture : Architecture(SafeTensorFile.Read(path));

    /// <summary>
    /// Rebuilds the network on <paramref name="context"/> and loads its weights. A file without
    /// our metadata, a broken architecture, or tensors that do not fit it raise errors naming the file.
    /// A path ending in ".onnx" is imported from ONNX (<see cref="OnnxImport"/>).
    /// </summary>
    public static LoadedModel Load(string path, Context context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (OnnxImport.IsOnnxPath(path))
        {
            var (onnxArchitecture, onnxState, onnxTraining) = OnnxImport.Read(path);
            return Rebuild(path, onnxArchitecture, onnxState, onnxTraining, context, problem => new OnnxFormatException(path, problem));
        }
        var file = SafeTensorFile.Read(path);
        var architecture = Architecture(file);
        var state = new Dictionary<string, (long[] Shape, float[] Data)>(StringComparer.Ordinal);
        foreach (var name in file.Names) state[name] = (file[name].Shape, file[name].ToFloat32(path));
        file.Metadata.TryGetValue("training", out var training);
        return Rebuild(path, architecture, state, training, context, problem => new SafeTensorsFormatException(path, problem));
    }

    private static LoadedModel Rebuild(string path, ModelArchitecture architecture, IReadOnlyDictionary<string, (long[] Shape, float[] Data)> state,
        string? training, Context context, Func<string, Exception> fileError)
    {
        Network network;
        try { network = Network.Build(context, architecture.InputShape, architecture.Layers); }
        catch (AdvCoreException e) when (e is ShapeMismatchException or InvalidArgumentException) { throw fileError(e.Message); }
        try
        {
            try { network.LoadState(state); }
            catch (AdvCoreException e) { throw fileError(e.Message); }
            if (network.OutputClasses != architecture.Classes)
                throw fileError($"architecture says {architecture.Classes} classes, the layers give {network.OutputClasses}");
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
