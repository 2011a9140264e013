namespace AdvCore.Data;

/// <summary>
/// Byte → [0,1] float conversion. A 256-entry table gives exactly b/255f (multiplying by 1/255f
/// differs in the last bit for some bytes) at the speed of a lookup.
/// </summary>
internal static class PixelScale
{
    private static readonly float[] Table = Build();

    private static float[] Build()
    {
        var table = new float[256];
        for (int b = 0; b < 256; b++) table[b] = b / 255f;
        return table;
    }

    internal static void ToUnit(ReadOnlySpan<byte> source, Span<float> destination)
    {
        float[] table = Table;
        for (int i = 0; i < source.Length; i++) destination[i] = table[source[i]];
    }
}
