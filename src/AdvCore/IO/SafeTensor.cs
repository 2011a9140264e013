using System.Runtime.InteropServices;

namespace AdvCore.IO;

/// <summary>One named tensor of a safetensors file: its type, shape and little-endian bytes.</summary>
public sealed class SafeTensor
{
    internal SafeTensor(string name, SafeTensorDType type, long[] shape, byte[] bytes)
    {
        Name = name;
        DType = type;
        Shape = shape;
        Bytes = bytes;
    }

    /// <summary>The tensor's name in the file.</summary>
    public string Name { get; }
    /// <summary>The element type.</summary>
    public SafeTensorDType DType { get; }
    /// <summary>The shape (empty for a scalar).</summary>
    public long[] Shape { get; }
    /// <summary>Number of elements, the product of the shape.</summary>
    public long Count => Shape.Aggregate(1L, (a, d) => a * d);
    internal byte[] Bytes { get; }

    /// <summary>The values as float32; F64 tensors are narrowed, other types are refused.</summary>
    public float[] ToFloat32(string file) => DType switch
    {
        SafeTensorDType.F32 => MemoryMarshal.Cast<byte, float>(Bytes).ToArray(),
        SafeTensorDType.F64 => Array.ConvertAll(MemoryMarshal.Cast<byte, double>(Bytes).ToArray(), v => (float)v),
        _ => throw new SafeTensorsFormatException(file, $"tensor '{Name}' is {DType}; a floating-point tensor (F32) is expected"),
    };

    /// <summary>The values as int64; I32 and U8 tensors are widened, floating types are refused.</summary>
    public long[] ToInt64(string file) => DType switch
    {
        SafeTensorDType.I64 => MemoryMarshal.Cast<byte, long>(Bytes).ToArray(),
        SafeTensorDType.I32 => Array.ConvertAll(MemoryMarshal.Cast<byte, int>(Bytes).ToArray(), v => (long)v),
        SafeTensorDType.U8 => Array.ConvertAll(Bytes, v => (long)v),
        _ => throw new SafeTensorsFormatException(file, $"tensor '{Name}' is {DType}; an integer tensor (I64) is expected"),
    };
}
