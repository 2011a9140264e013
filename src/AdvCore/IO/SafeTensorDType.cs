namespace AdvCore.IO;

/// <summary>The element types AdvCore reads and writes in safetensors files.</summary>
public enum SafeTensorDType
{
    /// <summary>32-bit IEEE float.</summary>
    F32,
    /// <summary>64-bit IEEE float.</summary>
    F64,
    /// <summary>32-bit signed integer.</summary>
    I32,
    /// <summary>64-bit signed integer.</summary>
    I64,
    /// <summary>Unsigned byte.</summary>
    U8,
}

internal static class SafeTensorDTypes
{
    public static int Size(SafeTensorDType type) => type switch
    {
        SafeTensorDType.F32 or SafeTensorDType.I32 => 4,
        SafeTensorDType.F64 or SafeTensorDType.I64 => 8,
        SafeTensorDType.U8 => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    public static bool TryParse(string text, out SafeTensorDType type) =>
        Enum.TryParse(text, ignoreCase: false, out type) && Enum.IsDefined(type);
}
