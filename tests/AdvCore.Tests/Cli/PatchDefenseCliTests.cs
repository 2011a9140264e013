using AdvCore.Defenses.Patches;
using NUnit.Framework;

namespace AdvCore.Tests.Cli;

/// <summary>
/// advcore codebook train / codebook info / defend eval / defend sweep / defend codebooks / reproduce table-6.x on the
/// tiny MNIST model, and their refusals of bad codebooks.
/// </summary>
public class PatchDefenseCliTests() : TinyModelCliTest("advcore-patch-cli-")
{
    private string Codebook(string name, params string[] extra)
    {
        string path = Path.Combine(Dir, name);
        if (File.Exists(path)) return path;
        var (code, output, error) = CliRunner.Run([.. new[] { "codebook", "train", "--model", Model(), "--dataset", "mnist", "--k", "16", "--iterations", "2",
                                                              "--patches-per-centroid", "8", "--out", path, "--data", Data }, .. extra]);
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain("wrote " + path));
        return path;
    }

    [Test]
    public void TrainDescribeAndEvaluateACodebook()
    {
        string cb = Codebook("image.safetensors");
        Assert.That(File.Exists(cb + ".partial"), Is.False, "the checkpoint goes once the codebook is written");
        var (code, output, error) = CliRunner.Run("codebook", "info", cb);
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain("k-means K=16 d=1 3x3/1 at layer 0 for [1,28,28] maps"));
        Assert.That(output, Does.Contain("training_images: 60000"));

        string json = Path.Combine(Dir, "rows.json");
        (code, output, error) = CliRunner.Run("defend", "eval", "--model", Model(), "--dataset", "mnist", "--codebook", cb, "--strategy", "linf", "--epsilon", "0.1",
                                              "--count", "20", "--attack", "ddn", "--iterations", "5", "--json", json, "--data", Data);
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain("clean accuracy: bare"));
        Assert.That(output, Does.Match(@"ddn 5\s+none\s+none"));
        Assert.That(output, Does.Match(@"ddn 5\s+patch replacement\s+oblivious"));
        Assert.That(output, Does.Match(@"ddn 5\s+patch replacement\s+bpda"));
        Assert.That(File.ReadAllText(json), Does.Contain("\"Mode\""));
    }

    [Test]
    public void ALayerOneCodebookAndTheE8LatticeDefendTheFirstBlock()
    {
        string cb = Codebook("block.safetensors", "--layer", "1", "--d", "4");
        Assert.That(PatchCodebook.Load(cb).FeatureShape, Is.EqualTo(new[] { 8, 14, 14 }));
        string e8 = Path.Combine(Dir, "e8.safetensors");
        var (code, output, error) = CliRunner.Run("codebook", "train", "--model", Model(), "--dataset", "mnist", "--layer", "1", "--e8", "--scale", "0.5", "--out", e8, "--data", Data);
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain("E8 s=0.5 at layer 1"));
        (code, output, error) = CliRunner.Run("defend", "eval", "--model", Model(), "--dataset", "mnist", "--codebook", Codebook("image.safetensors"), "--codebook", cb,
                                              "--count", "30", "--data", Data);
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain("clean accuracy: bare"));
        (code, _, error) = CliRunner.Run("defend", "eval", "--model", Model(), "--dataset", "mnist", "--codebook", e8, "--count", "30", "--data", Data);
        Assert.That(code, Is.EqualTo(0), error);
    }

    [Test]
    public void BadCodebooksAndOptionsAreRefusedInOneLine()
    {
        string model = Model();
        var (code, _, error) = CliRunner.Run("codebook", "train", "--model", model, "--dataset", "mnist", "--k", "100000000", "--out", Path.Combine(Dir, "big.safetensors"), "--data", Data);
        Assert.That(code, Is.EqualTo(1));
        Assert.That(error, Does.Contain("exceeds the 40560000 training patches of layer 0"));

        (code, _, error) = CliRunner.Run("codebook", "train", "--model", model, "--dataset", "mnist", "--layer", "1", "--d", "3", "--out", Path.Combine(Dir, "d3.safetensors"), "--data", Data);
        Assert.That(code, Is.EqualTo(1));
        Assert.That(error, Does.Contain("slice depth d = 3 does not divide the 8 channels of layer 1"));

        (code, _, error) = CliRunner.Run("codebook", "train", "--model", model, "--dataset", "mnist", "--e8", "--out", Path.Combine(Dir, "e8x.safetensors"), "--data", Data);
        Assert.That(code, Is.EqualTo(1));
        Assert.That(error, Does.Contain("the E8 lattice needs slices of d = 8 channels; layer 0 has 1 channel"));

        string other = Path.Combine(Dir, "other.safetensors");
        PatchCodebook.KMeans(1, new PatchGeometry(4, 3, 1), [8, 7, 7], [new float[4 * 36], new float[4 * 36]]).Save(other);
        (code, _, error) = CliRunner.Run("defend", "eval", "--model", model, "--dataset", "mnist", "--codebook", other, "--count", "5", "--data", Data);
        Assert.That(code, Is.EqualTo(1));
        Assert.That(error, Does.Contain($"{other}: the codebook is for layer-1 maps of [8,7,7]; this model's layer 1 gives [8,14,14]"));

        string corrupt = Path.Combine(Dir, "corrupt.safetensors");
        byte[] bytes = File.ReadAllBytes(Codebook("image.safetensors"));
        File.WriteAllBytes(corrupt, bytes[..(bytes.Length / 2)]);
        (code, _, error) = CliRunner.Run("defend", "eval", "--model", model, "--dataset", "mnist", "--codebook", corrupt, "--count", "5", "--data", Data);
        Assert.That(code, Is.EqualTo(1));
        Assert.That(error, Does.Contain(corrupt));
        Assert.That(error, Does.Not.Contain("   at "));

        (code, _, error) = CliRunner.Run("defend", "eval", "--model", model, "--dataset", "mnist", "--codebook", Codebook("image.safetensors"), "--strategy", "l3", "--data", Data);
        Assert.That(code, Is.EqualTo(1));
        Assert.That(error, Does.Contain("unknown replacement strategy 'l3' (expected plain, l2, linf or linear)"));
        (code, _, error) = CliRunner.Run("defend", "eval", "--model", model, "--dataset", "mnist", "--codebook", Codebook("image.safetensors"), "--strategy", "l2", "--epsilon", "-1", "--data", Data);
        Assert.That(code, Is.EqualTo(1));
        Assert.That(error, Does.Contain("the strategy's ε must be >= 0 and finite (got -1)"));
    }

    [Test]
    public void SweepWritesTheCurveAndReproduceWritesTheTable()
    {
        string cb = Codebook("image.safetensors");
        string csv = Path.Combine(Dir, "sweep.csv"), png = Path.Combine(Dir, "sweep.png");
        var (code, output, error) = CliRunner.Run("defend", "sweep", "--model", Model(), "--dataset", "mnist", "--codebook", cb, "--strategies", "linear,linf",
                                                  "--epsilons", "0,1", "--attack", "ddn", "--iterations", "3", "--count", "10", "--csv", csv, "--png", png, "--data", Data);
        Assert.That(code, Is.EqualTo(0), error);
        string[] lines = File.ReadAllLines(csv);
        Assert.That(lines, Has.Length.EqualTo(5));
        Assert.That(lines[1], Does.StartWith("linear,0,"));
        Assert.That(new FileInfo(png).Length, Is.GreaterThan(1000));

        string folder = Path.Combine(Dir, "t64");
        (code, output, error) = CliRunner.Run("reproduce", "table-6.4", "--model", Model(), "--dataset", "mnist", "--codebook", cb, "--count", "10", "--out", folder, "--data", Data);
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain("thesis (ImageNet) BPDA"));
        Assert.That(File.ReadAllText(Path.Combine(folder, "summary.md")), Does.Contain("bpda"));
        (code, output, _) = CliRunner.Run("reproduce", "table-6.4", "--model", Model(), "--dataset", "mnist", "--codebook", cb, "--count", "10", "--out", folder, "--data", Data);
        Assert.That(code, Is.EqualTo(0));
        Assert.That(output, Does.Contain("reused"));
        (code, _, error) = CliRunner.Run("reproduce", "table-6.2", "--model", Model(), "--dataset", "mnist", "--count", "10", "--out", folder, "--data", Data);
        Assert.That(code, Is.EqualTo(1));
        Assert.That(error, Does.Contain("table-6.2 needs the defense's codebooks: --codebook FILE"));
    }

    [Test]
    public void CodebookSweepChartsEachCodebookAndTheLattices()
    {
        string cb = Codebook("image.safetensors");
        string csv = Path.Combine(Dir, "codebooks.csv"), png = Path.Combine(Dir, "codebooks.png");
        var (code, output, error) = CliRunner.Run("defend", "codebooks", "--model", Model(), "--dataset", "mnist", "--codebook", cb, "--e8-layer", "1",
                                                  "--e8-scales", "0.5,4", "--attack", "ddn", "--iterations", "3", "--count", "10", "--csv", csv, "--png", png, "--data", Data);
        Assert.That(code, Is.EqualTo(0), error);
        string[] lines = File.ReadAllLines(csv);
        Assert.That(lines, Has.Length.EqualTo(4));
        Assert.That(lines[1], Does.StartWith("layer 0 k-means,K=16 d=1 (image.safetensors),"));
        Assert.That(lines[2], Does.StartWith("layer 1 E8,s=0.5,"));
        Assert.That(lines[3], Does.StartWith("layer 1 E8,s=4,"));
        Assert.That(output, Does.Contain("wrote " + png));
        Assert.That(new FileInfo(png).Length, Is.GreaterThan(1000));

        // The image has one channel: no E8 there; and something must be swept.
        (code, _, error) = CliRunner.Run("defend", "codebooks", "--model", Model(), "--dataset", "mnist", "--e8-layer", "0", "--count", "5", "--csv", csv, "--data", Data);
        Assert.That(code, Is.EqualTo(1));
        Assert.That(error.Trim(), Does.StartWith("advcore: --e8-layer 0: ").And.Contain("E8 lattice needs slices of d = 8 channels"));
        Assert.That(error.Trim().Split('\n'), Has.Length.EqualTo(1));
        (code, _, error) = CliRunner.Run("defend", "codebooks", "--model", Model(), "--dataset", "mnist", "--count", "5", "--csv", csv, "--data", Data);
        Assert.That(code, Is.EqualTo(1));
        Assert.That(error, Does.Contain("give at least one --codebook or --e8-layer"));
    }
}
