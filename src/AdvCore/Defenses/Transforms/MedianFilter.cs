namespace AdvCore.Defenses;

/// <summary>
/// Spatial smoothing by a k×k median per channel (Xu et al. 2017; thesis Table 6.3: 2×2 and 3×3),
/// with scipy.ndimage.median_filter's conventions, which ART and Xu et al. use: the window covers
/// offsets −⌊k/2⌋ … k − 1 − ⌊k/2⌋ (so 2×2 reaches up and left), borders mirror with the edge
/// repeated ("reflect": d c b a | a b c d | d c b a), and the value is the element of rank ⌊k²/2⌋
/// of the sorted window (the upper median for even k).
/// </summary>
public sealed class MedianFilter : IInputTransform
{
    /// <summary>A <paramref name="size"/>×<paramref name="size"/> median (2..7).</summary>
    /// <exception cref="ArgumentOutOfRangeException">size outside 2..7.</exception>
    public MedianFilter(int size)
    {
        if (size is < 2 or > 7) throw new ArgumentOutOfRangeException(nameof(size), size, $"median filter size must be in 2..7 (got {size})");
        Size = size;
    }

    /// <summary>Window side k.</summary>
    public int Size { get; }

    /// <inheritdoc />
    public string Name => $"median:{Size}";

    /// <inheritdoc />
    public void Apply(Span<float> images, int count, IReadOnlyList<int> shape)
    {
        if (shape.Count != 3) throw new ArgumentException($"a median filter needs images of shape [C,H,W] (got [{string.Join(',', shape)}])");
        int h = shape[1], w = shape[2], plane = h * w;
        if (h < Size || w < Size) throw new ArgumentException($"a {Size}×{Size} median filter needs images of at least {Size}×{Size} (got {h}×{w})");
        int planes = images.Length / plane, low = -(Size / 2), rank = Size * Size / 2;
        Span<float> window = stackalloc float[Size * Size];
        var source = new float[plane];
        for (int p = 0; p < planes; p++)
        {
            var channel = images.Slice(p * plane, plane);
            channel.CopyTo(source);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    int k = 0;
                    for (int dy = 0; dy < Size; dy++)
                    {
                        int row = Reflect(y + low + dy, h) * w;
                        for (int dx = 0; dx < Size; dx++) window[k++] = source[row + Reflect(x + low + dx, w)];
                    }
                    window.Sort();
                    channel[y * w + x] = window[rank];
                }
        }
    }

    // scipy's "reflect" for offsets of at most one image side.
    private static int Reflect(int i, int n) => i < 0 ? -i - 1 : i >= n ? 2 * n - i - 1 : i;
}
