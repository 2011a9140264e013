using AdvCore.Attacks;
using AdvCore.Evaluation;
using AdvCore.Nn;
using NUnit.Framework;

namespace AdvCore.Tests.Evaluation;

/// <summary>How crafted images are judged: the plain row and the smallest-budget row of the oblivious ε search.</summary>
public class DefenseEvaluationTests
{
    // Class 1 when the single pixel exceeds 0.5, else class 0.
    private sealed class ThresholdClassifier(Context context) : IClassifier, IDisposable
    {
        private Tensor? _logits;
        public Context Context { get; } = context;
        public IReadOnlyList<int> InputShape { get; } = [1, 1, 1];
        public int Classes => 2;

        public Tensor Logits(Tensor x)
        {
            float[] v = x.ToArray();
            var logits = new float[v.Length * 2];
            for (int i = 0; i < v.Length; i++) logits[2 * i + (v[i] > 0.5f ? 1 : 0)] = 1;
            _logits?.Dispose();
            _logits = Tensor.FromArray(Context, logits, v.Length, 2);
            return _logits;
        }

        public GradientResult Gradient(Tensor x, Tensor labels, LossKind loss, float lossParam = 0) => throw new NotSupportedException();
        public void Dispose() => _logits?.Dispose();
    }

    private static CraftedImages Crafted(float[] attacked, double[] distortion) =>
        new("test 1", [0.2f, 0.2f, 0.2f, 0.9f], attacked, [0, 0, 0, 0], [true, true, true, false], distortion, 1.0);

    [Test]
    public void TheSmallestBudgetThatFoolsTheJudgeCounts()
    {
        using var ctx = Context.Create(Device.Cpu, threads: 1, seed: 1);
        using var judge = new ThresholdClassifier(ctx);
        var small = Crafted([0.4f, 0.6f, 0.2f, 0.9f], [0.2, 0.4, double.NaN, double.NaN]);
        var large = Crafted([0.7f, 0.9f, 0.3f, 0.9f], [0.5, 0.7, 0.1, double.NaN]);
        var row = DefenseEvaluation.JudgeSmallestBudget([small, large], "threshold", judge, batchSize: 3);
        Assert.That(row.CleanCorrect, Is.EqualTo(3), "image 3 is misclassified clean");
        Assert.That(row.Attacked, Is.EqualTo(3));
        Assert.That(row.Succeeded, Is.EqualTo(2), "image 2 never crosses 0.5");
        Assert.That(row.MeanL2, Is.EqualTo((0.5 + 0.4) / 2).Within(1e-12), "image 0 at the large budget, image 1 at the small one");
        Assert.That(row.AdversarialCorrect, Is.EqualTo(1));
        Assert.That(row.PSuc, Is.EqualTo(2 / 3.0).Within(1e-12));

        var plain = DefenseEvaluation.Judge(small, "threshold", AttackMode.Oblivious, judge, batchSize: 2);
        Assert.That((plain.Succeeded, plain.MeanL2), Is.EqualTo((1, (double?)0.4)));
        Assert.That(plain.AdversarialCorrect, Is.EqualTo(2), "images 0 and 2 still read as 0; image 3 was wrong clean and stays wrong");
    }
}
