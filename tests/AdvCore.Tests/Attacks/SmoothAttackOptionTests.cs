using AdvCore.Attacks;
using NUnit.Framework;

namespace AdvCore.Tests.Attacks;

/// <summary>qPGD₂ and sC&amp;W refuse bad smoothing and attack options by their CLI names' option, and non-finite images.</summary>
public class SmoothAttackOptionTests
{
    [TestCase("qpgd2", "alpha", "1", "Alpha must be in (0, 1) (got 1)")]
    [TestCase("qpgd2", "alpha", "0", "Alpha must be in (0, 1) (got 0)")]
    [TestCase("scw", "alpha", "-0.5", "Alpha must be in (0, 1) (got -0.5)")]
    [TestCase("scw", "sigma-feature", "0", "SigmaFeature must be a finite number > 0 (got 0)")]
    [TestCase("qpgd2", "sigma-feature", "NaN", "SigmaFeature must be a finite number > 0")]
    [TestCase("scw", "neighbours", "6", "Neighbours must be 4 or 8 (got 6)")]
    [TestCase("scw", "cg-iterations", "0", "CgIterations must be >= 1 (got 0)")]
    [TestCase("qpgd2", "cg-tolerance", "-1", "CgTolerance must be a finite number >= 0")]
    [TestCase("scw", "initial-constant", "0", "InitialConstant must be a finite number > 0 (got 0)")]
    [TestCase("qpgd2", "epsilons", "-1", "Epsilons[0] must be a finite number > 0")]
    public void BadOptionsAreRefusedByName(string attack, string option, string value, string message)
    {
        var e = Assert.Throws(Is.InstanceOf<ArgumentException>(),
            () => AttackRegistry.Create(attack, "mnist", new Dictionary<string, string> { [option] = value }))!;
        Assert.That(e.Message, Does.Contain(message));
    }

    [TestCase("qpgd2")]
    [TestCase("scw")]
    public void NonFiniteImagesAreRefusedBeforeTheGraphIsBuilt(string attack)
    {
        using var context = Context.Create(Device.Cpu, threads: 1, seed: 1);
        using var network = global::AdvCore.Nn.Network.Build(context, [1, 5, 5], [new global::AdvCore.Nn.LinearLayer(3)], seed: 1);
        var pixels = Enumerable.Range(0, 50).Select(i => i / 50f).ToArray();
        pixels[7] = float.NaN;
        using var x = Tensor.FromArray(context, pixels, 2, 1, 5, 5);
        var run = AttackRegistry.Create(attack, "mnist", null);
        var e = Assert.Catch(() => run.Run(network, x, new[] { 0, 1 }))!;
        Assert.That(e.Message, Does.Contain("NaN").IgnoreCase.Or.Contain("finite"));
    }
}
