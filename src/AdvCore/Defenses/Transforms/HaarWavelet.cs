namespace AdvCore.Defenses;

/// <summary>
/// The orthonormal 2-D Haar (db1) wavelet transform of one plane, in place, as PyWavelets'
/// wavedec2 / waverec2 with mode 'symmetric': an odd side is extended by repeating its last
/// sample, and the reconstruction is cropped back.
/// </summary>
internal static class HaarWavelet
{
    /// <summary>
    /// One level: returns the approximation (⌈h/2⌉ × ⌈w/2⌉) and the three detail bands
    /// (horizontal, vertical, diagonal), each of the same size.
    /// </summary>
    public static (float[] A, float[][] Details, int H2, int W2) Forward(float[] plane, int h, int w)
    {
        int h2 = (h + 1) / 2, w2 = (w + 1) / 2;
        var a = new float[h2 * w2];
        float[][] d = [new float[h2 * w2], new float[h2 * w2], new float[h2 * w2]];
        for (int y = 0; y < h2; y++)
            for (int x = 0; x < w2; x++)
            {
                int y0 = 2 * y, y1 = Math.Min(2 * y + 1, h - 1), x0 = 2 * x, x1 = Math.Min(2 * x + 1, w - 1);
                float p = plane[y0 * w + x0], q = plane[y0 * w + x1], r = plane[y1 * w + x0], s = plane[y1 * w + x1];
                int i = y * w2 + x;
                a[i] = (p + q + r + s) * 0.5f;
                d[0][i] = (p + q - r - s) * 0.5f; // horizontal detail: rows differ
                d[1][i] = (p - q + r - s) * 0.5f; // vertical detail: columns differ
                d[2][i] = (p - q - r + s) * 0.5f;
            }
        return (a, d, h2, w2);
    }

    /// <summary>The inverse of <see cref="Forward"/> onto an h × w plane.</summary>
    public static float[] Inverse(float[] a, float[][] d, int h, int w)
    {
        int h2 = (h + 1) / 2, w2 = (w + 1) / 2;
        var plane = new float[h * w];
        for (int y = 0; y < h2; y++)
            for (int x = 0; x < w2; x++)
            {
                int i = y * w2 + x;
                float s0 = a[i], s1 = d[0][i], s2 = d[1][i], s3 = d[2][i];
                Set(plane, w, h, 2 * y, 2 * x, (s0 + s1 + s2 + s3) * 0.5f);
                Set(plane, w, h, 2 * y, 2 * x + 1, (s0 + s1 - s2 - s3) * 0.5f);
                Set(plane, w, h, 2 * y + 1, 2 * x, (s0 - s1 + s2 - s3) * 0.5f);
                Set(plane, w, h, 2 * y + 1, 2 * x + 1, (s0 - s1 - s2 + s3) * 0.5f);
            }
        return plane;
    }

    private static void Set(float[] plane, int w, int h, int y, int x, float v)
    {
        if (y < h && x < w) plane[y * w + x] = v;
    }

    /// <summary>PyWavelets' dwt_max_level for db1 (filter length 2): ⌊log2(n)⌋.</summary>
    public static int MaxLevel(int n) => n < 2 ? 0 : (int)Math.Floor(Math.Log2(n));
}
