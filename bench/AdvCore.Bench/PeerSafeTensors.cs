using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;

namespace AdvCore.Bench;

/// <summary>
/// A minimal safetensors writer for the peer data files (f32 / i32 tensors, string metadata):
/// an 8-byte little-endian header length, the JSON header padded with spaces to 8 bytes, then
/// the raw little-endian tensors in header order.
/// </summary>
internal static class PeerSafeTensors
{
    public static void Write(string path, IReadOnlyList<(string Name, long[] Shape, Array Data)> tensors,
                             IReadOnlyDictionary<string, string>? metadata)
    {
        var header = new JsonObject();
        if (metadata is not null)
        {
            var meta = new JsonObject();
            foreach (var (k, v) in metadata) meta[k] = v;
            header["__metadata__"] = meta;
        }
        long offset = 0;
        var blobs = new List<byte[]>();
        foreach (var (name, shape, data) in tensors)
        {
            byte[] bytes = data switch
            {
                float[] f => MemoryMarshal.AsBytes(f.AsSpan()).ToArray(),
                int[] n => MemoryMarshal.AsBytes(n.AsSpan()).ToArray(),
                _ => throw new ArgumentException($"{name}: only float[] and int[] are written"),
            };
            if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors are little-endian");
            header[name] = new JsonObject
            {
                ["dtype"] = data is float[] ? "F32" : "I32",
                ["shape"] = new JsonArray(shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + bytes.Length),
            };
            offset += bytes.Length;
            blobs.Add(bytes);
        }
        var text = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (text.Length + 7) / 8 * 8;
        string tmp = path + ".tmp";
        using (var stream = File.Create(tmp))
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)padded);
            stream.Write(len);
            stream.Write(text);
            for (int i = text.Length; i < padded; i++) stream.WriteByte((byte)' ');
            foreach (var b in blobs) stream.Write(b);
        }
        File.Move(tmp, path, overwrite: true);
    }
}
