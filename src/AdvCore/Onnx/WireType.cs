namespace AdvCore.Onnx;

/// <summary>The protocol-buffers wire types ONNX files use (groups, 3 and 4, are refused).</summary>
internal enum WireType
{
    /// <summary>Base-128 varint: int32, int64, enums, bools.</summary>
    Varint = 0,
    /// <summary>8 little-endian bytes: double.</summary>
    Fixed64 = 1,
    /// <summary>A varint length, then that many bytes: strings, bytes, messages, packed arrays.</summary>
    LengthDelimited = 2,
    /// <summary>4 little-endian bytes: float.</summary>
    Fixed32 = 5,
}
