using AdvCore.IO;
using SkiaSharp;

namespace AdvCore.Evaluation;

/// <summary>
/// A PNG grid of examples (as thesis §5.6): one column per image, rows = originals, adversarial
/// images, and perturbations y − x magnified to the full grey range (0.5 + r·0.5/max|r|, per
/// image, so mid-grey is "unchanged"). Pixels are enlarged by an integer factor; images are CHW
/// with 1 (grey) or 3 (RGB) channels.
/// </summary>
public static class AdversarialGrid
{
    private const int Gap = 2;

    /// <summary>Renders the grid to PNG bytes.</summary>
    /// <param name="examples">The images (at least one).</param>
    /// <param name="shape">Per-image shape C,H,W (C = 1 or 3).</param>
    /// <param name="scale">Integer enlargement of each pixel.</param>
    public static byte[] Render(IReadOnlyList<AdversarialExample> examples, IReadOnlyList<int> shape, int scale = 4)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(shape);
        if (examples.Count == 0) throw new ArgumentException("no examples to draw", nameof(examples));
        if (shape.Count != 3 || (shape[0] != 1 && shape[0] != 3) || shape[1] < 1 || shape[2] < 1)
            throw new ArgumentException($"shape must be [C,H,W] with C = 1 or 3, got [{string.Join(',', shape)}]", nameof(shape));
        if (scale is < 1 or > 64) throw new ArgumentOutOfRangeException(nameof(scale), scale, "scale must be in [1, 64]");
        int c = shape[0], h = shape[1], w = shape[2], d = c * h * w;
        foreach (var e in examples)
            if (e.Original.Length != d || e.Adversarial.Length != d)
                throw new ArgumentException($"example {e.Index} does not hold {d} values per image", nameof(examples));

        int tileW = w * scale, tileH = h * scale;
        int width = examples.Count * (tileW + Gap) + Gap, height = 3 * (tileH + Gap) + Gap;
        using var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        bitmap.Erase(SKColors.White);
        for (int col = 0; col < examples.Count; col++)
        {
            var e = examples[col];
            var perturbation = Stretched(e, d);
            int left = Gap + col * (tileW + Gap);
            Draw(bitmap, e.Original, c, h, w, scale, left, Gap);
            Draw(bitmap, e.Adversarial, c, h, w, scale, left, Gap + tileH + Gap);
            Draw(bitmap, perturbation, c, h, w, scale, left, Gap + 2 * (tileH + Gap));
        }
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>Writes the grid as a PNG file (atomically).</summary>
    public static void Save(string path, IReadOnlyList<AdversarialExample> examples, IReadOnlyList<int> shape, int scale = 4) =>
        AtomicFile.WriteBytes(path, Render(examples, shape, scale));

    // y − x mapped to the full grey range, 0.5 + r·0.5/max|r| (0.5 everywhere when r = 0); MagnifiedGrid shows it too.
    internal static float[] Stretched(AdversarialExample e, int d)
    {
        var perturbation = new float[d];
        float max = 0;
        for (int j = 0; j < d; j++) max = Math.Max(max, Math.Abs(e.Adversarial[j] - e.Original[j]));
        float gain = max > 0 ? 0.5f / max : 0;
        for (int j = 0; j < d; j++) perturbation[j] = 0.5f + (e.Adversarial[j] - e.Original[j]) * gain;
        return perturbation;
    }

    // One C×H×W image (C = 1 or 3, values in [0,1]) at (left, top), each pixel a scale×scale block; MagnifiedGrid draws with it too.
    internal static void Draw(SKBitmap bitmap, ReadOnlySpan<float> pixels, int c, int h, int w, int scale, int left, int top)
    {
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                byte r = Level(pixels[y * w + x]);
                byte g = c == 3 ? Level(pixels[h * w + y * w + x]) : r;
                byte b = c == 3 ? Level(pixels[2 * h * w + y * w + x]) : r;
                var color = new SKColor(r, g, b);
                for (int dy = 0; dy < scale; dy++)
                    for (int dx = 0; dx < scale; dx++)
                        bitmap.SetPixel(left + x * scale + dx, top + y * scale + dy, color);
            }
    }

    private static byte Level(float v) => (byte)Math.Clamp(MathF.Round(v * 255), 0, 255);
}
