using AdvCore.Models;

namespace AdvCore.Onnx;

/// <summary>
/// Reads ONNX classifiers whose operators map onto AdvCore's layers (docs/onnx.md): Conv, Gemm,
/// MatMul + Add, Relu, LeakyRelu, Clip [0, t], MaxPool, AveragePool, GlobalAveragePool,
/// BatchNormalization, identity-shortcut Add, Flatten, Reshape to [N, features], Dropout and
/// Identity, from any opset PyTorch exports. Any other operator is refused with its name and node.
/// </summary>
public static class OnnxImport
{
    /// <summary>Whether <paramref name="path"/> names an ONNX file (by its extension).</summary>
    public static bool IsOnnxPath(string path) => path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase);

    /// <summary>The model's architecture, its weights by state_dict name and its training record (from AdvCore's export), without building a network.</summary>
    /// <exception cref="OnnxFormatException">The file is not a readable ONNX model or not a classifier of one image input.</exception>
    /// <exception cref="OnnxUnsupportedException">An operator or setting our layers do not cover (named with its node).</exception>
    public static (ModelArchitecture Architecture, IReadOnlyDictionary<string, (long[] Shape, float[] Data)> State, string? Training) Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new OnnxFormatException(path, $"cannot read the file: {e.Message}"); }
        return Read(bytes, path);
    }

    /// <summary>The same from the file's bytes; <paramref name="path"/> names it in errors and gives the fallback model name.</summary>
    public static (ModelArchitecture Architecture, IReadOnlyDictionary<string, (long[] Shape, float[] Data)> State, string? Training) Read(byte[] bytes, string path)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        OnnxModelProto model;
        try { model = OnnxProtoReader.ReadModel(bytes); }
        catch (FormatException e) { throw new OnnxFormatException(path, $"not a valid ONNX model: {e.Message}"); }
        var (architecture, state) = OnnxGraphImporter.Convert(path, model, Path.GetFileNameWithoutExtension(path));
        var training = model.Metadata.Where(m => m.Key == OnnxExport.TrainingKey).Select(m => m.Value).LastOrDefault();
        return (architecture, state, training);
    }
}
