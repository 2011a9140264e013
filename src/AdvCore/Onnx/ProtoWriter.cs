using System.Buffers.Binary;
using System.Text;

namespace AdvCore.Onnx;

/// <summary>
/// Writes the protocol-buffers wire format into a growing buffer. Embedded messages are written
/// into their own writer first, then copied in with their length (messages here are small
/// except for weight tensors, which are written once as raw bytes).
/// </summary>
internal sealed class ProtoWriter
{
    private readonly MemoryStream _buffer = new();

    /// <summary>The bytes written so far.</summary>
    public byte[] ToArray() => _buffer.ToArray();

    /// <summary>A varint field (int32, int64, enum).</summary>
    public ProtoWriter Int64(int field, long value)
    {
        Tag(field, WireType.Varint);
        Varint(unchecked((ulong)value));
        return this;
    }

    /// <summary>A fixed32 float field.</summary>
    public ProtoWriter Float(int field, float value)
    {
        Tag(field, WireType.Fixed32);
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
        _buffer.Write(bytes);
        return this;
    }

    /// <summary>A string field (skipped when null, as proto2 optional fields are).</summary>
    public ProtoWriter String(int field, string? value) => value is null ? this : Bytes(field, Encoding.UTF8.GetBytes(value));

    /// <summary>A bytes field.</summary>
    public ProtoWriter Bytes(int field, ReadOnlySpan<byte> value)
    {
        Tag(field, WireType.LengthDelimited);
        Varint((ulong)value.Length);
        _buffer.Write(value);
        return this;
    }

    /// <summary>An embedded message.</summary>
    public ProtoWriter Message(int field, ProtoWriter message) => Bytes(field, message._buffer.GetBuffer().AsSpan(0, (int)message._buffer.Length));

    /// <summary>A packed repeated int64 field (skipped when empty).</summary>
    public ProtoWriter PackedInt64s(int field, IReadOnlyList<long> values)
    {
        if (values.Count == 0) return this;
        var packed = new ProtoWriter();
        foreach (var v in values) packed.Varint(unchecked((ulong)v));
        return Message(field, packed);
    }

    /// <summary>Repeated int64 values one varint field each (the proto2 default, as ONNX's AttributeProto.ints).</summary>
    public ProtoWriter Int64s(int field, IReadOnlyList<long> values)
    {
        foreach (var v in values) Int64(field, v);
        return this;
    }

    private void Tag(int field, WireType type) => Varint(((ulong)field << 3) | (ulong)type);

    private void Varint(ulong value)
    {
        while (value >= 0x80)
        {
            _buffer.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        _buffer.WriteByte((byte)value);
    }
}
