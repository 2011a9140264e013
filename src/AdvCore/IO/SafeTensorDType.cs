namespace AdvCore.IO;

/// <summary>The element types AdvCore reads and writes in safetensors files.</summary>
public enum SafeTensorDType { F32, F64, I32, I64, U8 }

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
