using System.Buffers.Binary;

namespace AdvCore.Onnx;

/// <summary>
/// Decodes an ONNX ModelProto (field numbers of onnx.proto) into <see cref="OnnxModelProto"/>.
/// Fields AdvCore does not use are skipped; anything malformed is a <see cref="FormatException"/>
/// naming the message path, e.g. "graph.initializer[2] '0.weight': raw_data holds 10 bytes, 16 expected".
/// </summary>
internal static class OnnxProtoReader
{
    public static OnnxModelProto ReadModel(ReadOnlyMemory<byte> bytes)
    {
        var r = new ProtoReader(bytes, "ModelProto");
        var model = new OnnxModelProto();
        bool sawGraph = false;
        while (!r.AtEnd)
        {
            var (field, type) = r.ReadTag();
            switch (field)
            {
                case 1: r.Expect(type, WireType.Varint, "ir_version"); model.IrVersion = r.ReadInt64(); break;
                case 2: r.Expect(type, WireType.LengthDelimited, "producer_name"); model.ProducerName = r.ReadName(); break;
                case 3: r.Expect(type, WireType.LengthDelimited, "producer_version"); model.ProducerVersion = r.ReadName(); break;
                case 7: r.Expect(type, WireType.LengthDelimited, "graph"); model.Graph = ReadGraph(r.ReadMessage("graph")); sawGraph = true; break;
                case 8: r.Expect(type, WireType.LengthDelimited, "opset_import"); model.OpsetImports.Add(ReadOpset(r.ReadMessage($"opset_import[{model.OpsetImports.Count}]"))); break;
                case 14: r.Expect(type, WireType.LengthDelimited, "metadata_props"); model.Metadata.Add(ReadEntry(r.ReadMessage("metadata_props"))); break;
                default: r.Skip(type); break;
            }
        }
        if (!sawGraph) throw r.Error("no graph (is this an ONNX model file?)");
        return model;
    }

    private static (string, long) ReadOpset(ProtoReader r)
    {
        string domain = "";
        long version = 0;
        while (!r.AtEnd)
        {
            var (field, type) = r.ReadTag();
            if (field == 1 && type == WireType.LengthDelimited) domain = r.ReadName();
            else if (field == 2 && type == WireType.Varint) version = r.ReadInt64();
            else r.Skip(type);
        }
        return (domain, version);
    }

    private static KeyValuePair<string, string> ReadEntry(ProtoReader r)
    {
        string key = "", value = "";
        while (!r.AtEnd)
        {
            var (field, type) = r.ReadTag();
            if (field == 1 && type == WireType.LengthDelimited) key = r.ReadString();
            else if (field == 2 && type == WireType.LengthDelimited) value = r.ReadString();
            else r.Skip(type);
        }
        return new(key, value);
    }

    private static OnnxGraphProto ReadGraph(ProtoReader r)
    {
        var graph = new OnnxGraphProto();
        while (!r.AtEnd)
        {
            var (field, type) = r.ReadTag();
            if (field is 1 or 5 or 11 or 12 or 15) r.Expect(type, WireType.LengthDelimited, $"{r.Where} field {field}");
            switch (field)
            {
                case 1:
                    var node = ReadNode(r.ReadMessage($"graph.node[{graph.Nodes.Count}]"));
                    node.Label = node.Name.Length > 0 ? $"'{node.Name}'" : $"#{graph.Nodes.Count} (unnamed, output '{node.Outputs.FirstOrDefault()}')";
                    graph.Nodes.Add(node);
                    break;
                case 2: r.Expect(type, WireType.LengthDelimited, "graph.name"); graph.Name = r.ReadName(); break;
                case 5: graph.Initializers.Add(ReadTensor(r.ReadMessage($"graph.initializer[{graph.Initializers.Count}]"))); break;
                case 11: graph.Inputs.Add(ReadValueInfo(r.ReadMessage($"graph.input[{graph.Inputs.Count}]"))); break;
                case 12: graph.Outputs.Add(ReadValueInfo(r.ReadMessage($"graph.output[{graph.Outputs.Count}]"))); break;
                case 15: throw r.Error("sparse initializers are not supported");
                default: r.Skip(type); break;
            }
        }
        return graph;
    }

    private static OnnxNodeProto ReadNode(ProtoReader r)
    {
        var node = new OnnxNodeProto();
        while (!r.AtEnd)
        {
            var (field, type) = r.ReadTag();
            if (field is >= 1 and <= 5 or 7) r.Expect(type, WireType.LengthDelimited, $"{r.Where} field {field}");
            switch (field)
            {
                case 1: node.Inputs.Add(r.ReadName()); break;
                case 2: node.Outputs.Add(r.ReadName()); break;
                case 3: node.Name = r.ReadName(); break;
                case 4: node.OpType = r.ReadName(); break;
                case 5: node.Attributes.Add(ReadAttribute(r.ReadMessage($"{r.Where}.attribute[{node.Attributes.Count}]"))); break;
                case 7: node.Domain = r.ReadName(); break;
                default: r.Skip(type); break;
            }
        }
        return node;
    }

    private static OnnxAttribute ReadAttribute(ProtoReader r)
    {
        var a = new OnnxAttribute();
        while (!r.AtEnd)
        {
            var (field, type) = r.ReadTag();
            switch (field)
            {
                case 1: r.Expect(type, WireType.LengthDelimited, "attribute name"); a.Name = r.ReadName(); break;
                case 2: r.Expect(type, WireType.Fixed32, "attribute f"); a.F = r.ReadFloat(); break;
                case 3: r.Expect(type, WireType.Varint, "attribute i"); a.I = r.ReadInt64(); break;
                case 4: r.Expect(type, WireType.LengthDelimited, "attribute s"); a.S = r.ReadName(); break;
                case 5: r.Expect(type, WireType.LengthDelimited, "attribute t"); a.T = ReadTensor(r.ReadMessage($"{r.Where}.t")); break;
                case 7: r.ReadFloats(type, a.Floats); break;
                case 8: r.ReadInt64s(type, a.Ints); break;
                case 20: r.Expect(type, WireType.Varint, "attribute type"); a.Type = (OnnxAttributeType)r.ReadInt32(); break;
                default: r.Skip(type); break;
            }
        }
        return a;
    }

    private static OnnxValueInfo ReadValueInfo(ProtoReader r)
    {
        var info = new OnnxValueInfo();
        while (!r.AtEnd)
        {
            var (field, type) = r.ReadTag();
            if (field == 1 && type == WireType.LengthDelimited) info.Name = r.ReadName();
            else if (field == 2 && type == WireType.LengthDelimited) ReadType(r.ReadMessage($"{r.Where}.type"), info);
            else r.Skip(type);
        }
        return info;
    }

    private static void ReadType(ProtoReader r, OnnxValueInfo info)
    {
        while (!r.AtEnd)
        {
            var (field, type) = r.ReadTag();
            if (field != 1 || type != WireType.LengthDelimited) { r.Skip(type); continue; } // sequences, maps: not tensors
            var tensor = r.ReadMessage($"{r.Where}.tensor_type");
            while (!tensor.AtEnd)
            {
                var (f, t) = tensor.ReadTag();
                if (f == 1 && t == WireType.Varint) info.ElementType = (OnnxDataType)tensor.ReadInt32();
                else if (f == 2 && t == WireType.LengthDelimited) info.Shape = ReadShape(tensor.ReadMessage($"{r.Where}.shape"));
                else tensor.Skip(t);
            }
        }
    }

    private static long?[] ReadShape(ProtoReader r)
    {
        var dims = new List<long?>();
        while (!r.AtEnd)
        {
            var (field, type) = r.ReadTag();
            if (field != 1 || type != WireType.LengthDelimited) { r.Skip(type); continue; }
            var dim = r.ReadMessage($"{r.Where}.dim[{dims.Count}]");
            long? value = null;
            while (!dim.AtEnd)
            {
                var (f, t) = dim.ReadTag();
                if (f == 1 && t == WireType.Varint) value = dim.ReadInt64();
                else dim.Skip(t); // dim_param: a symbolic size such as the batch
            }
            dims.Add(value);
        }
        return [.. dims];
    }

    internal static OnnxTensorProto ReadTensor(ProtoReader r)
    {
        var tensor = new OnnxTensorProto();
        var dims = new List<long>();
        var floats = new List<float>();
        var doubles = new List<double>();
        var ints = new List<long>();
        ReadOnlyMemory<byte>? raw = null;
        while (!r.AtEnd)
        {
            var (field, type) = r.ReadTag();
            switch (field)
            {
                case 1: r.ReadInt64s(type, dims); break;
                case 2: r.Expect(type, WireType.Varint, "data_type"); tensor.DataType = (OnnxDataType)r.ReadInt32(); break;
                case 4: r.ReadFloats(type, floats); break;
                case 5: case 7: case 11: r.ReadInt64s(type, ints); break; // int32_data (also float16 bits), int64_data, uint64_data
                case 8: r.Expect(type, WireType.LengthDelimited, "name"); tensor.Name = r.ReadName(); break;
                case 9: r.Expect(type, WireType.LengthDelimited, "raw_data"); raw = r.ReadBytes(); break;
                case 10: r.ReadDoubles(type, doubles); break;
                case 13: throw r.Error($"tensor '{tensor.Name}' keeps its data in an external file, which is not supported (save the model with the weights inside)");
                case 14:
                    r.Expect(type, WireType.Varint, "data_location");
                    if (r.ReadInt64() != 0) throw r.Error($"tensor '{tensor.Name}' keeps its data in an external file, which is not supported");
                    break;
                default: r.Skip(type); break;
            }
        }
        var where = $"{r.Where} '{tensor.Name}'";
        if (dims.Any(d => d < 0)) throw new FormatException($"{where}: negative dimension in [{string.Join(", ", dims)}]");
        tensor.Dims = [.. dims];
        long count;
        try { count = dims.Aggregate(1L, (a, d) => checked(a * d)); }
        catch (OverflowException) { throw new FormatException($"{where}: dimensions [{string.Join(", ", dims)}] overflow"); }
        Decode(tensor, count, raw, floats, doubles, ints, where);
        return tensor;
    }

    private static void Decode(OnnxTensorProto t, long count, ReadOnlyMemory<byte>? raw, List<float> floats, List<double> doubles, List<long> ints, string where)
    {
        int size = t.DataType switch
        {
            OnnxDataType.Float or OnnxDataType.Int32 => 4,
            OnnxDataType.Double or OnnxDataType.Int64 => 8,
            OnnxDataType.Float16 => 2,
            OnnxDataType.Int8 or OnnxDataType.UInt8 or OnnxDataType.Bool => 1,
            _ => 0,
        };
        if (size == 0)
        {
            // Strings, bfloat16, complex, … never hold weights of the layers we import.
            if (raw is not null || floats.Count + doubles.Count + ints.Count > 0) t.DataType = OnnxDataType.Undefined;
            return;
        }
        bool floating = t.DataType is OnnxDataType.Float or OnnxDataType.Double or OnnxDataType.Float16;
        if (raw is { } bytes)
        {
            if (count > int.MaxValue / size || bytes.Length != count * size)
                throw new FormatException($"{where}: raw_data holds {bytes.Length} bytes, the dimensions [{string.Join(", ", t.Dims)}] of {t.DataType} need {count * size}");
            var span = bytes.Span;
            if (floating)
            {
                var values = new float[count];
                for (int i = 0; i < values.Length; i++)
                    values[i] = t.DataType switch
                    {
                        OnnxDataType.Float => BinaryPrimitives.ReadSingleLittleEndian(span[(i * 4)..]),
                        OnnxDataType.Double => (float)BinaryPrimitives.ReadDoubleLittleEndian(span[(i * 8)..]),
                        _ => (float)BinaryPrimitives.ReadHalfLittleEndian(span[(i * 2)..]),
                    };
                t.Floats = values;
            }
            else
            {
                var values = new long[count];
                for (int i = 0; i < values.Length; i++)
                    values[i] = t.DataType switch
                    {
                        OnnxDataType.Int64 => BinaryPrimitives.ReadInt64LittleEndian(span[(i * 8)..]),
                        OnnxDataType.Int32 => BinaryPrimitives.ReadInt32LittleEndian(span[(i * 4)..]),
                        OnnxDataType.Int8 => (sbyte)span[i],
                        _ => span[i],
                    };
                t.Int64s = values;
            }
            return;
        }
        int stored = t.DataType switch
        {
            OnnxDataType.Float => floats.Count,
            OnnxDataType.Double => doubles.Count,
            _ => ints.Count,
        };
        if (stored != count)
            throw new FormatException($"{where}: holds {stored} values, the dimensions [{string.Join(", ", t.Dims)}] need {count}");
        if (t.DataType == OnnxDataType.Float) t.Floats = [.. floats];
        else if (t.DataType == OnnxDataType.Double) t.Floats = doubles.Select(d => (float)d).ToArray();
        else if (t.DataType == OnnxDataType.Float16) t.Floats = ints.Select(b => (float)BitConverter.UInt16BitsToHalf((ushort)b)).ToArray();
        else t.Int64s = [.. ints];
    }
}
