using AdvCore.Attacks;
using NUnit.Framework;

namespace AdvCore.Tests.Attacks;

/// <summary>APGD (Croce &amp; Hein 2020) against the small trained CNN, its checkpoint schedule and its cost.</summary>
public class ApgdTests
{
    private static AttackResult Run(ApgdOptions options, int images = 24, int skip = 0)
    {
        var model = TrainedMnistModel.Get();
        var (x, labels) = model.Correct(images, skip);
        using (x) return new Apgd(options).Run(model.Network, x, labels);
    }

    [Test]
    public void CrossEntropyAtMnistBudgetFoolsNearlyAll()
    {
        using var result = Run(new ApgdOptions { Epsilons = [0.3f] });
        TestContext.Out.WriteLine($"apgd-ce eps 0.3: P_suc {result.SuccessRate:F3}, max Linf {result.Linf.Max():F4}");
        Assert.That(result.SuccessRate, Is.GreaterThanOrEqualTo(0.95));
        Assert.That(result.Linf.Where((_, i) => result.Success[i]), Is.All.LessThanOrEqualTo(0.3 + 0.5 / 255 + 1e-6));
    }

    [Test]
    public void DlrAtMnistBudgetFoolsNearlyAllAndNoneAtATinyOne()
    {
        using var large = Run(new ApgdOptions { Loss = LossKind.Dlr, Epsilons = [0.3f] });
        using var tiny = Run(new ApgdOptions { Loss = LossKind.Dlr, Epsilons = [0.01f] });
        TestContext.Out.WriteLine($"apgd-dlr: P_suc {large.SuccessRate:F3} at eps 0.3, {tiny.SuccessRate:F3} at eps 0.01");
        Assert.That(large.SuccessRate, Is.GreaterThanOrEqualTo(0.95));
        Assert.That(tiny.SuccessRate, Is.LessThanOrEqualTo(0.1));
    }

    [Test]
    public void CrossEntropyAtATinyBudgetFoolsAlmostNone()
    {
        using var result = Run(new ApgdOptions { Epsilons = [0.01f] });
        TestContext.Out.WriteLine($"apgd-ce eps 0.01: P_suc {result.SuccessRate:F3}");
        Assert.That(result.SuccessRate, Is.LessThanOrEqualTo(0.1));
    }

    [Test]
    public void L2VariantFoolsMostImagesWithinItsBudget()
    {
        using var result = Run(new ApgdOptions { Norm = AttackNorm.L2, Epsilons = [2f], Iterations = 50 });
        TestContext.Out.WriteLine($"apgd-ce L2 eps 2: P_suc {result.SuccessRate:F3}, max L2 {result.L2.Where((_, i) => result.Success[i]).DefaultIfEmpty(0).Max():F4}");
        Assert.That(result.SuccessRate, Is.GreaterThanOrEqualTo(0.9));
        Assert.That(result.L2.Where((_, i) => result.Success[i]), Is.All.LessThanOrEqualTo(2 + 0.5 / 255 * Math.Sqrt(784)));
    }

    [Test]
    public void SuccessesOfTheRegistryRunStayWithinTheirBudget()
    {
        var run = AttackRuns.Get("apgd-ce");
        int successes = 0;
        for (int i = 0; i < AttackRuns.Images; i++)
        {
            if (!run.Result.Success[i]) continue;
            successes++;
            float eps = run.Result.Budgets[i];
            Assert.That(float.IsNaN(eps), Is.False, $"image {i} succeeded without a budget");
            Assert.That(run.Result.Linf[i], Is.LessThanOrEqualTo(eps + 0.5 / 255 + 1e-6), $"image {i}, budget {eps}");
        }
        var budgets = run.Result.Budgets.Where(b => !float.IsNaN(b)).ToArray();
        TestContext.Out.WriteLine($"apgd-ce (10 MNIST budgets): P_suc {run.Result.SuccessRate:F3}, median budget {budgets.Order().ElementAt(budgets.Length / 2)}");
        Assert.That(successes, Is.GreaterThan(0));
    }

    [TestCase(100, new[] { 0, 22, 41, 57, 70, 80, 87, 93, 99 })]
    [TestCase(10, new[] { 0, 2, 3, 4, 5, 6, 7, 8, 9, 10 })]
    [TestCase(1, new[] { 0, 1 })]
    [TestCase(1000, new[] { 0, 220, 410, 570, 700, 800, 870, 930, 990 })]
    public void CheckpointsAreAutoAttacks(int iterations, int[] expected) =>
        Assert.That(ApgdOptions.CheckpointsFor(iterations), Is.EqualTo(expected));

    /// <summary>AutoAttack's own loop (counter3 reaching k, then k = max(k − size_decr, n_iter_min)), replayed for many N.</summary>
    [Test]
    public void CheckpointsMatchAutoAttacksCounterLoop()
    {
        for (int n = 1; n <= 400; n++)
        {
            int k = Math.Max((int)(0.22 * n), 1), kMin = Math.Max((int)(0.06 * n), 1), decrease = Math.Max((int)(0.03 * n), 1);
            var points = new List<int> { 0 };
            for (int i = 0, counter = 0; i < n; i++)
            {
                if (++counter != k) continue;
                points.Add(i + 1);
                counter = 0;
                k = Math.Max(k - decrease, kMin);
            }
            Assert.That(ApgdOptions.CheckpointsFor(n), Is.EqualTo(points), $"N = {n}");
        }
        // The real-valued recurrence p_{j+1} = p_j + max(p_j − p_{j−1} − 0.03, 0.06) with ⌈p_j·N⌉ is not what
        // AutoAttack runs: in doubles p_3·100 = 57.00000000000001, whose ceiling is 58.
        var p = new List<double> { 0, 0.22 };
        while (p.Count < 9) p.Add(p[^1] + Math.Max(p[^1] - p[^2] - 0.03, 0.06));
        Assert.That(p.Select(v => (int)Math.Ceiling(v * 100)), Is.EqualTo(new[] { 0, 22, 41, 58, 70, 80, 87, 93, 99 }));
        Assert.That(ApgdOptions.CheckpointsFor(100)[3], Is.EqualTo(57));
    }

    [TestCase(AttackNorm.Linf, 2, 1, 5)]
    [TestCase(AttackNorm.L2, 1, 3, 4)]
    [TestCase(AttackNorm.Linf, 3, 2, 1)]
    [TestCase(AttackNorm.Linf, 2, 2, 3, LossKind.Dlr)]
    public void SpendsBudgetsTimesRestartsTimesIterationsPlusOneGradients(AttackNorm norm, int budgets, int restarts, int iterations,
                                                                         LossKind loss = LossKind.CrossEntropy)
    {
        var model = TrainedMnistModel.Get();
        var (x, labels) = model.Correct(5);
        using (x)
        {
            float[] eps = Enumerable.Range(1, budgets).Select(b => b * (norm == AttackNorm.L2 ? 0.5f : 0.05f)).ToArray();
            var attack = new Apgd(new ApgdOptions { Norm = norm, Epsilons = eps, Restarts = restarts, Iterations = iterations, Loss = loss });
            var counting = new CountingModel(new NetworkClassifier(model.Network));
            using var result = attack.Run(counting, x, labels);
            long expected = (long)budgets * restarts * (iterations + 1);
            Assert.That(counting.Gradients, Is.EqualTo(expected), "gradient evaluations");
            Assert.That(result.Gradients, Is.All.EqualTo(expected), "charged per image");
            Assert.That(counting.Forwards, Is.EqualTo(2 * budgets + 1), "forward passes: two offers per budget and the final check");
            Assert.That(attack.Iterations, Is.EqualTo(iterations), "what was asked for");
            Assert.That(attack.Cost(10, 784), Is.EqualTo(new AttackCost(expected, 2L * budgets)), "the cost model");
        }
    }

    [Test]
    public void TwoRunsAreBitIdenticalAndTheSeedMatters()
    {
        var options = new ApgdOptions { Epsilons = [0.05f, 0.1f], Iterations = 20, Restarts = 2, Quantize = false };
        using var a = Run(options, 8);
        using var b = Run(options, 8);
        using var c = Run(options with { Seed = 12345 }, 8);
        Assert.That(b.CopyAdversarials(), Is.EqualTo(a.CopyAdversarials()));
        Assert.That(c.CopyAdversarials(), Is.Not.EqualTo(a.CopyAdversarials()), "another random start");
    }

    private static IEnumerable<TestCaseData> BadOptions()
    {
        yield return new TestCaseData(new ApgdOptions { Iterations = 0 }, "Iterations must be >= 1 (got 0)").SetName("APGD zero iterations");
        yield return new TestCaseData(new ApgdOptions { Restarts = 0 }, "Restarts must be >= 1 (got 0)").SetName("APGD zero restarts");
        yield return new TestCaseData(new ApgdOptions { Rho = 1.5f }, "Rho must be in [0, 1] (got 1.5)").SetName("APGD rho above 1");
        yield return new TestCaseData(new ApgdOptions { Momentum = 0 }, "Momentum must be in (0, 1] (got 0)").SetName("APGD zero momentum");
        yield return new TestCaseData(new ApgdOptions { Epsilons = [] }, "Epsilons must list at least one budget").SetName("APGD no budgets");
        yield return new TestCaseData(new ApgdOptions { Loss = LossKind.LogProbMargin }, "Loss must be one APGD increases").SetName("APGD margin loss");
    }

    [TestCaseSource(nameof(BadOptions))]
    public void BadOptionsAreRefused(ApgdOptions options, string message)
    {
        var e = Assert.Throws(Is.InstanceOf<ArgumentException>(), () => new Apgd(options))!;
        Assert.That(e.Message, Does.Contain(message));
    }

    [Test]
    public void RegistryNamesAndDefaultsAreAutoAttacks()
    {
        Assert.That(AttackFactory.Create("apgd").Name, Is.EqualTo("apgd-ce"));
        Assert.That(AttackFactory.Create("APGD-DLR").Name, Is.EqualTo("apgd-dlr"));
        Assert.That(((ApgdOptions)AttackFactory.Create("apgd-dlr").Options).Loss, Is.EqualTo(LossKind.Dlr));
        var o = (ApgdOptions)AttackFactory.DefaultOptions("apgd-ce");
        Assert.That((o.Norm, o.Iterations, o.Restarts, o.Rho, o.Momentum, o.Loss), Is.EqualTo((AttackNorm.Linf, 100, 1, 0.75f, 0.75f, LossKind.CrossEntropy)));
        Assert.That(o.Epsilons, Is.EqualTo(Budgets.MnistLinf));
        Assert.That(((ApgdOptions)AttackFactory.ThesisOptions("apgd-ce", "cifar10")).Epsilons, Is.EqualTo(Budgets.CifarLinf));
        Assert.That(Apgd.InitialStep(0.3f), Is.EqualTo(0.6f));
    }
}
