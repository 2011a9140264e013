namespace AdvCore.IO;

/// <summary>A safetensors file that is truncated, has a corrupt header or holds unexpected tensors.</summary>
public sealed class SafeTensorsFormatException(string path, string problem)
    : IOException($"{path}: {problem}")
{
    /// <summary>The file at fault.</summary>
    public string FilePath { get; } = path;
}
