using AdvCore.Evaluation;
using NUnit.Framework;
using SkiaSharp;

namespace AdvCore.Tests.Evaluation;

/// <summary>
/// The bilateral filters and adversarial magnification (thesis §4.5, eq. 4.16): against a direct
/// brute-force reference, on constant images, at a step edge, and on noisy vs smooth perturbations.
/// </summary>
public class MagnificationTests
{
    private static float[] Random(int length, int seed, float low = 0, float high = 1)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, length).Select(_ => low + (high - low) * (float)rng.NextDouble())];
    }

    /// <summary>The definition, written out: Σ_q w s(q) / Σ_q w over the disk inside the image.</summary>
    private static double[] BruteForce(float[] guide, int gc, float[] signal, int h, int w, double sd, double sr, int radius)
    {
        int sc = signal.Length / (h * w);
        var output = new double[signal.Length];
        for (int py = 0; py < h; py++)
            for (int px = 0; px < w; px++)
            {
                double total = 0;
                var acc = new double[sc];
                for (int qy = 0; qy < h; qy++)
                    for (int qx = 0; qx < w; qx++)
                    {
                        double space = (py - qy) * (py - qy) + (px - qx) * (px - qx);
                        if (space > radius * radius) continue;
                        double photo = 0;
                        for (int k = 0; k < gc; k++)
                        {
                            double diff = guide[(k * h + py) * w + px] - (double)guide[(k * h + qy) * w + qx];
                            photo += diff * diff;
                        }
                        double weight = Math.Exp(-space / (2 * sd * sd)) * Math.Exp(-photo / (2 * sr * sr));
                        total += weight;
                        for (int k = 0; k < sc; k++) acc[k] += weight * signal[(k * h + qy) * w + qx];
                    }
                for (int k = 0; k < sc; k++) output[(k * h + py) * w + px] = acc[k] / total;
            }
        return output;
    }

    [Test]
    public void BilateralFilterEqualsTheBruteForceDefinition()
    {
        const int c = 3, h = 9, w = 7;
        var image = Random(c * h * w, 1);
        var options = new BilateralFilterOptions { SigmaDomain = 2, SigmaRange = 0.3, Radius = 3 };
        var filtered = BilateralFilter.Apply(image, [c, h, w], options);
        var expected = BruteForce(image, c, image, h, w, 2, 0.3, 3);
        Assert.That(filtered, Is.EqualTo(expected.Select(v => (float)v)).Within(1e-6f));
        // The filter actually changed the image (else the comparison proves little).
        Assert.That(filtered.Zip(image).Max(p => Math.Abs(p.First - p.Second)), Is.GreaterThan(0.05f));

        // Guided: a 2-channel signal filtered with the weights of the 3-channel guide (joint range kernel).
        var signal = Random(2 * h * w, 2, -1, 1);
        var guided = BilateralFilter.Guided(image, [c, h, w], signal, options);
        Assert.That(guided, Is.EqualTo(BruteForce(image, c, signal, h, w, 2, 0.3, 3).Select(v => (float)v)).Within(1e-6f));
    }

    [Test]
    public void ReflectBorderIsTheClippedFilterOfTheMirroredImage()
    {
        const int h = 6, w = 5, r = 4; // radius wider than the image: reflection repeats
        var image = Random(h * w, 3);
        var options = new BilateralFilterOptions { SigmaDomain = 1.5, SigmaRange = 0.25, Radius = r, Border = FilterBorder.Reflect };
        var filtered = BilateralFilter.Apply(image, [1, h, w], options);

        static int Mirror(int i, int n) // reflect-101 by repeated folding, written independently
        {
            while (i < 0 || i >= n) i = i < 0 ? -i : 2 * (n - 1) - i;
            return i;
        }
        int ph = h + 2 * r, pw = w + 2 * r;
        var padded = new float[ph * pw];
        for (int y = 0; y < ph; y++)
            for (int x = 0; x < pw; x++) padded[y * pw + x] = image[Mirror(y - r, h) * w + Mirror(x - r, w)];
        var reference = BruteForce(padded, 1, padded, ph, pw, 1.5, 0.25, r);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                Assert.That(filtered[y * w + x], Is.EqualTo(reference[(y + r) * pw + x + r]).Within(1e-6), $"({y},{x})");
        var clipped = BilateralFilter.Apply(image, [1, h, w], options with { Border = FilterBorder.Clip });
        Assert.That(clipped, Is.Not.EqualTo(filtered).Within(1e-4f), "the border mode matters here");
    }

    [TestCase(FilterBorder.Clip)]
    [TestCase(FilterBorder.Reflect)]
    public void ConstantImageComesBackExactly(FilterBorder border)
    {
        var image = new float[3 * 10 * 12];
        for (int k = 0; k < 3; k++) Array.Fill(image, 0.1f + 0.3f * k, k * 120, 120);
        var filtered = BilateralFilter.Apply(image, [3, 10, 12], new BilateralFilterOptions { Border = border });
        Assert.That(filtered, Is.EqualTo(image));
    }

    [Test]
    public void StepEdgeIsKeptWhereAGaussianBlurSmearsIt()
    {
        const int h = 16, w = 16;
        var step = new float[h * w];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) step[y * w + x] = x < w / 2 ? 0.2f : 0.8f;
        var bilateral = BilateralFilter.Apply(step, [1, h, w], new BilateralFilterOptions()); // thesis σ_d = 5 px, σ_r = 5/255
        // A Gaussian blur with the same domain kernel (window, clipped border), no range kernel.
        var gaussian = new double[h * w];
        for (int py = 0; py < h; py++)
            for (int px = 0; px < w; px++)
            {
                double total = 0, sum = 0;
                for (int qy = 0; qy < h; qy++)
                    for (int qx = 0; qx < w; qx++)
                    {
                        double d2 = (py - qy) * (py - qy) + (px - qx) * (px - qx);
                        if (d2 > 15 * 15) continue;
                        double weight = Math.Exp(-d2 / 50);
                        total += weight;
                        sum += weight * step[qy * w + qx];
                    }
                gaussian[py * w + px] = sum / total;
            }
        double Contrast(Func<int, double> at) => Enumerable.Range(0, h).Min(y => at(y * w + w / 2) - at(y * w + w / 2 - 1));
        Assert.That(Contrast(i => bilateral[i]), Is.GreaterThan(0.59), "the edge keeps its 0.6 jump");
        Assert.That(Contrast(i => gaussian[i]), Is.LessThan(0.2), "the blur smears it");
        Assert.That(bilateral.Zip(step).Max(p => Math.Abs(p.First - p.Second)), Is.LessThan(1e-3));
    }

    [TestCase(0.8)]
    [TestCase(1.0)]
    [TestCase(0.0)]
    public void ConstantImageMagnifiesToZero(double beta)
    {
        var images = new float[2 * 3 * 8 * 8];
        Array.Fill(images, 0.37f);
        Array.Fill(images, 1f, 3 * 64, 64); // second image: one channel at 1, the others stay constant too
        var mag = AdversarialMagnification.Magnify(images, [2, 3, 8, 8], new MagnificationOptions { Beta = beta });
        Assert.That(mag, Has.All.EqualTo(0f), "0/0 is defined as 0, never NaN");
    }

    /// <summary>A smooth image in [0.2, 0.8]: a ramp plus a slow wave.</summary>
    private static float[] Smooth(int h, int w)
    {
        var image = new float[h * w];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) image[y * w + x] = 0.2f + 0.4f * x / (w - 1) + 0.2f * MathF.Sin(y * MathF.PI / (h - 1));
        return image;
    }

    private static float[] Scaled(float[] r, double l2)
    {
        double norm = Math.Sqrt(r.Sum(v => (double)v * v));
        return [.. r.Select(v => (float)(v * l2 / norm))];
    }

    [Test]
    public void NoisyPerturbationIsAmplifiedMoreThanASmoothOneOfTheSameL2()
    {
        const int h = 24, w = 24;
        var x = Smooth(h, w);
        // Both perturbations have L2 0.3: about 3 grey levels per pixel.
        var noise = Scaled(Random(h * w, 7, -1, 1), 0.3);
        var wave = new float[h * w];
        for (int y = 0; y < h; y++)
            for (int i = 0; i < w; i++) wave[y * w + i] = MathF.Cos(2 * MathF.PI * i / w) * MathF.Cos(MathF.PI * y / h);
        var smooth = Scaled(wave, 0.3);
        var batch = new float[3 * h * w];
        x.CopyTo(batch, 0);
        for (int j = 0; j < h * w; j++)
        {
            batch[h * w + j] = x[j] + noise[j];
            batch[2 * h * w + j] = x[j] + smooth[j];
        }
        var mag = AdversarialMagnification.Magnify(batch, [3, 1, h, w]);
        double Energy(int image) => Enumerable.Range(0, h * w).Sum(j => Math.Pow(mag[image * h * w + j] - mag[j], 2));
        double noisy = Energy(1), smoothEnergy = Energy(2);
        TestContext.Out.WriteLine($"‖mag(x+r) − mag(x)‖²: noisy {noisy:F2}, smooth {smoothEnergy:F2}");
        Assert.That(noisy, Is.GreaterThan(5 * smoothEnergy));
        Assert.That(noisy, Is.GreaterThan(1), "the noise is visible, not just larger than nothing");
    }

    [Test]
    public void BatchEqualsImageByImage()
    {
        var images = Random(4 * 3 * 7 * 6, 11);
        var options = new MagnificationOptions { SigmaRange = 60, Radius = 3 };
        var batch = AdversarialMagnification.Magnify(images, [4, 3, 7, 6], options);
        for (int i = 0; i < 4; i++)
        {
            var one = AdversarialMagnification.Magnify(images[(i * 126)..((i + 1) * 126)], [3, 7, 6], options);
            Assert.That(batch[(i * 126)..((i + 1) * 126)], Is.EqualTo(one), $"image {i}");
        }
        Assert.That(batch, Has.Some.Not.EqualTo(0f));
    }

    [Test]
    public void MagnificationFollowsEquation4_16()
    {
        // eq. 4.16 written with the public filters: residual over β σ_x + (1 − β) σ_Ω.
        const int h = 8, w = 9;
        var x = Random(h * w, 5);
        var options = new MagnificationOptions { Beta = 0.6, SigmaDomain = 2, SigmaRange = 70, Radius = 4 };
        var mu = BilateralFilter.Apply(x, [1, h, w], options.Filter);
        var squared = x.Zip(mu, (a, b) => (a - b) * (a - b)).ToArray();
        var local = BilateralFilter.Guided(x, [1, h, w], squared, options.Filter);
        double mean = x.Average(v => (double)v), global = Math.Sqrt(x.Average(v => (v - mean) * (v - mean)));
        var mag = AdversarialMagnification.Magnify(x, [1, h, w], options);
        for (int j = 0; j < h * w; j++)
            Assert.That(mag[j], Is.EqualTo((x[j] - mu[j]) / (0.6 * Math.Sqrt(local[j]) + 0.4 * global)).Within(1e-4), $"pixel {j}");
    }

    [TestCase("Beta", 1.5, "Beta must be a finite number in [0, 1]")]
    [TestCase("Beta", double.NaN, "Beta must be")]
    [TestCase("SigmaDomain", 0.0, "SigmaDomain must be a finite number > 0")]
    [TestCase("SigmaRange", -1.0, "SigmaRange must be a finite number > 0")]
    [TestCase("SigmaRange", double.PositiveInfinity, "SigmaRange must be")]
    [TestCase("RangeUnit", 0.0, "RangeUnit must be")]
    [TestCase("DisplayRange", 0.0, "DisplayRange must be")]
    [TestCase("Radius", 0.0, "Radius must be in [1, 512]")]
    [TestCase("Radius", 600.0, "Radius must be in [1, 512]")]
    public void BadOptionsAreRefusedByName(string field, double value, string message)
    {
        var options = field switch
        {
            "Beta" => new MagnificationOptions { Beta = value },
            "SigmaDomain" => new MagnificationOptions { SigmaDomain = value },
            "SigmaRange" => new MagnificationOptions { SigmaRange = value },
            "RangeUnit" => new MagnificationOptions { RangeUnit = value },
            "DisplayRange" => new MagnificationOptions { DisplayRange = value },
            _ => new MagnificationOptions { Radius = (int)value },
        };
        var e = Assert.Throws<ArgumentException>(options.Validate)!;
        Assert.That(e.Message, Does.Contain(message));
        Assert.Throws<ArgumentException>(() => AdversarialMagnification.Magnify(new float[64], [1, 8, 8], options));
        Assert.DoesNotThrow(new MagnificationOptions().Validate);
        var border = Assert.Throws<ArgumentException>(new BilateralFilterOptions { Border = (FilterBorder)7 }.Validate)!;
        Assert.That(border.Message, Does.Contain("Border must be Clip or Reflect"));
    }

    [Test]
    public void BadImagesAreRefused()
    {
        Assert.That(Assert.Throws<ArgumentException>(() => AdversarialMagnification.Magnify(new float[63], [1, 8, 8]))!.Message, Does.Contain("needs 64 values, got 63"));
        Assert.That(Assert.Throws<ArgumentException>(() => AdversarialMagnification.Magnify(new float[64], [8, 8]))!.Message, Does.Contain("[N,C,H,W] or [C,H,W]"));
        Assert.That(Assert.Throws<ArgumentException>(() => AdversarialMagnification.Magnify(new float[64], [0, 1, 8, 8]))!.Message, Does.Contain(">= 1"));
        var nan = new float[64];
        nan[9] = float.NaN;
        Assert.That(Assert.Throws<ArgumentException>(() => AdversarialMagnification.Magnify(nan, [1, 8, 8]))!.Message, Does.Contain("images[9] is NaN"));
        Assert.That(Assert.Throws<ArgumentException>(() => BilateralFilter.Guided(new float[64], [1, 8, 8], new float[65], new BilateralFilterOptions()))!.Message,
                    Does.Contain("whole number of 8×8 planes"));
        Assert.Throws<ArgumentException>(() => BilateralFilter.Apply(nan, [1, 8, 8], new BilateralFilterOptions()));
    }

    [Test]
    public void DisplayMapsAFixedSymmetricRange()
    {
        Assert.That(AdversarialMagnification.ToDisplay([0f, 3f, -3f, 1.5f, 9f, -9f], 3), Is.EqualTo(new[] { 0.5f, 1f, 0f, 0.75f, 1f, 0f }));
        Assert.Throws<ArgumentException>(() => AdversarialMagnification.ToDisplay([0f], 0));
    }

    [Test]
    public void GridHasFiveLabelledRowsPerBlock()
    {
        const int h = 6, w = 5, d = h * w;
        var original = Smooth(h, w);
        var adversarial = original.Zip(Random(d, 3, -0.05f, 0.05f), (a, b) => a + b).ToArray();
        var example = new AdversarialExample(4, 7, 3, true, 0.2, original, adversarial);
        var failed = example with { Success = false, AdversarialLabel = 7 };
        byte[] png = MagnifiedGrid.Render([new("bp 20", [example, failed]), new("ddn 100", [example])], [1, h, w], scale: 8);
        using var bitmap = SKBitmap.Decode(png);
        Assert.That(bitmap, Is.Not.Null);
        // Three columns of 40 px in two blocks; five rows of 48 px, two with a caption band, and a title band.
        Assert.That(bitmap.Width, Is.GreaterThan(3 * 40 + 8));
        Assert.That(bitmap.Height, Is.EqualTo(20 + 5 * 48 + 2 * 16 + 3 * 2 + 2));
        // Text was drawn: dark pixels in the row-name band at the left.
        int dark = 0;
        for (int y = 0; y < bitmap.Height; y++)
            for (int x = 0; x < 20; x++)
                if (bitmap.GetPixel(x, y).Red < 100) dark++;
        Assert.That(dark, Is.GreaterThan(20), "row names are written");
        Assert.Throws<ArgumentException>(() => MagnifiedGrid.Render([new("none", [])], [1, h, w]));
        Assert.That(Assert.Throws<ArgumentException>(() => MagnifiedGrid.Render([new("x", [example])], [2, h, w]))!.Message, Does.Contain("C = 1 or 3"));
    }
}
