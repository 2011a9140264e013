using System.Buffers.Binary;
using AdvCore.Onnx;
using NUnit.Framework;

namespace AdvCore.Tests.Onnx;

/// <summary>The protobuf wire layer: varints, packed and unpacked repeated fields, the tensor encodings other writers use.</summary>
public class ProtoWireTests
{
    [Test]
    public void Int64VarintsRoundTripIncludingNegatives()
    {
        long[] values = [0, 1, 127, 128, 300, -1, -300, long.MinValue, long.MaxValue];
        var w = new ProtoWriter();
        foreach (var v in values) w.Int64(3, v);
        var r = new ProtoReader(w.ToArray(), "test");
        var read = new List<long>();
        while (!r.AtEnd)
        {
            var (field, type) = r.ReadTag();
            Assert.That((field, type), Is.EqualTo((3, WireType.Varint)));
            read.Add(r.ReadInt64());
        }
        Assert.That(read, Is.EqualTo(values));
    }

    [Test]
    public void RepeatedIntegersReadPackedAndUnpacked()
    {
        long[] values = [3, -2, 300, 1L << 40];
        foreach (var bytes in new[] { new ProtoWriter().PackedInt64s(8, values).ToArray(), new ProtoWriter().Int64s(8, values).ToArray() })
        {
            var r = new ProtoReader(bytes, "test");
            var read = new List<long>();
            while (!r.AtEnd) r.ReadInt64s(r.ReadTag().Type, read);
            Assert.That(read, Is.EqualTo(values));
        }
    }

    [Test]
    public void TensorValuesDecodeFromFloatDataRawFloatsHalvesAndDoubles()
    {
        float[] expected = [0.5f, -1.25f, 3f, 1e-3f, -7.5f, 42f];
        var floatData = new byte[24];
        var halves = new byte[12];
        var doubles = new byte[48];
        for (int i = 0; i < 6; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(floatData.AsSpan(4 * i), expected[i]);
            BinaryPrimitives.WriteHalfLittleEndian(halves.AsSpan(2 * i), (Half)expected[i]);
            BinaryPrimitives.WriteDoubleLittleEndian(doubles.AsSpan(8 * i), expected[i]);
        }
        // float_data (field 4, packed), raw_data (9) as float32, float16 and float64.
        var asFloatData = Tensor(OnnxDataType.Float).Bytes(4, floatData);
        var asRaw = Tensor(OnnxDataType.Float).Bytes(9, floatData);
        var asHalf = Tensor(OnnxDataType.Float16).Bytes(9, halves);
        var asDouble = Tensor(OnnxDataType.Double).Bytes(9, doubles);
        foreach (var (w, tolerance) in new[] { (asFloatData, 0f), (asRaw, 0f), (asHalf, 1e-3f), (asDouble, 0f) })
        {
            var t = OnnxProtoReader.ReadTensor(new ProtoReader(w.ToArray(), "tensor"));
            Assert.That(t.Dims, Is.EqualTo(new long[] { 2, 3 }));
            Assert.That(t.Name, Is.EqualTo("w"));
            Assert.That(t.Floats, Is.EqualTo(expected).Within(tolerance));
        }
    }

    private static ProtoWriter Tensor(OnnxDataType type) =>
        new ProtoWriter().PackedInt64s(1, [2, 3]).Int64(2, (long)type).String(8, "w");

    [TestCase(new byte[] { 0x80 }, "truncated varint")]
    [TestCase(new byte[] { 0x3A, 0x05, 0x01 }, "runs past the end")]
    [TestCase(new byte[] { 0x0B }, "unsupported wire type 3")]
    [TestCase(new byte[] { 0x00 }, "invalid field number 0")]
    [TestCase(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 }, "varint longer than 10 bytes")]
    public void MalformedWireDataIsAFormatError(byte[] bytes, string expected)
    {
        var e = Assert.Throws<FormatException>(() => OnnxProtoReader.ReadModel(bytes))!;
        Assert.That(e.Message, Does.StartWith("ModelProto: ").And.Contain(expected));
    }

    [Test]
    public void TensorDataThatDoesNotFitItsDimensionsIsAFormatError()
    {
        var w = Tensor(OnnxDataType.Float).Bytes(9, new byte[20]);
        var e = Assert.Throws<FormatException>(() => OnnxProtoReader.ReadTensor(new ProtoReader(w.ToArray(), "graph.initializer[0]")))!;
        Assert.That(e.Message, Is.EqualTo("graph.initializer[0] 'w': raw_data holds 20 bytes, the dimensions [2, 3] of Float need 24"));
    }
}
