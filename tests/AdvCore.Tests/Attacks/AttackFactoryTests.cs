using AdvCore.Attacks;
using NUnit.Framework;

namespace AdvCore.Tests.Attacks;

/// <summary>The CLI-facing construction of attacks by name, thesis presets and name=value options.</summary>
public class AttackFactoryTests
{
    [Test]
    public void EveryNameCreatesItsAttack()
    {
        foreach (string name in AttackFactory.Names)
            Assert.That(AttackFactory.Create(name).Name, Is.EqualTo(name));
        Assert.That(AttackFactory.Create("BIM").Name, Is.EqualTo("ifgsm"));
        Assert.That(AttackFactory.Create("pgd-linf").Name, Is.EqualTo("pgdinf"));
        Assert.That(AttackFactory.Create("C&W").Name, Is.EqualTo("cw"));
    }

    [Test]
    public void UnknownNamesAndMismatchedOptionsAreRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => AttackFactory.Create("boom"))!;
        Assert.That(e.Message, Does.Contain("unknown attack 'boom'"));
        Assert.That(e.Message, Does.Contain("fgsm, ifgsm, pgd2"));
        var m = Assert.Throws<ArgumentException>(() => AttackFactory.Create("bp", new DdnOptions()))!;
        Assert.That(m.Message, Does.Contain("attack 'bp' takes BoundaryProjectionOptions, not DdnOptions"));
    }

    [Test]
    public void ThesisDefaultsAreTheDefaults()
    {
        var bp = (BoundaryProjectionOptions)AttackFactory.DefaultOptions("bp");
        Assert.That((bp.Alpha, bp.GammaMin, bp.BetaMin, bp.Rounding), Is.EqualTo((2f, 0.7f, 0.1f, BpRounding.QInOut)));
        Assert.That(bp.GammaAt(0), Is.EqualTo(0.7f));
        Assert.That(bp.GammaAt(bp.Iterations - 1), Is.LessThan(1f));
        var ddn = (DdnOptions)AttackFactory.DefaultOptions("ddn");
        Assert.That((ddn.InitialNorm, ddn.Gamma, ddn.MaxStep, ddn.MinStep), Is.EqualTo((1f, 0.05f, 1f, 0.01f)));
        Assert.That(ddn.StepAt(0), Is.EqualTo(1f));
        Assert.That(new IterativeFgsmOptions().StepFor(1f), Is.EqualTo(0.08f));
        Assert.That(new PgdOptions().StepFor(2f), Is.EqualTo(1f), "PGD2 step eps/2");
        Assert.That(new RandomFgsmOptions().AlphaFor(0.3f), Is.EqualTo(0.05f));

        var cwMnist = (CarliniWagnerOptions)AttackFactory.ThesisOptions("cw", "mnist");
        Assert.That((cwMnist.BinarySteps, cwMnist.Iterations, cwMnist.LearningRate, cwMnist.InitialConstant), Is.EqualTo((5, 20, 0.5f, 1f)));
        var cwCifar = CarliniWagnerOptions.Thesis("cifar10", "1x100");
        Assert.That((cwCifar.BinarySteps, cwCifar.Iterations, cwCifar.LearningRate, cwCifar.InitialConstant), Is.EqualTo((1, 100, 0.01f, 1f)));
        Assert.That(((PgdOptions)AttackFactory.ThesisOptions("pgd2", "cifar10")).Epsilons, Is.EqualTo(Budgets.CifarL2));
        Assert.That(Budgets.UpperDistortion("fashion-mnist"), Is.EqualTo(2.0));
        Assert.That(Budgets.UpperDistortion("cifar10"), Is.EqualTo(0.7));
    }

    [Test]
    public void OptionsCanBeGivenAsText()
    {
        var attack = AttackFactory.Create("bp", "mnist", new Dictionary<string, string>
        {
            ["iterations"] = "100", ["gamma-min"] = "0.8", ["rounding"] = "each-iteration", ["quantize"] = "false",
        });
        var o = (BoundaryProjectionOptions)attack.Options;
        Assert.That((o.Iterations, o.GammaMin, o.Rounding, o.Quantize), Is.EqualTo((100, 0.8f, BpRounding.EachIteration, false)));

        var pgd = (PgdOptions)AttackFactory.Create("pgd2", null, new Dictionary<string, string> { ["epsilons"] = "0.5, 1,2" }).Options;
        Assert.That(pgd.Epsilons, Is.EqualTo(new[] { 0.5f, 1f, 2f }));

        var unknown = Assert.Throws<ArgumentException>(() => AttackFactory.Create("bp", null, new Dictionary<string, string> { ["speed"] = "1" }))!;
        Assert.That(unknown.Message, Does.Contain("BoundaryProjectionOptions has no option 'speed'"));
        var unreadable = Assert.Throws<ArgumentException>(() => AttackFactory.Create("bp", null, new Dictionary<string, string> { ["iterations"] = "many" }))!;
        Assert.That(unreadable.Message, Does.Contain("option 'iterations': cannot read 'many' as Int32"));
        var invalid = Assert.Throws<ArgumentOutOfRangeException>(() => AttackFactory.Create("ddn", null, new Dictionary<string, string> { ["iterations"] = "0" }))!;
        Assert.That(invalid.Message, Does.Contain("Iterations must be >= 1 (got 0)"));
    }
}
