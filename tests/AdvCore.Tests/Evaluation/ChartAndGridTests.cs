using AdvCore.Evaluation;
using NUnit.Framework;
using SkiaSharp;

namespace AdvCore.Tests.Evaluation;

/// <summary>The PNG outputs: an operating-characteristic chart of several runs and an example grid.</summary>
public class ChartAndGridTests
{
    private static AttackRunRecord Run(string attack, double scale) =>
        AttackRunRecord.Create(attack, new Dictionary<string, string>(), "mnist", null, 20, true, 2.0, 1,
                               Enumerable.Range(0, 50).Select(i => new ImageRecord(i, 0, i % 7 != 0, scale * (0.2 + 0.05 * i), 1)), []);

    [Test]
    public void ChartOfSeveralAttacksIsAPng()
    {
        string path = Path.Combine(Path.GetTempPath(), $"advcore-oc-{Guid.NewGuid():N}.png");
        try
        {
            OperatingCharacteristicChart.Save(path, [Run("bp", 1), Run("ddn", 1.3), Run("pgd2", 1.8)], "MNIST", 640, 480);
            using var bitmap = SKBitmap.Decode(path);
            Assert.That((bitmap.Width, bitmap.Height), Is.EqualTo((640, 480)));
            // Not blank: plenty of distinct colours (lines, legend, text).
            var colours = new HashSet<SKColor>();
            for (int y = 0; y < bitmap.Height; y += 3)
                for (int x = 0; x < bitmap.Width; x += 3) colours.Add(bitmap.GetPixel(x, y));
            Assert.That(colours, Has.Count.GreaterThan(10));
        }
        finally
        {
            File.Delete(path);
        }
        Assert.Throws<ArgumentException>(() => OperatingCharacteristicChart.Render([]));
    }

    [Test]
    public void GridShowsOriginalsAdversarialsAndMagnifiedPerturbations()
    {
        var original = new float[4 * 3];
        var adversarial = new float[4 * 3];
        for (int j = 0; j < 12; j++)
        {
            original[j] = j / 11f;
            adversarial[j] = original[j];
        }
        adversarial[5] += 0.1f; // the only change: magnified to full white
        var example = new AdversarialExample(3, 1, 2, true, 0.1, original, adversarial);
        byte[] png = AdversarialGrid.Render([example, example], [1, 3, 4], scale: 2);
        using var bitmap = SKBitmap.Decode(png);
        // Two columns of 4×3 pixels scaled ×2, gaps of 2: width 2·(8+2)+2, height 3·(6+2)+2.
        Assert.That((bitmap.Width, bitmap.Height), Is.EqualTo((22, 26)));
        byte Grey(int x, int y) => bitmap.GetPixel(x, y).Red;
        // Pixel (row 1, col 1) = element 5: original tile at (2 + 2, 2 + 2), adversarial tile 8 rows lower.
        Assert.That(Grey(4, 4), Is.EqualTo((byte)MathF.Round(5 / 11f * 255)));
        Assert.That(Grey(4, 12), Is.EqualTo((byte)MathF.Round((5 / 11f + 0.1f) * 255)));
        Assert.That(Grey(4, 20), Is.EqualTo(255), "largest change → white");
        Assert.That(Grey(2, 18), Is.EqualTo(128), "unchanged → mid-grey");
        Assert.That(Grey(0, 0), Is.EqualTo(255), "white gap");

        var e = Assert.Throws<ArgumentException>(() => AdversarialGrid.Render([example], [2, 3, 4]))!;
        Assert.That(e.Message, Does.Contain("C = 1 or 3"));
    }

    [Test]
    public void GridOfRealAttacksIsWritten()
    {
        var run = AdvCore.Tests.Attacks.AttackRuns.Get("bp");
        var examples = Enumerable.Range(0, 6).Select(i => new AdversarialExample(i, run.Labels[i], run.Result.AdversarialLabels[i],
            run.Result.Success[i], run.Result.L2[i], run.Originals.AsSpan(i * 784, 784).ToArray(), run.Adversarials.AsSpan(i * 784, 784).ToArray())).ToList();
        string path = Path.Combine(Path.GetTempPath(), $"advcore-grid-{Guid.NewGuid():N}.png");
        try
        {
            AdversarialGrid.Save(path, examples, [1, 28, 28]);
            using var bitmap = SKBitmap.Decode(path);
            Assert.That((bitmap.Width, bitmap.Height), Is.EqualTo((6 * (112 + 2) + 2, 3 * (112 + 2) + 2)));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
