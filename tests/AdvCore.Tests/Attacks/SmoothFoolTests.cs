using AdvCore.Attacks;
using AdvCore.Evaluation;
using AdvCore.Smoothing;
using NUnit.Framework;

namespace AdvCore.Tests.Attacks;

/// <summary>
/// SmoothFool on the small trained MNIST model: it fools, its perturbations are smoother (lower
/// Ω_n at σ_h = 1) and larger than DeepFool's on the same images; the runner records Ω / Ω_n for
/// every attack; records without them still load.
/// </summary>
public class SmoothFoolTests
{
    [Test]
    public void FoolsAndIsSmootherThanDeepFool()
    {
        var model = TrainedMnistModel.Get();
        var (x, labels) = model.Correct(12);
        using (x)
        {
            using var df = new DeepFool().Run(model.Network, x, labels);
            var smoothFool = new SmoothFool(new SmoothFoolOptions { MaxIterations = 30 });
            using var sf = smoothFool.Run(model.Network, x, labels);
            var (_, dfRough) = Roughness.Measure(x, df.Adversarials);
            var (_, sfRough) = Roughness.Measure(x, sf.Adversarials);
            var both = Enumerable.Range(0, labels.Length).Where(i => df.Success[i] && sf.Success[i]).ToList();
            double dfMean = both.Average(i => dfRough[i]), sfMean = both.Average(i => sfRough[i]);
            double dfL2 = both.Average(i => df.L2[i]), sfL2 = both.Average(i => sf.L2[i]);
            TestContext.Out.WriteLine($"DeepFool P_suc {df.SuccessRate:F2}, SmoothFool P_suc {sf.SuccessRate:F2}; on {both.Count} common successes: " +
                                      $"Ω_n DF {dfMean:F4} SF {sfMean:F4}, L2 DF {dfL2:F3} SF {sfL2:F3}; {smoothFool.ClipStatistics}");
            Assert.That(sf.SuccessRate, Is.GreaterThanOrEqualTo(0.9));
            Assert.That(both, Has.Count.GreaterThanOrEqualTo(6));
            Assert.That(sfMean, Is.LessThan(0.5 * dfMean), "SmoothFool's perturbations are much smoother");
            Assert.That(sfL2, Is.GreaterThan(dfL2), "and larger");
            // Success is judged on the returned 8-bit images.
            float[] adv = sf.CopyAdversarials();
            Assert.That(adv.All(v => Math.Abs(v * 255 - Math.Round(v * 255)) < 1e-3), "on the 8-bit grid");
        }
    }

    [Test]
    public void FlatInputsAreRefused()
    {
        using var ctx = Context.Create(Device.Cpu, threads: 1);
        using var net = global::AdvCore.Nn.Network.Build(ctx, [784], [new global::AdvCore.Nn.LinearLayer(10)], seed: 1);
        using var x = Tensor.Zeros(ctx, [2, 784]);
        var e = Assert.Throws<ArgumentException>(() => new SmoothFool().Run(net, x, new[] { 0, 1 }))!;
        Assert.That(e.Message, Does.Contain("image planes"));
    }

    [Test]
    public void RegistryPresetsTheClipStepByDataset()
    {
        Assert.That(((SmoothFoolOptions)AttackRegistry.Options(AttackRegistry.Get("smoothfool"), "mnist", null)).ClipStep, Is.EqualTo(1f));
        Assert.That(((SmoothFoolOptions)AttackRegistry.Options(AttackRegistry.Get("smoothfool"), "cifar10", null)).ClipStep, Is.EqualTo(0.5f));
        Assert.That(SmoothFoolOptions.ClipStepFor("imagenet"), Is.EqualTo(0.1f));
        var o = (SmoothFoolOptions)AttackRegistry.Options(AttackRegistry.Get("sf"), "mnist", new Dictionary<string, string> { ["sigma-g"] = "5" });
        Assert.That(o.SigmaG, Is.EqualTo(5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => AttackRegistry.Create("smoothfool", "mnist", new Dictionary<string, string> { ["clip-step"] = "0" }));
    }

    [Test]
    public void TheRunnerRecordsRoughnessForEveryAttackAndOldRecordsStillLoad()
    {
        var model = TrainedMnistModel.Get();
        var runner = new AttackRunner(new NetworkClassifier(model.Network), new DeepFool(), new AttackRunnerOptions { BatchSize = 8, Dataset = "mnist" });
        var run = runner.Run(model.TestImages.AsSpan(0, 10 * 784).ToArray(), model.TestLabels.AsSpan(0, 10).ToArray());
        var record = run.Record;
        Assert.That(record.Images, Has.All.Matches<ImageRecord>(i => i.Omega is double o && o >= 0 && i.OmegaN is double n && n > 0 && n <= 4));
        var successes = record.Images.Where(i => i.Success).ToList();
        Assert.That(record.MeanOmegaN, Is.EqualTo(successes.Average(i => i.OmegaN!.Value)).Within(1e-12));
        Assert.That(record.MeanOmega, Is.EqualTo(successes.Average(i => i.Omega!.Value)).Within(1e-12));
        // Round trip, and a record written before the roughness fields existed.
        var again = AttackRunRecord.FromJson(record.ToJson());
        Assert.That(again.MeanOmegaN, Is.EqualTo(record.MeanOmegaN));
        string old = System.Text.RegularExpressions.Regex.Replace(record.ToJson(), @",\s*""(omega|omega_n|mean_omega|mean_omega_n)"":\s*[-0-9.eE+]+", "");
        Assert.That(old, Does.Not.Contain("omega"));
        var legacy = AttackRunRecord.FromJson(old);
        Assert.That(legacy.MeanOmega, Is.Null);
        Assert.That(legacy.Images, Has.All.Matches<ImageRecord>(i => i.Omega is null && i.OmegaN is null));
        Assert.That(AttackRunRecord.Merge(legacy, legacy).Correct, Is.EqualTo(record.Correct));
    }
}
