using System.Buffers.Binary;

namespace AdvCore.Onnx;

/// <summary>Encodes an <see cref="OnnxModelProto"/> with onnx.proto's field numbers (weights as raw_data).</summary>
internal static class OnnxProtoWriter
{
    public static byte[] WriteModel(OnnxModelProto model)
    {
        var w = new ProtoWriter()
            .Int64(1, model.IrVersion)
            .String(2, model.ProducerName)
            .String(3, model.ProducerVersion)
            .Message(7, Graph(model.Graph));
        foreach (var (domain, version) in model.OpsetImports)
            w.Message(8, new ProtoWriter().String(1, domain).Int64(2, version));
        foreach (var (key, value) in model.Metadata)
            w.Message(14, new ProtoWriter().String(1, key).String(2, value));
        return w.ToArray();
    }

    private static ProtoWriter Graph(OnnxGraphProto graph)
    {
        var w = new ProtoWriter();
        foreach (var node in graph.Nodes) w.Message(1, Node(node));
        w.String(2, graph.Name);
        foreach (var tensor in graph.Initializers) w.Message(5, Tensor(tensor));
        foreach (var input in graph.Inputs) w.Message(11, ValueInfo(input));
        foreach (var output in graph.Outputs) w.Message(12, ValueInfo(output));
        return w;
    }

    private static ProtoWriter Node(OnnxNodeProto node)
    {
        var w = new ProtoWriter();
        foreach (var input in node.Inputs) w.String(1, input);
        foreach (var output in node.Outputs) w.String(2, output);
        w.String(3, node.Name).String(4, node.OpType);
        foreach (var a in node.Attributes) w.Message(5, Attribute(a));
        if (node.Domain.Length > 0) w.String(7, node.Domain);
        return w;
    }

    private static ProtoWriter Attribute(OnnxAttribute a)
    {
        var w = new ProtoWriter().String(1, a.Name);
        switch (a.Type)
        {
            case OnnxAttributeType.Float: w.Float(2, a.F); break;
            case OnnxAttributeType.Int: w.Int64(3, a.I); break;
            case OnnxAttributeType.String: w.String(4, a.S); break;
            case OnnxAttributeType.Tensor: w.Message(5, Tensor(a.T!)); break;
            case OnnxAttributeType.Floats: foreach (var f in a.Floats) w.Float(7, f); break;
            case OnnxAttributeType.Ints: w.Int64s(8, a.Ints); break;
            default: throw new ArgumentException($"attribute {a.Name}: type {a.Type} is not written");
        }
        return w.Int64(20, (long)a.Type);
    }

    private static ProtoWriter Tensor(OnnxTensorProto t)
    {
        var w = new ProtoWriter().Int64s(1, t.Dims).Int64(2, (long)t.DataType).String(8, t.Name);
        byte[] raw;
        if (t.DataType == OnnxDataType.Float)
        {
            var values = t.Floats ?? throw new ArgumentException($"tensor {t.Name} has no float values");
            raw = new byte[values.Length * 4];
            for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * 4), values[i]);
        }
        else if (t.DataType == OnnxDataType.Int64)
        {
            var values = t.Int64s ?? throw new ArgumentException($"tensor {t.Name} has no integer values");
            raw = new byte[values.Length * 8];
            for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(raw.AsSpan(i * 8), values[i]);
        }
        else throw new ArgumentException($"tensor {t.Name}: data type {t.DataType} is not written");
        return w.Bytes(9, raw);
    }

    private static ProtoWriter ValueInfo(OnnxValueInfo info)
    {
        var shape = new ProtoWriter();
        foreach (var dim in info.Shape ?? [])
            shape.Message(1, dim is { } value ? new ProtoWriter().Int64(1, value) : new ProtoWriter().String(2, "N"));
        var tensorType = new ProtoWriter().Int64(1, (long)info.ElementType).Message(2, shape);
        return new ProtoWriter().String(1, info.Name).Message(2, new ProtoWriter().Message(1, tensorType));
    }
}
