using NUnit.Framework;
using SkiaSharp;

namespace AdvCore.Tests.Cli;

/// <summary><c>advcore magnify</c> on the small CNN of <see cref="AdvCore.Tests.Attacks.TrainedMnistModel"/>.</summary>
public class MagnifyCliTests() : TinyModelCliTest("advcore-magnify-cli-")
{
    [Test]
    public void MagnifyWritesOneBlockPerAttack()
    {
        string model = Model();
        string grid = Path.Combine(Dir, "sub", "grid.png");
        var (code, output, error) = CliRunner.Run("magnify", "--model", model, "--attacks", "pgd2,deepfool", "--count", "3", "--first", "5",
            "--param", "pgd2:epsilons=1,2,3", "--iterations", "5", "--scale", "2", "--out", grid, "--data", Data);
        Assert.That(code, Is.Zero, error);
        Assert.That(output, Does.Contain("pgd2 5: P_suc").And.Contain("deepfool 5: P_suc").And.Contain("mean mag² per pixel").And.Contain("wrote"));
        using var bitmap = SKBitmap.Decode(grid);
        Assert.That(bitmap, Is.Not.Null);
        // Five rows of 56 px (two with caption bands of 16), a 20 px title band: the layout of MagnifiedGrid.
        Assert.That(bitmap.Height, Is.EqualTo(20 + 5 * 56 + 2 * 16 + 3 * 2 + 2));
        Assert.That(bitmap.Width, Is.GreaterThan(6 * 58));
    }

    [TestCase(new[] { "--attacks", "pgd2", "--beta", "1.5" }, "Beta must be a finite number in [0, 1]")]
    [TestCase(new[] { "--attacks", "pgd2", "--sigma-range", "0" }, "SigmaRange must be a finite number > 0")]
    [TestCase(new[] { "--attacks", "pgd2", "--radius", "0" }, "Radius must be in [1, 512]")]
    [TestCase(new[] { "--attacks", "pgd2", "--border", "wrap" }, "--border must be clip or reflect")]
    [TestCase(new[] { "--attacks", "pgd2,zoo" }, "unknown attack 'zoo'")]
    [TestCase(new[] { "--attacks", "pgd2,pgd" }, "names an attack twice")]
    [TestCase(new[] { "--attacks", "pgd2", "--count", "0" }, "--count must be in [1, 64]")]
    [TestCase(new[] { "--attacks", "pgd2", "--count", "65" }, "--count must be in [1, 64]")]
    [TestCase(new[] { "--attacks", "pgd2", "--param", "nonsense=1" }, "has no option 'nonsense'")]
    [TestCase(new[] { "--attacks", "pgd2", "--param", "cw:schedule=1x100" }, "cw is not one of --attacks")]
    [TestCase(new[] { "--attacks", "pgd2", "--start", "9999", "--count", "2" }, "goes beyond the 10000 images")]
    public void BadOptionsExitWith2AndOneLine(string[] args, string expected)
    {
        string model = Model();
        string grid = Path.Combine(Dir, "never.png");
        var (code, _, error) = CliRunner.Run(["magnify", "--model", model, "--out", grid, "--data", Data, .. args]);
        Assert.That(code, Is.EqualTo(2), error);
        Assert.That(error, Does.Contain(expected));
        Assert.That(error.TrimEnd().Split('\n'), Has.Length.EqualTo(1), error);
        Assert.That(File.Exists(grid), Is.False);
    }
}
