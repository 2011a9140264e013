using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;

namespace AdvCore.IO;

/// <summary>
/// Collects named tensors and string metadata, then writes one safetensors file atomically:
/// an 8-byte little-endian header length, a JSON header (padded with spaces to 8 bytes), and
/// the tensors' bytes back to back in the order they were added.
/// </summary>
public sealed class SafeTensorWriter
{
    private readonly List<(string Name, SafeTensorDType Type, long[] Shape, byte[] Bytes)> _tensors = [];
    private readonly Dictionary<string, string> _metadata = new(StringComparer.Ordinal);

    /// <summary>Adds an F32 tensor; the shape's product must equal the number of values.</summary>
    public SafeTensorWriter Add(string name, ReadOnlySpan<float> values, params long[] shape) =>
        Add(name, SafeTensorDType.F32, MemoryMarshal.AsBytes(values), shape, values.Length);

    /// <summary>Adds an I64 tensor; the shape's product must equal the number of values.</summary>
    public SafeTensorWriter Add(string name, ReadOnlySpan<long> values, params long[] shape) =>
        Add(name, SafeTensorDType.I64, MemoryMarshal.AsBytes(values), shape, values.Length);

    /// <summary>Adds an I32 tensor; the shape's product must equal the number of values.</summary>
    public SafeTensorWriter Add(string name, ReadOnlySpan<int> values, params long[] shape) =>
        Add(name, SafeTensorDType.I32, MemoryMarshal.AsBytes(values), shape, values.Length);

    /// <summary>Adds a metadata entry (safetensors metadata values are strings).</summary>
    public SafeTensorWriter Metadata(string key, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        _metadata[key] = value;
        return this;
    }

    private SafeTensorWriter Add(string name, SafeTensorDType type, ReadOnlySpan<byte> bytes, long[] shape, int count)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(shape);
        if (name == "__metadata__" || _tensors.Exists(t => t.Name == name))
            throw new ArgumentException($"tensor name '{name}' is reserved or already added", nameof(name));
        if (Array.Exists(shape, d => d < 0) || shape.Aggregate(1L, (a, d) => a * d) != count)
            throw new ArgumentException($"tensor '{name}': shape [{string.Join(", ", shape)}] does not hold {count} values", nameof(shape));
        _tensors.Add((name, type, (long[])shape.Clone(), bytes.ToArray()));
        return this;
    }

    /// <summary>Writes the file (temporary file + rename).</summary>
    public void Save(string path)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors files are little-endian");
        byte[] header = Header();
        AtomicFile.Write(path, stream =>
        {
            Span<byte> length = stackalloc byte[8];
            BitConverter.TryWriteBytes(length, (ulong)header.Length);
            stream.Write(length);
            stream.Write(header);
            foreach (var tensor in _tensors) stream.Write(tensor.Bytes);
        });
    }

    private byte[] Header()
    {
        var root = new JsonObject();
        if (_metadata.Count > 0)
        {
            var meta = new JsonObject();
            foreach (var (key, value) in _metadata) meta[key] = value;
            root["__metadata__"] = meta;
        }
        long offset = 0;
        foreach (var (name, type, shape, bytes) in _tensors)
        {
            root[name] = new JsonObject
            {
                ["dtype"] = type.ToString(),
                ["shape"] = new JsonArray(shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + bytes.Length),
            };
            offset += bytes.Length;
        }
        string text = root.ToJsonString();
        int padded = (Encoding.UTF8.GetByteCount(text) + 7) / 8 * 8;
        return Encoding.UTF8.GetBytes(text.PadRight(text.Length + padded - Encoding.UTF8.GetByteCount(text)));
    }
}
