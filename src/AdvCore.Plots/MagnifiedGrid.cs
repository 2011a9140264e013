using System.Globalization;
using AdvCore.IO;
using SkiaSharp;

namespace AdvCore.Evaluation;

/// <summary>One block of columns of a <see cref="MagnifiedGrid"/>: an attack's examples under a title.</summary>
/// <param name="Title">Written above the block (e.g. the attack and its iterations).</param>
/// <param name="Examples">The block's columns, one attacked image each.</param>
public sealed record MagnifiedGridBlock(string Title, IReadOnlyList<AdversarialExample> Examples);

/// <summary>
/// A labelled PNG grid that shows what adversarial magnification (thesis §4.5, Fig. 4.1) reveals:
/// one column per attacked image, one block of columns per attack, and the rows
/// <list type="number">
/// <item>original x (caption: its label),</item>
/// <item>adversarial y (caption: the predicted class and the L2 distortion, or "failed"),</item>
/// <item>the perturbation y − x stretched to the full grey range per image (0.5 + r·0.5/max|r|, mid-grey = unchanged, as <see cref="AdversarialGrid"/>),</item>
/// <item>mag(x), the magnified original,</item>
/// <item>mag(y), the magnified adversarial,</item>
/// </list>
/// the magnified rows through <see cref="AdversarialMagnification.ToDisplay"/> (fixed range ±R, so
/// rows 4 and 5 are on one scale). Row names on the left, block titles on top. Images are CHW with
/// 1 (grey) or 3 (RGB) channels; pixels are enlarged by an integer factor.
/// </summary>
public static class MagnifiedGrid
{
    /// <summary>The row names, top to bottom.</summary>
    public static IReadOnlyList<string> RowNames { get; } = ["original", "adversarial", "perturbation", "mag(original)", "mag(adversarial)"];

    private const int Gap = 2, BlockGap = 8, Pad = 4;
    private const float TextSize = 12;

    /// <summary>Renders the grid to PNG bytes.</summary>
    /// <param name="blocks">Column blocks (at least one example in all).</param>
    /// <param name="shape">Per-image shape C,H,W (C = 1 or 3).</param>
    /// <param name="options">Magnification parameters; null: the thesis settings.</param>
    /// <param name="scale">Integer enlargement of each pixel, in [1, 64].</param>
    /// <exception cref="ArgumentException">No examples, a bad shape, an example of the wrong size, a bad option.</exception>
    public static byte[] Render(IReadOnlyList<MagnifiedGridBlock> blocks, IReadOnlyList<int> shape, MagnificationOptions? options = null, int scale = 4)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        ArgumentNullException.ThrowIfNull(shape);
        options ??= new MagnificationOptions();
        options.Validate();
        if (blocks.Sum(b => b.Examples.Count) == 0) throw new ArgumentException("no examples to draw", nameof(blocks));
        if (shape.Count != 3 || (shape[0] != 1 && shape[0] != 3) || shape[1] < 1 || shape[2] < 1)
            throw new ArgumentException($"shape must be [C,H,W] with C = 1 or 3, got [{string.Join(',', shape)}]", nameof(shape));
        if (scale is < 1 or > 64) throw new ArgumentOutOfRangeException(nameof(scale), scale, "scale must be in [1, 64]");
        int c = shape[0], h = shape[1], w = shape[2], d = c * h * w;
        blocks = [.. blocks.Where(b => b.Examples.Count > 0)];
        var examples = blocks.SelectMany(b => b.Examples).ToList();
        foreach (var e in examples)
            if (e.Original.Length != d || e.Adversarial.Length != d)
                throw new ArgumentException($"example {e.Index} does not hold {d} values per image", nameof(blocks));

        // One batch through eq. 4.16: originals then adversarials.
        int m = examples.Count;
        var batch = new float[2 * m * d];
        for (int i = 0; i < m; i++)
        {
            examples[i].Original.CopyTo(batch, i * d);
            examples[i].Adversarial.CopyTo(batch, (m + i) * d);
        }
        var magnified = AdversarialMagnification.ToDisplay(AdversarialMagnification.Magnify(batch, [2 * m, c, h, w], options), options.DisplayRange);

        using var typeface = SKTypeface.FromFamilyName("DejaVu Sans") ?? SKTypeface.Default;
        using var font = new SKFont(typeface, TextSize);
        // Without any font installed Skia draws nothing: keep the layout, skip the text.
        bool text = typeface.GlyphCount > 0;
        int tileW = w * scale, tileH = h * scale;
        int captionH = (int)TextSize + Pad, titleH = (int)TextSize + 2 * Pad;
        int labelW = text ? (int)Math.Ceiling(RowNames.Max(n => font.MeasureText(n))) + 2 * Pad : Gap;
        int[] rowTop = new int[RowNames.Count];
        int y0 = titleH;
        for (int r = 0; r < RowNames.Count; r++)
        {
            rowTop[r] = y0;
            y0 += tileH + (r < 2 ? captionH : Gap);
        }
        int height = y0 + Gap;
        int width = labelW + blocks.Sum(b => b.Examples.Count * (tileW + Gap)) + (blocks.Count - 1) * (BlockGap - Gap);

        using var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        bitmap.Erase(SKColors.White);
        using (var canvas = new SKCanvas(bitmap))
        using (var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true })
        {
            int left = labelW, column = 0;
            foreach (var block in blocks)
            {
                int blockW = block.Examples.Count * (tileW + Gap) - Gap;
                if (text) DrawFitted(canvas, block.Title, left + blockW / 2f, titleH - Pad - 1, blockW, font, ink);
                foreach (var e in block.Examples)
                {
                    var perturbation = AdversarialGrid.Stretched(e, d);
                    AdversarialGrid.Draw(bitmap, e.Original, c, h, w, scale, left, rowTop[0]);
                    AdversarialGrid.Draw(bitmap, e.Adversarial, c, h, w, scale, left, rowTop[1]);
                    AdversarialGrid.Draw(bitmap, perturbation, c, h, w, scale, left, rowTop[2]);
                    AdversarialGrid.Draw(bitmap, magnified.AsSpan(column * d, d), c, h, w, scale, left, rowTop[3]);
                    AdversarialGrid.Draw(bitmap, magnified.AsSpan((m + column) * d, d), c, h, w, scale, left, rowTop[4]);
                    if (text)
                    {
                        float centre = left + tileW / 2f;
                        DrawFitted(canvas, $"label {e.Label}", centre, rowTop[0] + tileH + TextSize, tileW, font, ink);
                        string verdict = e.Success
                            ? string.Create(CultureInfo.InvariantCulture, $"→{e.AdversarialLabel}  L2 {e.L2:F2}")
                            : $"→{e.AdversarialLabel}  failed";
                        DrawFitted(canvas, verdict, centre, rowTop[1] + tileH + TextSize, tileW, font, ink);
                    }
                    left += tileW + Gap;
                    column++;
                }
                left += BlockGap - Gap;
            }
            if (text)
                for (int r = 0; r < RowNames.Count; r++)
                    canvas.DrawText(RowNames[r], Pad, rowTop[r] + tileH / 2f + TextSize / 3, SKTextAlign.Left, font, ink);
        }
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>Writes the grid as a PNG file (atomically).</summary>
    public static void Save(string path, IReadOnlyList<MagnifiedGridBlock> blocks, IReadOnlyList<int> shape, MagnificationOptions? options = null, int scale = 4) =>
        AtomicFile.WriteBytes(path, Render(blocks, shape, options, scale));

    /// <summary>Centred text, shrunk to fit <paramref name="maxWidth"/> (small tiles get small captions).</summary>
    private static void DrawFitted(SKCanvas canvas, string value, float centre, float baseline, float maxWidth, SKFont font, SKPaint ink)
    {
        float measured = font.MeasureText(value);
        if (measured <= maxWidth)
        {
            canvas.DrawText(value, centre, baseline, SKTextAlign.Center, font, ink);
            return;
        }
        using var small = new SKFont(font.Typeface, Math.Max(5, font.Size * maxWidth / measured));
        canvas.DrawText(value, centre, baseline, SKTextAlign.Center, small, ink);
    }

}
