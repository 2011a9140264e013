using System.Text;
using System.Text.Json;

namespace AdvCore.IO;

/// <summary>
/// A safetensors file read whole and validated: header length within the file, a JSON object
/// header, known dtypes, non-negative shapes, and data offsets that tile the data section
/// exactly with each tensor's byte size matching its shape. Any violation is a
/// <see cref="SafeTensorsFormatException"/> naming the file and the problem.
/// </summary>
public sealed class SafeTensorFile
{
    // A header this large is corruption, not a model of ours (the format's own readers cap it too).
    private const long MaxHeaderBytes = 100L << 20;

    private readonly Dictionary<string, SafeTensor> _tensors;

    private SafeTensorFile(string path, Dictionary<string, SafeTensor> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        Path = path;
        _tensors = tensors;
        Metadata = metadata;
    }

    /// <summary>The file read.</summary>
    public string Path { get; }
    /// <summary>The <c>__metadata__</c> strings of the header (empty when it has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }
    /// <summary>The tensor names.</summary>
    public IReadOnlyCollection<string> Names => _tensors.Keys;
    /// <summary>Whether the file holds a tensor <paramref name="name"/>.</summary>
    public bool Contains(string name) => _tensors.ContainsKey(name);

    /// <summary>The tensor <paramref name="name"/>; a missing name is a format error listing what is there.</summary>
    public SafeTensor this[string name] => _tensors.TryGetValue(name, out var t) ? t
        : throw new SafeTensorsFormatException(Path, $"no tensor named '{name}' (the file holds {string.Join(", ", _tensors.Keys.Take(20))}{(_tensors.Count > 20 ? ", ..." : "")})");

    /// <summary>Reads and checks a whole file; a truncated or malformed one is refused with <see cref="SafeTensorsFormatException"/>.</summary>
    public static SafeTensorFile Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] blob = File.ReadAllBytes(path);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors files are little-endian");
        if (blob.Length < 8) throw new SafeTensorsFormatException(path, $"truncated: {blob.Length} bytes, not even the 8-byte header length");
        ulong headerLength = BitConverter.ToUInt64(blob, 0);
        if (headerLength > MaxHeaderBytes || (long)headerLength > blob.Length - 8)
            throw new SafeTensorsFormatException(path, $"header length {headerLength} exceeds the file ({blob.Length} bytes): truncated or not a safetensors file");
        int dataStart = 8 + (int)headerLength;

        JsonElement root;
        try
        {
            string text = Encoding.UTF8.GetString(blob, 8, (int)headerLength);
            using var doc = JsonDocument.Parse(text);
            root = doc.RootElement.Clone();
        }
        catch (Exception e) when (e is JsonException or DecoderFallbackException)
        {
            throw new SafeTensorsFormatException(path, $"header is not valid JSON: {(e is JsonException json ? JsonErrors.Describe(json) : e.Message)}");
        }
        if (root.ValueKind != JsonValueKind.Object) throw new SafeTensorsFormatException(path, "header is not a JSON object");

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var entries = new List<(string Name, SafeTensorDType Type, long[] Shape, long Begin, long End)>();
        foreach (var property in root.EnumerateObject())
        {
            if (property.Name == "__metadata__") ReadMetadata(path, property.Value, metadata);
            else entries.Add(ReadEntry(path, property.Name, property.Value));
        }

        // The offsets must tile [0, data length) exactly: no gaps, overlaps or trailing bytes.
        long dataLength = blob.Length - dataStart;
        long expected = 0;
        foreach (var e in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (e.Begin != expected)
                throw new SafeTensorsFormatException(path, $"tensor '{e.Name}' starts at byte {e.Begin} of the data, expected {expected} (gap or overlap)");
            expected = e.End;
        }
        if (expected != dataLength)
            throw new SafeTensorsFormatException(path, expected > dataLength
                ? $"truncated: the header describes {expected} data bytes, the file holds {dataLength}"
                : $"{dataLength - expected} bytes after the last tensor");

        var tensors = new Dictionary<string, SafeTensor>(StringComparer.Ordinal);
        foreach (var e in entries)
            tensors[e.Name] = new SafeTensor(e.Name, e.Type, e.Shape, blob.AsSpan(dataStart + (int)e.Begin, (int)(e.End - e.Begin)).ToArray());
        return new SafeTensorFile(path, tensors, metadata);
    }

    private static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> into)
    {
        if (value.ValueKind != JsonValueKind.Object) throw new SafeTensorsFormatException(path, "__metadata__ is not a JSON object");
        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
                throw new SafeTensorsFormatException(path, $"__metadata__ value '{item.Name}' is not a string");
            into[item.Name] = item.Value.GetString()!;
        }
    }

    private static (string, SafeTensorDType, long[], long, long) ReadEntry(string path, string name, JsonElement value)
    {
        SafeTensorsFormatException Bad(string problem) => new(path, $"tensor '{name}': {problem}");
        if (value.ValueKind != JsonValueKind.Object) throw Bad("entry is not a JSON object");
        if (!value.TryGetProperty("dtype", out var dtype) || dtype.ValueKind != JsonValueKind.String)
            throw Bad("missing dtype");
        if (!SafeTensorDTypes.TryParse(dtype.GetString()!, out var type))
            throw Bad($"unsupported dtype '{dtype.GetString()}' (AdvCore reads F32, F64, I32, I64, U8)");
        long[] shape = LongArray(value, "shape", Bad);
        long[] offsets = LongArray(value, "data_offsets", Bad);
        if (Array.Exists(shape, d => d < 0)) throw Bad($"negative dimension in shape [{string.Join(", ", shape)}]");
        if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0])
            throw Bad($"data_offsets [{string.Join(", ", offsets)}] must be [begin, end] with 0 <= begin <= end");
        long count;
        try { count = shape.Aggregate(1L, (a, d) => checked(a * d)); }
        catch (OverflowException) { throw Bad($"shape [{string.Join(", ", shape)}] is absurdly large"); }
        long bytes = offsets[1] - offsets[0];
        if (count > int.MaxValue / 8 || bytes != count * SafeTensorDTypes.Size(type))
            throw Bad($"{type} shape [{string.Join(", ", shape)}] needs {count * SafeTensorDTypes.Size(type)} bytes, data_offsets span {bytes}");
        return (name, type, shape, offsets[0], offsets[1]);
    }

    private static long[] LongArray(JsonElement value, string key, Func<string, SafeTensorsFormatException> bad)
    {
        if (!value.TryGetProperty(key, out var array) || array.ValueKind != JsonValueKind.Array)
            throw bad($"missing {key}");
        var result = new long[array.GetArrayLength()];
        int i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out result[i++]))
                throw bad($"{key} holds a non-integer");
        }
        return result;
    }
}
