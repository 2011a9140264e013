using System.Buffers.Binary;
using System.Text;

namespace AdvCore.Onnx;

/// <summary>
/// Reads the protocol-buffers wire format (varints, fixed 32/64-bit and length-delimited
/// fields) from one message's bytes. Every read is bounds-checked: a truncated or corrupt
/// message raises a <see cref="FormatException"/> naming <see cref="Where"/>, never an index error.
/// </summary>
internal sealed class ProtoReader
{
    private readonly ReadOnlyMemory<byte> _data;
    private int _position;

    /// <summary>A reader over the bytes of the message <paramref name="where"/> (used in errors).</summary>
    public ProtoReader(ReadOnlyMemory<byte> data, string where)
    {
        _data = data;
        Where = where;
    }

    /// <summary>Which message is being read, for error messages ("ModelProto.graph.node[3]").</summary>
    public string Where { get; }

    /// <summary>Whether every byte has been read.</summary>
    public bool AtEnd => _position >= _data.Length;

    /// <summary>The next field's number and wire type.</summary>
    public (int Field, WireType Type) ReadTag()
    {
        ulong tag = ReadVarint();
        int field = (int)(tag >> 3);
        var type = (WireType)(tag & 7);
        if (field <= 0 || tag >> 3 > int.MaxValue) throw Error($"invalid field number {tag >> 3}");
        if (type is not (WireType.Varint or WireType.Fixed64 or WireType.LengthDelimited or WireType.Fixed32))
            throw Error($"field {field} has unsupported wire type {(int)type}");
        return (field, type);
    }

    /// <summary>A base-128 varint of at most 10 bytes.</summary>
    public ulong ReadVarint()
    {
        ulong value = 0;
        var span = _data.Span;
        for (int shift = 0; shift < 70; shift += 7)
        {
            if (_position >= span.Length) throw Error("truncated varint");
            byte b = span[_position++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw Error("varint longer than 10 bytes");
    }

    /// <summary>A varint read as a signed 64-bit integer (protobuf int64: two's complement).</summary>
    public long ReadInt64() => unchecked((long)ReadVarint());

    /// <summary>A varint that must fit a 32-bit signed integer (protobuf int32 and enums).</summary>
    public int ReadInt32()
    {
        long v = ReadInt64();
        if (v is < int.MinValue or > int.MaxValue) throw Error($"value {v} does not fit a 32-bit field");
        return (int)v;
    }

    /// <summary>A little-endian 32-bit float (wire type fixed32).</summary>
    public float ReadFloat() => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadInt32LittleEndian(Take(4).Span));

    /// <summary>A little-endian 64-bit float (wire type fixed64).</summary>
    public double ReadDouble() => BitConverter.Int64BitsToDouble(BinaryPrimitives.ReadInt64LittleEndian(Take(8).Span));

    /// <summary>The payload of a length-delimited field.</summary>
    public ReadOnlyMemory<byte> ReadBytes()
    {
        ulong length = ReadVarint();
        if (length > (ulong)(_data.Length - _position))
            throw Error($"length-delimited field of {length} bytes runs past the end of the message ({_data.Length - _position} left)");
        return Take((int)length);
    }

    /// <summary>A UTF-8 string field.</summary>
    public string ReadString()
    {
        var bytes = ReadBytes();
        try { return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes.Span); }
        catch (DecoderFallbackException) { throw Error("string field is not valid UTF-8"); }
    }

    /// <summary>
    /// A string field that names something (a node, tensor, operator): control characters are
    /// escaped (\u000a) so that every error message quoting it stays on one line.
    /// </summary>
    public string ReadName()
    {
        string text = ReadString();
        if (!text.Any(char.IsControl)) return text;
        var escaped = new StringBuilder(text.Length + 8);
        foreach (char c in text)
            escaped.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString());
        return escaped.ToString();
    }

    /// <summary>A reader over an embedded message, named <paramref name="where"/> in its errors.</summary>
    public ProtoReader ReadMessage(string where) => new(ReadBytes(), where);

    /// <summary>
    /// Appends a repeated 64-bit integer field, packed (one length-delimited run) or not (one varint).
    /// </summary>
    public void ReadInt64s(WireType type, List<long> into)
    {
        if (type == WireType.Varint) { into.Add(ReadInt64()); return; }
        Expect(type, WireType.LengthDelimited, "repeated integer");
        var packed = new ProtoReader(ReadBytes(), Where);
        while (!packed.AtEnd) into.Add(packed.ReadInt64());
    }

    /// <summary>Appends a repeated float field, packed or not.</summary>
    public void ReadFloats(WireType type, List<float> into)
    {
        if (type == WireType.Fixed32) { into.Add(ReadFloat()); return; }
        Expect(type, WireType.LengthDelimited, "repeated float");
        var bytes = ReadBytes();
        if (bytes.Length % 4 != 0) throw Error($"packed floats of {bytes.Length} bytes (not a multiple of 4)");
        var span = bytes.Span;
        for (int i = 0; i < span.Length; i += 4) into.Add(BinaryPrimitives.ReadSingleLittleEndian(span[i..]));
    }

    /// <summary>Appends a repeated double field, packed or not.</summary>
    public void ReadDoubles(WireType type, List<double> into)
    {
        if (type == WireType.Fixed64) { into.Add(ReadDouble()); return; }
        Expect(type, WireType.LengthDelimited, "repeated double");
        var bytes = ReadBytes();
        if (bytes.Length % 8 != 0) throw Error($"packed doubles of {bytes.Length} bytes (not a multiple of 8)");
        var span = bytes.Span;
        for (int i = 0; i < span.Length; i += 8) into.Add(BinaryPrimitives.ReadDoubleLittleEndian(span[i..]));
    }

    /// <summary>Skips a field this reader does not use.</summary>
    public void Skip(WireType type)
    {
        switch (type)
        {
            case WireType.Varint: ReadVarint(); break;
            case WireType.Fixed64: Take(8); break;
            case WireType.LengthDelimited: ReadBytes(); break;
            case WireType.Fixed32: Take(4); break;
            default: throw Error($"cannot skip wire type {(int)type}");
        }
    }

    /// <summary>Refuses a field whose wire type is not the one its schema gives.</summary>
    public void Expect(WireType actual, WireType expected, string field)
    {
        if (actual != expected) throw Error($"{field} has wire type {(int)actual}, expected {(int)expected}");
    }

    /// <summary>A format error naming this message.</summary>
    public FormatException Error(string problem) => new($"{Where}: {problem}");

    private ReadOnlyMemory<byte> Take(int count)
    {
        if (count > _data.Length - _position) throw Error($"truncated: {count} bytes needed, {_data.Length - _position} left");
        var slice = _data.Slice(_position, count);
        _position += count;
        return slice;
    }
}
