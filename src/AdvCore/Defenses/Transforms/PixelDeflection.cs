using System.Globalization;
using AdvCore.Training;

namespace AdvCore.Defenses;

/// <summary>
/// Pixel deflection (Prakash et al. 2018; thesis Table 6.3), as the authors' code runs it without
/// a class-activation map: <see cref="Deflections"/> times, a random pixel of a random channel
/// takes the value of a random pixel within ±<see cref="Window"/> of it; then wavelet denoising —
/// BayesShrink soft thresholding of the Haar (db1) detail bands with noise σ =
/// <see cref="Sigma"/>, over max(1, ⌊log2(min(H, W))⌋ − 3) levels (skimage's denoise_wavelet
/// defaults the authors use) — and a clip to [0, 1]. The draws come from a seeded stream that
/// advances with every image, so a run repeats exactly but no two queries see the same deflections.
/// </summary>
public sealed class PixelDeflection : IInputTransform
{
    private SplitMix64 _random;

    /// <summary>Deflects <paramref name="deflections"/> pixels within ±<paramref name="window"/>, denoises with noise σ <paramref name="sigma"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative count, a window below 1, or σ not positive.</exception>
    public PixelDeflection(int deflections, int window, float sigma = 0.04f, ulong seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(deflections);
        if (window < 1) throw new ArgumentOutOfRangeException(nameof(window), window, $"the deflection window must be >= 1 (got {window})");
        if (!(sigma > 0) || !float.IsFinite(sigma)) throw new ArgumentOutOfRangeException(nameof(sigma), sigma, $"the denoising σ must be positive (got {sigma})");
        Deflections = deflections;
        Window = window;
        Sigma = sigma;
        _random = new SplitMix64(seed ^ 0x3C6EF372FE94F82BUL);
    }

    /// <summary>Pixels deflected per image.</summary>
    public int Deflections { get; }

    /// <summary>Half-width of the neighbourhood a deflected pixel draws from.</summary>
    public int Window { get; }

    /// <summary>The noise σ the BayesShrink thresholds assume.</summary>
    public float Sigma { get; }

    /// <inheritdoc />
    public string Name => string.Create(CultureInfo.InvariantCulture, $"deflection:{Deflections}:{Window}");

    /// <summary>The authors' ImageNet setting (200 deflections in 224×224, window 10) scaled to an h × w image.</summary>
    public static PixelDeflection ScaledFor(int height, int width, ulong seed = 0) =>
        new(Math.Max(1, (int)Math.Round(200.0 * height * width / (224 * 224))), Math.Max(1, (int)Math.Round(10.0 * Math.Min(height, width) / 224)), 0.04f, seed);

    /// <inheritdoc />
    public void Apply(Span<float> images, int count, IReadOnlyList<int> shape)
    {
        if (shape.Count != 3) throw new ArgumentException($"pixel deflection needs images of shape [C,H,W] (got [{string.Join(',', shape)}])");
        int c = shape[0], h = shape[1], w = shape[2], plane = h * w, size = c * plane;
        for (int n = 0; n < count; n++)
        {
            var image = images.Slice(n * size, size);
            Deflect(image, c, h, w);
            for (int ch = 0; ch < c; ch++)
            {
                var p = image.Slice(ch * plane, plane);
                float[] denoised = Denoise(p.ToArray(), h, w, Sigma);
                for (int i = 0; i < plane; i++) p[i] = Math.Clamp(denoised[i], 0f, 1f);
            }
        }
    }

    // The authors' loop: a random pixel of a random channel, and a source inside the image and the window.
    private void Deflect(Span<float> image, int c, int h, int w)
    {
        if (h < 2 || w < 2) return;
        for (int k = 0; k < Deflections; k++)
        {
            int ch = _random.NextInt(c), y = _random.NextInt(h), x = _random.NextInt(w), sy, sx;
            do
            {
                sy = y + _random.NextInt(2 * Window + 1) - Window;
                sx = x + _random.NextInt(2 * Window + 1) - Window;
            } while (sy < 0 || sy >= h || sx < 0 || sx >= w);
            image[ch * h * w + y * w + x] = image[ch * h * w + sy * w + sx];
        }
    }

    /// <summary>BayesShrink soft thresholding of every detail band (skimage's _bayes_thresh: σ² / √max(E[d²] − σ², ε)).</summary>
    internal static float[] Denoise(float[] plane, int h, int w, float sigma)
    {
        int levels = Math.Max(1, HaarWavelet.MaxLevel(Math.Min(h, w)) - 3);
        var stack = new List<(float[][] Details, int H, int W)>();
        float[] a = plane;
        int ch = h, cw = w;
        for (int l = 0; l < levels && ch >= 2 && cw >= 2; l++)
        {
            var (next, details, h2, w2) = HaarWavelet.Forward(a, ch, cw);
            stack.Add((details, ch, cw));
            a = next;
            ch = h2;
            cw = w2;
        }
        double variance = (double)sigma * sigma;
        foreach (var (details, _, _) in stack)
            foreach (var band in details)
            {
                double meanSquare = 0;
                foreach (float v in band) meanSquare += (double)v * v;
                meanSquare /= band.Length;
                float threshold = (float)(variance / Math.Sqrt(Math.Max(meanSquare - variance, 2.220446049250313e-16)));
                for (int i = 0; i < band.Length; i++)
                    band[i] = MathF.Sign(band[i]) * MathF.Max(MathF.Abs(band[i]) - threshold, 0f);
            }
        for (int l = stack.Count - 1; l >= 0; l--) a = HaarWavelet.Inverse(a, stack[l].Details, stack[l].H, stack[l].W);
        return a;
    }
}
