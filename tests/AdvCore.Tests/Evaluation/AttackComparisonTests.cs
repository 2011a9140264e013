using AdvCore.Attacks;
using AdvCore.Evaluation;
using AdvCore.Tests.Attacks;
using NUnit.Framework;

namespace AdvCore.Tests.Evaluation;

/// <summary>
/// The AttackBench-style comparison: the optimality formula on hand-made distances, the budget
/// fit of the iteration count, the propagation cap and the tracked distances of real runs.
/// </summary>
public class AttackComparisonTests
{
    private static readonly double Inf = double.PositiveInfinity;

    // A record over images 0..distances.Length-1 (all attacked) plus `misclassified` more images.
    private static AttackRunRecord Record(string attack, double[] distances, int misclassified = 0, double?[]? tracked = null)
    {
        var images = distances.Select((d, i) => new ImageRecord(i, 0, double.IsFinite(d), double.IsFinite(d) ? d : 0.5, 1,
                                                                QueryBestL2: tracked?[i]));
        return AttackRunRecord.Create(attack, new Dictionary<string, string>(), "mnist", "m", 10, true, 2, 1, images,
                                      Enumerable.Range(distances.Length, misclassified));
    }

    [Test]
    public void OptimalityIsOneForTheBestAttackLessForAWorseOneAndZeroForOneThatBreaksNothing()
    {
        // N′ = 5, N = 4 (clean accuracy 0.8). best per image: 1, 2, 1, 4 → ε_max = 4 (the largest finite distance).
        var best = Record("ddn", [1, 2, 1, 4], misclassified: 1);
        var worse = Record("bp", [2, 2, 3, Inf], misclassified: 1);
        var nothing = Record("cw", [Inf, Inf, Inf, Inf], misclassified: 1);
        var c = AttackComparison.Compare([best, worse, nothing], budget: 100);

        Assert.That(c.Count, Is.EqualTo(5));
        Assert.That(c.Correct, Is.EqualTo(4));
        Assert.That(c.CleanAccuracy, Is.EqualTo(0.8));
        Assert.That(c.EpsilonMax, Is.EqualTo(4));
        // A = Σ min(d, ε_max)/N′: best (1+2+1+4)/5 = 1.6; worse (2+2+3+4)/5 = 2.2; nothing 16/5 = 3.2 = 0.8·4.
        Assert.That(c.BestArea, Is.EqualTo(1.6).Within(1e-12));
        Assert.That(c.Entries[0].Area, Is.EqualTo(1.6).Within(1e-12));
        Assert.That(c.Entries[1].Area, Is.EqualTo(2.2).Within(1e-12));
        Assert.That(c.Entries[2].Area, Is.EqualTo(3.2).Within(1e-12));
        Assert.That(c.Entries[0].Optimality, Is.EqualTo(1), "exactly");
        Assert.That(c.Entries[1].Optimality, Is.EqualTo(1 - 0.6 / 1.6).Within(1e-12));
        Assert.That(c.Entries[1].Optimality, Is.EqualTo(AttackComparison.Optimality(2.2, 1.6, 0.8, 4)).Within(1e-12), "the formula helper agrees");
        Assert.That(c.Entries[2].Optimality, Is.EqualTo(0), "exactly");
        Assert.That(c.Entries[1].PSuc, Is.EqualTo(0.75));
        Assert.That(c.Entries[1].MedianL2, Is.EqualTo(2));
        Assert.That(c.Entries[1].MeanL2, Is.EqualTo(7 / 3.0).Within(1e-12));
        Assert.That(c.Entries[0].MedianL2, Is.EqualTo(1.5));
        Assert.That(c.Entries[2].MedianL2, Is.Null);
        Assert.That(c.BestDistances, Is.EqualTo(new double?[] { 1, 2, 1, 4 }));
    }

    [Test]
    public void TheBestCurveMixesAttacksAndTheTrackedDistanceCounts()
    {
        // Neither attack is best everywhere; the tracked query of image 2 breaks it for "bp" though its returned image failed.
        var a = Record("ddn", [1, 3, Inf]);
        var b = Record("bp", [2, 1, Inf], tracked: [null, 0.5, 2]);
        var c = AttackComparison.Compare([a, b]);
        Assert.That(c.BestDistances, Is.EqualTo(new double?[] { 1, 0.5, 2 }));
        Assert.That(c.EpsilonMax, Is.EqualTo(3));
        Assert.That(c.Entries[1].PSuc, Is.EqualTo(1));
        Assert.That(c.Entries[1].ReturnedPSuc, Is.EqualTo(2 / 3.0).Within(1e-12));
        Assert.That(c.Entries[1].TrackedCloser, Is.EqualTo(2));
        // A_best = (1+0.5+2)/3; ddn (1+3+3)/3; bp (2+0.5+2)/3; worst = 1·3.
        double bestArea = 3.5 / 3, worst = 3;
        Assert.That(c.Entries[0].Optimality, Is.EqualTo(1 - (7 / 3.0 - bestArea) / (worst - bestArea)).Within(1e-12));
        Assert.That(c.Entries[1].Optimality, Is.EqualTo(1 - (4.5 / 3 - bestArea) / (worst - bestArea)).Within(1e-12));
        Assert.That(c.Entries.Select(e => e.Optimality), Has.All.LessThan(1));
    }

    [Test]
    public void TheAreaIsTheExactIntegralOfTheStepCurve()
    {
        double[] d = [0.3, 1.1, 1.1, Inf, 2.5];
        var curve = AttackComparison.Curve(d, processed: 6);
        Assert.That(curve[0], Is.EqualTo((0.0, 5 / 6.0)));
        Assert.That(curve.Select(p => p.Epsilon), Is.EqualTo(new[] { 0, 0.3, 1.1, 2.5 }));
        Assert.That(curve[^1].RobustAccuracy, Is.EqualTo(1 / 6.0).Within(1e-12));
        // Integrate the step function by hand up to ε_max = 2.
        double epsMax = 2, area = 0;
        for (int k = 0; k < curve.Count; k++)
        {
            double from = curve[k].Epsilon, to = k + 1 < curve.Count ? Math.Min(curve[k + 1].Epsilon, epsMax) : epsMax;
            if (to > from) area += (to - from) * curve[k].RobustAccuracy;
        }
        Assert.That(AttackComparison.Area(d, 6, epsMax), Is.EqualTo(area).Within(1e-12));
        Assert.That(AttackComparison.Optimality(1, 1, 0.5, 0), Is.Null, "nothing broken: no optimality");
    }

    [Test]
    public void RunsOnDifferentImagesAreRefused()
    {
        var a = Record("ddn", [1, 2]);
        var b = Record("bp", [1, 2, 3]);
        Assert.That(() => AttackComparison.Compare([a, b]), Throws.ArgumentException.With.Message.Contains("other images"));
    }

    [TestCase("ddn", 60)]
    [TestCase("bp", 60)]
    [TestCase("cw", 60)]
    [TestCase("deepfool", 60)]
    [TestCase("pgd2", 60)]
    [TestCase("ddn", 2000)]
    [TestCase("bp", 2000)]
    [TestCase("cw", 2000)]
    [TestCase("deepfool", 2000)]
    [TestCase("pgd2", 2000)]
    public void TheChosenIterationsAreTheLargestThatFitTheBudget(string name, long budget)
    {
        var plan = AttackComparison.Plan(name, "mnist", budget, classes: 10, features: 784);
        Assert.That(plan.Iterations, Is.Not.Null);
        int k = plan.Iterations!.Value;
        Assert.That(plan.Attack.Iterations, Is.EqualTo(k));
        Assert.That(plan.Cost.Propagations, Is.LessThanOrEqualTo(budget));
        Assert.That(plan.Attack.Cost(10, 784), Is.EqualTo(plan.Cost));
        var next = AttackRegistry.Create(name, "mnist", null, k + 1);
        Assert.That(next.Cost(10, 784).Propagations, Is.GreaterThan(budget), $"{k + 1} iterations would fit too");
    }

    [Test]
    public void KnownCostsGiveTheExpectedIterations()
    {
        // DDN and BP: K gradients + 2 forwards, 2·K + 2 ≤ 60 → K = 29; DeepFool: 2·10·K + 1 ≤ 60 → K = 2;
        // C&W 5×K: 2·5K + 7 ≤ 60 → K = 5; PGD2 over the 11 MNIST budgets: 2·11K + 22 ≤ 60 → K = 1.
        Assert.That(AttackComparison.Plan("ddn", "mnist", 60, 10, 784).Iterations, Is.EqualTo(29));
        Assert.That(AttackComparison.Plan("bp", "mnist", 60, 10, 784).Iterations, Is.EqualTo(29));
        Assert.That(AttackComparison.Plan("deepfool", "mnist", 60, 10, 784).Iterations, Is.EqualTo(2));
        Assert.That(AttackComparison.Plan("cw", "mnist", 60, 10, 784).Iterations, Is.EqualTo(5));
        Assert.That(AttackComparison.Plan("pgd2", "mnist", 60, 10, 784).Iterations, Is.EqualTo(1));
    }

    [Test]
    public void ApgdEntersAsAMinimalEpsilonSearchInL2()
    {
        var plan = AttackComparison.Plan("apgd-ce", "mnist", 2000, 10, 784);
        var options = (ApgdOptions)plan.Attack.Options;
        Assert.That((options.Norm, options.Epsilons), Is.EqualTo((AttackNorm.L2, Budgets.MnistL2)));
        Assert.That(plan.Cost.Propagations, Is.LessThanOrEqualTo(2000));
        Assert.That(AttackComparison.Build(plan.Info, "mnist", plan.Iterations + 1).Cost(10, 784).Propagations, Is.GreaterThan(2000));
    }

    [Test]
    public void AttacksThatCannotEnterAreRefused()
    {
        Assert.That(() => AttackComparison.Plan("cw", "mnist", 10, 10, 784), Throws.ArgumentException.With.Message.Contains("does not fit the budget of 10"));
        Assert.That(() => AttackComparison.Plan("fgsm", "mnist", 100, 10, 784), Throws.ArgumentException.With.Message.Contains("budgeted L2"));
        Assert.That(() => AttackComparison.Plan("pgdinf", "mnist", 100, 10, 784), Throws.ArgumentException.With.Message.Contains("budgeted L2"));
        Assert.That(() => AttackComparison.Plan("zoo", "mnist", 100, 10, 784), Throws.ArgumentException.With.Message.Contains("unknown attack 'zoo'"));
        Assert.That(() => AttackComparison.Plan("ddn", "mnist", 0, 10, 784), Throws.ArgumentException.With.Message.Contains("budget must be >= 1"));
        Assert.That(AttackComparison.DefaultEntrants().Select(a => a.Name), Is.SupersetOf(new[] { "cw", "ddn", "bp", "deepfool" }));
        Assert.That(AttackComparison.DefaultEntrants().Select(a => a.Name), Has.None.EqualTo("pgd2"));
    }

    private static (float[] Images, int[] Labels) Slice(int count)
    {
        var m = TrainedMnistModel.Get();
        return (m.TestImages.AsSpan(0, count * 784).ToArray(), m.TestLabels.AsSpan(0, count).ToArray());
    }

    [TestCase("ddn")]
    [TestCase("bp")]
    [TestCase("cw")]
    [TestCase("deepfool")]
    [TestCase("pgd2")]
    public void ARunSpendsAtMostTheBudgetAndTrackedDistancesAreNoLargerThanReturnedOnes(string name)
    {
        const long budget = 60;
        var model = new NetworkClassifier(TrainedMnistModel.Get().Network);
        var (images, labels) = Slice(12);
        var plan = AttackComparison.Plan(name, "mnist", budget, model.Classes, 784);
        var record = AttackComparison.Run(model, plan, images, labels, options: new AttackRunnerOptions { BatchSize = 6, KeepExamples = 0 }).Record;
        Assert.That(record.Images, Is.Not.Empty);
        Assert.That(record.Images.Select(i => 2 * i.Gradients + i.Forwards), Has.All.LessThanOrEqualTo(budget).And.All.GreaterThan(0));
        Assert.That(record.Planned.Propagations, Is.LessThanOrEqualTo(budget));
        foreach (var image in record.Images.Where(i => i.Success))
        {
            Assert.That(image.QueryBestL2, Is.Not.Null, $"image {image.Index}: its returned image was a query");
            // The tracker measures in float32, the record in float64.
            Assert.That(image.QueryBestL2!.Value, Is.LessThanOrEqualTo(image.L2 * (1 + 1e-5) + 1e-6), $"image {image.Index}");
        }
    }

    [Test]
    public void TheCapHoldsEvenForAnAttackPlannedPastTheBudget()
    {
        const long budget = 30;
        var model = new NetworkClassifier(TrainedMnistModel.Get().Network);
        var (images, labels) = Slice(8);
        var greedy = AttackRegistry.Create("ddn", "mnist", null, 100); // plans 202 propagations per image
        Assert.That(greedy.Cost(10, 784).Propagations, Is.GreaterThan(budget));
        var record = AttackComparison.Run(model, greedy, budget, images, labels, options: new AttackRunnerOptions { KeepExamples = 0 }).Record;
        Assert.That(record.Images.Select(i => 2 * i.Gradients + i.Forwards), Has.All.LessThanOrEqualTo(budget));
        Assert.That(record.Images.Max(i => 2 * i.Gradients + i.Forwards), Is.GreaterThan(budget - 3), "the attack ran up to the cap");
        // DDN offers only after its loop: stopped inside it, it returns the originals (failures),
        // but the tracker saw its iterates, which is what the comparison counts.
        Assert.That(record.PSuc, Is.Zero);
        Assert.That(record.Images.Count(i => i.QueryBestL2 is not null), Is.GreaterThan(record.Images.Count / 2));
        var c = AttackComparison.Compare([record]);
        Assert.That(c.Entries[0].PSuc, Is.GreaterThan(0.5));
        Assert.That(c.Entries[0].Optimality, Is.EqualTo(1).Within(1e-12), "alone, it is the best");
    }
}
