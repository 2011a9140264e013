using AdvCore.Attacks;
using NUnit.Framework;

namespace AdvCore.Tests.Attacks;

/// <summary>The number of gradient evaluations each attack spends ("# Grads" in the thesis tables).</summary>
public class GradientCountTests
{
    [TestCase(1)]
    [TestCase(7)]
    [TestCase(20)]
    public void BpWithKIterationsSpendsExactlyKGradients(int k)
    {
        var model = TrainedMnistModel.Get();
        var (x, labels) = model.Correct(10);
        using (x)
        {
            var counting = new CountingClassifier(new NetworkClassifier(model.Network));
            using var result = new BoundaryProjection(new BoundaryProjectionOptions { Iterations = k }).Run(counting, x, labels);
            Assert.That(counting.Gradients, Is.EqualTo(k), "calls to the model's gradient");
            Assert.That(result.Gradients, Is.All.EqualTo(k), "gradients charged per image");
        }
    }

    [Test]
    public void IterativeAttacksSpendIterationsTimesBudgets()
    {
        var model = TrainedMnistModel.Get();
        var (x, labels) = model.Correct(6);
        using (x)
        {
            float[] budgets = [0.05f, 0.1f, 0.2f];
            (IAttack attack, long expected)[] cases =
            [
                (new Fgsm(new FgsmOptions { Epsilons = budgets }), 1),
                (new IterativeFgsm(new IterativeFgsmOptions { Epsilons = budgets, Iterations = 5 }), 15),
                (new Pgd(new PgdOptions { Norm = AttackNorm.L2, Epsilons = [1f, 2f], Iterations = 4 }), 8),
                (new RandomFgsm(new RandomFgsmOptions { Epsilons = budgets }), 3),
                (new CarliniWagner(new CarliniWagnerOptions { BinarySteps = 3, Iterations = 4 }), 12),
                (new Ddn(new DdnOptions { Iterations = 9 }), 9),
            ];
            foreach (var (attack, expected) in cases)
            {
                var counting = new CountingClassifier(new NetworkClassifier(model.Network));
                using var result = attack.Run(counting, x, labels);
                Assert.That(counting.Gradients, Is.EqualTo(expected), attack.Name);
                Assert.That(result.Gradients, Is.All.EqualTo(expected), attack.Name);
            }
        }
    }

    [Test]
    public void DeepFoolAndJsmaChargeOnlyImagesStillRunning()
    {
        var run = AttackRuns.Get("deepfool");
        Assert.That(run.Result.Gradients, Is.All.Matches<long>(g => g > 0 && g % 10 == 0), "a whole Jacobian (K = 10 rows) per iteration");
        Assert.That(run.Result.Gradients.Distinct().Count(), Is.GreaterThan(1), "images stop at different iterations");
        var jsma = AttackRuns.Get("jsma");
        Assert.That(jsma.Result.Gradients, Is.All.Matches<long>(g => g > 0 && g % 2 == 0), "two gradients per iteration");
    }

    /// <summary>Counts gradient evaluations on their way to the model.</summary>
    private sealed class CountingClassifier(IClassifier inner) : IClassifier
    {
        public int Gradients { get; private set; }
        public Context Context => inner.Context;
        public IReadOnlyList<int> InputShape => inner.InputShape;
        public int Classes => inner.Classes;
        public Tensor Logits(Tensor x) => inner.Logits(x);

        public AdvCore.Nn.GradientResult Gradient(Tensor x, Tensor labels, LossKind loss, float lossParam = 0)
        {
            Gradients++;
            return inner.Gradient(x, labels, loss, lossParam);
        }
    }
}
