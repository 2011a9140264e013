using AdvCore.Attacks;
using NUnit.Framework;

namespace AdvCore.Tests.Attacks;

/// <summary>Bad options and bad inputs are refused with exceptions that say what is wrong.</summary>
public class OptionValidationTests
{
    private static IEnumerable<TestCaseData> BadOptions()
    {
        yield return new TestCaseData(new FgsmOptions { Epsilons = [0.1f, -0.1f] }, "Epsilons[1] must be a finite number > 0 (got -0.1)").SetName("negative epsilon");
        yield return new TestCaseData(new FgsmOptions { Epsilons = [] }, "Epsilons must list at least one budget").SetName("no budgets");
        yield return new TestCaseData(new PgdOptions { Epsilons = [float.NaN] }, "Epsilons[0] must be a finite number > 0").SetName("NaN epsilon");
        yield return new TestCaseData(new IterativeFgsmOptions { Iterations = 0 }, "Iterations must be >= 1 (got 0)").SetName("zero iterations");
        yield return new TestCaseData(new BoundaryProjectionOptions { Iterations = 0 }, "Iterations must be >= 1 (got 0)").SetName("BP zero iterations");
        yield return new TestCaseData(new BoundaryProjectionOptions { GammaMin = 1.5f }, "GammaMin must be in (0, 1] (got 1.5)").SetName("gamma_min above 1");
        yield return new TestCaseData(new BoundaryProjectionOptions { Alpha = -2 }, "Alpha must be a finite number > 0 (got -2)").SetName("negative alpha");
        yield return new TestCaseData(new DdnOptions { Gamma = 1 }, "Gamma must be in [0, 1) (got 1)").SetName("DDN gamma 1");
        yield return new TestCaseData(new DdnOptions { MinStep = 2 }, "MinStep (2) must not exceed MaxStep (1)").SetName("DDN steps reversed");
        yield return new TestCaseData(new CarliniWagnerOptions { BinarySteps = 0 }, "BinarySteps must be >= 1 (got 0)").SetName("C&W no search");
        yield return new TestCaseData(new CarliniWagnerOptions { LearningRate = 0 }, "LearningRate must be a finite number > 0 (got 0)").SetName("C&W zero rate");
        yield return new TestCaseData(new DeepFoolOptions { Overshoot = -0.1f }, "Overshoot must be a finite number >= 0").SetName("negative overshoot");
        yield return new TestCaseData(new JsmaOptions { Theta = 0 }, "Theta must not be 0").SetName("JSMA theta 0");
        yield return new TestCaseData(new JsmaOptions { MaxFraction = 0 }, "MaxFraction must be in (0, 1] (got 0)").SetName("JSMA gamma 0");
        yield return new TestCaseData(new RandomFgsmOptions { Alpha = -0.05f }, "Alpha must be a finite number > 0 (got -0.05)").SetName("R+FGSM negative alpha");
        yield return new TestCaseData(new BoundaryProjectionOptions { Rounding = (BpRounding)9 }, "Rounding has no value 9").SetName("unknown rounding");
        yield return new TestCaseData(new SmoothFoolOptions { SigmaG = 0 }, "SigmaG must be in (0, 1000000] (got 0)").SetName("SmoothFool sigma 0");
        yield return new TestCaseData(new SmoothFoolOptions { SigmaG = float.NaN }, "SigmaG must be in (0, 1000000]").SetName("SmoothFool sigma NaN");
        yield return new TestCaseData(new SmoothFoolOptions { ClipStep = -1 }, "ClipStep must be a finite number > 0 (got -1)").SetName("SmoothFool negative step");
        yield return new TestCaseData(new SmoothFoolOptions { ClipStep = 0 }, "ClipStep must be a finite number > 0 (got 0)").SetName("SmoothFool step 0");
        yield return new TestCaseData(new SmoothFoolOptions { MaxIterations = 0 }, "MaxIterations must be >= 1 (got 0)").SetName("SmoothFool no iterations");
    }

    [TestCaseSource(nameof(BadOptions))]
    public void BadOptionsAreRefusedWhenTheAttackIsCreated(AttackOptions options, string message)
    {
        var name = options switch
        {
            FgsmOptions => "fgsm", IterativeFgsmOptions => "ifgsm", PgdOptions => "pgd2", RandomFgsmOptions => "rfgsm",
            CarliniWagnerOptions => "cw", DdnOptions => "ddn", BoundaryProjectionOptions => "bp", DeepFoolOptions => "deepfool", SmoothFoolOptions => "smoothfool",
            _ => "jsma",
        };
        var e = Assert.Throws(Is.InstanceOf<ArgumentException>(), () => AttackFactory.Create(name, options))!;
        Assert.That(e.Message, Does.Contain(message));
    }

    [Test]
    public void LabelsThatDoNotFitTheImagesAreRefused()
    {
        var model = TrainedMnistModel.Get();
        var (x, labels) = model.Correct(4);
        using (x)
        {
            var bp = new BoundaryProjection();
            var e = Assert.Throws<ArgumentException>(() => bp.Run(model.Network, x, labels[..3]))!;
            Assert.That(e.Message, Does.Contain("3 labels for 4 images"));

            int[] bad = [.. labels];
            bad[2] = 10;
            var r = Assert.Throws<ArgumentOutOfRangeException>(() => bp.Run(model.Network, x, bad))!;
            Assert.That(r.Message, Does.Contain("labels[2] = 10 is outside [0, 10)"));
            bad[2] = -1;
            Assert.Throws<ArgumentOutOfRangeException>(() => bp.Run(model.Network, x, bad));

            using var floatLabels = Tensor.FromArray(model.Context, new float[4]);
            var f = Assert.Throws<ArgumentException>(() => bp.Run(new NetworkClassifier(model.Network), x, floatLabels))!;
            Assert.That(f.Message, Does.Contain("labels must be an i32 vector"));
        }
    }

    [Test]
    public void ImagesThatAreNotImagesAreRefused()
    {
        var model = TrainedMnistModel.Get();
        var bp = new BoundaryProjection();
        var pixels = new float[2 * 784];
        pixels[785] = 1.5f;
        using (var x = Tensor.FromArray(model.Context, pixels, 2, 1, 28, 28))
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => bp.Run(model.Network, x, new[] { 1, 2 }))!;
            Assert.That(e.Message, Does.Contain("images[1] holds 1.5 at element 1: pixels must be finite and in [0, 1]"));
        }
        pixels[785] = float.NaN;
        using (var x = Tensor.FromArray(model.Context, pixels, 2, 1, 28, 28))
            Assert.Throws<ArgumentOutOfRangeException>(() => bp.Run(model.Network, x, new[] { 1, 2 }));
        using (var x = Tensor.FromArray(model.Context, new float[2 * 784], 2, 784))
        {
            var e = Assert.Throws<ArgumentException>(() => bp.Run(model.Network, x, new[] { 1, 2 }))!;
            Assert.That(e.Message, Does.Contain("images must be f32 [N,1,28,28] for this model, got F32 [2x784]"));
        }
        using var other = Context.Create(Device.Cpu, threads: 1);
        using (var x = Tensor.FromArray(other, new float[784], 1, 1, 28, 28))
        {
            var e = Assert.Throws<ArgumentException>(() => bp.Run(model.Network, x, new[] { 1 }))!;
            Assert.That(e.Message, Does.Contain("another context"));
        }
    }
}
