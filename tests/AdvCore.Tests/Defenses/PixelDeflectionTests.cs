using AdvCore.Defenses;
using NUnit.Framework;

namespace AdvCore.Tests.Defenses;

/// <summary>
/// Pixel deflection: the Haar transform inverts exactly, the BayesShrink denoiser matches
/// skimage.restoration.denoise_wavelet (values pinned from skimage 0.19.3 with sigma 0.04, db1,
/// soft, BayesShrink), and the whole transform is seeded and stays in [0, 1].
/// </summary>
public class PixelDeflectionTests
{
    // A deterministic image both languages compute the same way: frac(sin(12.9898 y + 78.233 x) · 43758.5453).
    private static float[] Hashed(int h, int w)
    {
        var img = new float[h * w];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                double v = Math.Sin(y * 12.9898 + x * 78.233) * 43758.5453;
                img[y * w + x] = (float)(v - Math.Floor(v));
            }
        return img;
    }

    [TestCase(8, 8)]
    [TestCase(13, 9)]
    [TestCase(1, 5)]
    public void HaarInvertsExactly(int h, int w)
    {
        float[] x = Hashed(h, w);
        var (a, d, _, _) = HaarWavelet.Forward(x, h, w);
        Assert.That(HaarWavelet.Inverse(a, d, h, w), Is.EqualTo(x).Within(2e-6));
    }

    [TestCase(12, 10, new[] { 0.0058776, 0.1822226, 0.1251872, 0.6231713, 0.2946987 })]
    [TestCase(13, 9, new[] { 0.0065692, 0.181542, 0.1258971, 0.9705633, 0.49434 })]
    [TestCase(32, 32, new[] { 0.0050219, 0.1813799, 0.1206163, 0.9168188, 0.6313276 })]
    public void DenoisingMatchesSkimage(int h, int w, double[] expected)
    {
        float[] denoised = PixelDeflection.Denoise(Hashed(h, w), h, w, 0.04f);
        int[] at = [0, 1, 7, h * w / 2, h * w - 1];
        for (int i = 0; i < at.Length; i++) Assert.That(denoised[at[i]], Is.EqualTo(expected[i]).Within(2e-6), $"pixel {at[i]}");
    }

    [Test]
    public void DeflectionIsSeededAndStaysInTheUnitRange()
    {
        var r = new Random(4);
        float[] x = [.. Enumerable.Range(0, 2 * 3 * 16 * 16).Select(_ => r.NextSingle())];
        float[] a = (float[])x.Clone(), b = (float[])x.Clone(), c = (float[])x.Clone();
        new PixelDeflection(20, 3, seed: 1).Apply(a, 2, [3, 16, 16]);
        new PixelDeflection(20, 3, seed: 1).Apply(b, 2, [3, 16, 16]);
        new PixelDeflection(20, 3, seed: 2).Apply(c, 2, [3, 16, 16]);
        Assert.That(b, Is.EqualTo(a));
        Assert.That(c, Is.Not.EqualTo(a));
        Assert.That(a, Is.Not.EqualTo(x));
        Assert.That(a.All(v => v is >= 0 and <= 1));
    }

    [Test]
    public void TheDefaultIsTheAuthorsImageNetSettingScaled()
    {
        var d = (PixelDeflection)InputTransforms.Parse("deflection", [1, 28, 28]);
        Assert.That((d.Deflections, d.Window), Is.EqualTo((3, 1)));
        Assert.That(d.Name, Is.EqualTo("deflection:3:1"));
        var e = (PixelDeflection)InputTransforms.Parse("deflection:200:10", [3, 224, 224]);
        Assert.That((e.Deflections, e.Window), Is.EqualTo((200, 10)));
        Assert.That(Assert.Throws<ArgumentException>(() => InputTransforms.Parse("deflection:1:2:3"))!.Message, Does.Contain("at most two integers"));
        Assert.That(Assert.Throws<ArgumentException>(() => InputTransforms.Parse("deflection:5:0"))!.Message, Does.Contain("window must be >= 1"));
    }
}
