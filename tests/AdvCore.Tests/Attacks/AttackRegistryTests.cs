using AdvCore.Attacks;
using NUnit.Framework;

namespace AdvCore.Tests.Attacks;

/// <summary>The registry is the one list of attacks: every consumer exposes exactly its rows.</summary>
public class AttackRegistryTests
{
    [Test]
    public void EveryRowBuildsItsAttackUnderItsName()
    {
        Assert.That(AttackRegistry.Names, Is.Unique);
        foreach (var info in AttackRegistry.All)
        {
            var attack = AttackRegistry.Create(info, null);
            Assert.That(attack.Name, Is.EqualTo(info.Name));
            Assert.That(attack.Options, Is.InstanceOf(info.OptionsType), info.Name);
            foreach (string alias in info.Aliases) Assert.That(AttackRegistry.Get(alias).Name, Is.EqualTo(info.Name), alias);
            foreach (string dataset in new[] { "mnist", "cifar10" })
                Assert.That(AttackRegistry.Create(info.Name, dataset, null).Name, Is.EqualTo(info.Name), $"{info.Name} on {dataset}");
            // The row's iteration option is a real option of its record: --iterations reaches it.
            if (info.IterationOption is { } option)
            {
                var built = AttackRegistry.Create(info.Name, "mnist", null, iterations: 3);
                Assert.That(built.Iterations, Is.EqualTo(3), $"{info.Name}: --iterations sets {option}");
            }
        }
    }

    [Test]
    public void FactoryCliHelpAndReproduceExposeTheRegistry()
    {
        Assert.That(AttackFactory.Names, Is.EqualTo(AttackRegistry.Names));
        string listing = global::AdvCore.Cli.AttacksCommand.Render(options: true);
        foreach (var info in AttackRegistry.All) Assert.That(listing, Does.Contain(info.Name + " "), info.Name);
        Assert.That(global::AdvCore.Cli.AttacksCommand.Names.Split(", "), Is.EqualTo(AttackRegistry.Names));
        // Every attack of the thesis tables is a registry row.
        foreach (var table in global::AdvCore.Evaluation.ThesisTables.Names.Select(global::AdvCore.Evaluation.ThesisTables.Get))
            foreach (var row in table.Rows) Assert.That(AttackRegistry.Find(row.Attack), Is.Not.Null, row.Attack);
    }

    [Test]
    public void SupportFlagsComeFromTheAttacks()
    {
        foreach (var info in AttackRegistry.All)
        {
            var attack = AttackRegistry.Create(info, null);
            Assert.That((info.SupportsTargeted, info.SupportsMargin), Is.EqualTo((attack.SupportsTargeted, attack.SupportsMargin)), info.Name);
        }
        Assert.That(AttackRegistry.Get("bp").SupportsTargeted, Is.True);
        Assert.That(AttackRegistry.Get("deepfool").SupportsTargeted, Is.False);
    }

    [Test]
    public void PresetsAndUnknownNamesGiveClearErrors()
    {
        var cw = (CarliniWagnerOptions)AttackRegistry.Create("cw", "mnist", new Dictionary<string, string> { ["schedule"] = "1x100" }).Options;
        Assert.That((cw.BinarySteps, cw.Iterations, cw.LearningRate), Is.EqualTo((1, 100, 0.1f)));
        var e = Assert.Throws<ArgumentException>(() => AttackRegistry.Create("bp", "mnist", new Dictionary<string, string> { ["schedule"] = "5x20" }))!;
        Assert.That(e.Message, Does.Contain("option 'schedule' is only for cw, not bp"));
        var u = Assert.Throws<ArgumentException>(() => AttackRegistry.Get("boom"))!;
        Assert.That(u.Message, Does.Contain("unknown attack 'boom'").And.Contain("bp"));
        Assert.That(AttackOptionText.Describe(new DdnOptions())["initial_norm"], Is.EqualTo("1"));
        Assert.That(AttackOptionText.With(new DdnOptions(), "initial-norm", "0.5"), Is.EqualTo(new DdnOptions { InitialNorm = 0.5f }));
    }
}
