using System.Diagnostics;
using AdvCore.Attacks;
using AdvCore.Data;

namespace AdvCore.Evaluation;

/// <summary>
/// Attacks a defended classifier the thesis's ways (§6.5-6.6): the attack crafts on the
/// <c>attacker</c> model (the bare network: oblivious; the defended one with its BPDA gradients:
/// adaptive) under the usual harness, and the defended <c>judge</c> classifies the clean and the
/// adversarial images. P_suc and D̄ (the mean L2 of the successes) follow the evaluation protocol.
/// Crafting and judging are apart so one oblivious attack can be judged by many defenses.
/// </summary>
public static class DefenseEvaluation
{
    /// <summary>Runs <paramref name="attack"/> on <paramref name="attacker"/> and judges with <paramref name="judge"/>.</summary>
    /// <exception cref="OperationCanceledException">Interrupted between attack batches.</exception>
    public static DefenseRow Evaluate(string defense, AttackMode mode, IClassifier attacker, IClassifier judge, IAttack attack, LabeledImages images,
                                      AttackRunnerOptions? options = null, int firstIndex = 0, CancellationToken cancel = default)
    {
        var crafted = Craft(attacker, attack, images, options, firstIndex, cancel);
        return Judge(crafted, defense, mode, judge, options?.BatchSize ?? 100, cancel);
    }

    /// <summary>The adversarial images <paramref name="attack"/> makes on <paramref name="attacker"/> (the clean image where it failed or did not attack).</summary>
    public static CraftedImages Craft(IClassifier attacker, IAttack attack, LabeledImages images, AttackRunnerOptions? options = null, int firstIndex = 0,
                                      CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(attacker);
        ArgumentNullException.ThrowIfNull(attack);
        ArgumentNullException.ThrowIfNull(images);
        options ??= new AttackRunnerOptions();
        var clock = Stopwatch.StartNew();
        float[] clean = images.Pixels.ToArray();
        int[] labels = images.Labels.ToArray();
        var runner = new AttackRunner(attacker, attack, options with { KeepExamples = int.MaxValue, Targets = TargetSelection.None });
        var run = runner.Run(clean, labels, [.. Enumerable.Range(firstIndex, images.Count)], null, cancel);
        if (!run.Completed) throw new OperationCanceledException($"{attack.Name}: interrupted after {run.Record.Count} of {images.Count} images");
        int d = images.ImageSize;
        float[] attacked = (float[])clean.Clone();
        var distortion = new double[images.Count];
        Array.Fill(distortion, double.NaN);
        foreach (var example in run.Examples.Where(e => e.Success))
        {
            int i = example.Index - firstIndex;
            example.Adversarial.CopyTo(attacked, i * d);
            distortion[i] = example.L2;
        }
        var attackerRight = new bool[images.Count];
        foreach (var r in run.Record.Images) attackerRight[r.Index - firstIndex] = true;
        return new CraftedImages(run.Record.Label, clean, attacked, labels, attackerRight, distortion, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// The oblivious form of a budgeted attack's ε search: <paramref name="perBudget"/> holds the
    /// attack crafted on the bare model at each budget alone, in increasing order; an image counts
    /// as a success at the smallest budget whose image fools <paramref name="judge"/>, with that
    /// image's distortion — so D̄ says what it takes to get through the defense.
    /// </summary>
    public static DefenseRow JudgeSmallestBudget(IReadOnlyList<CraftedImages> perBudget, string defense, IClassifier judge, int batchSize = 100,
                                                 CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(perBudget);
        ArgumentNullException.ThrowIfNull(judge);
        if (perBudget.Count == 0) throw new ArgumentException("no budgets to judge", nameof(perBudget));
        var clock = Stopwatch.StartNew();
        var first = perBudget[0];
        int n = first.Labels.Length;
        int[] before = ClassifierPredictions.Predict(judge, first.Clean, n, batchSize);
        var fooledAt = new double[n];
        Array.Fill(fooledAt, double.NaN);
        foreach (var crafted in perBudget)
        {
            cancel.ThrowIfCancellationRequested();
            int[] after = ClassifierPredictions.Predict(judge, crafted.Attacked, n, batchSize);
            for (int i = 0; i < n; i++)
            {
                if (double.IsNaN(fooledAt[i]) && !double.IsNaN(crafted.Distortion[i]) && after[i] != crafted.Labels[i]) fooledAt[i] = crafted.Distortion[i];
            }
        }
        int cleanCorrect = 0, tried = 0, succeeded = 0, adversarialCorrect = 0;
        double distortion = 0;
        for (int i = 0; i < n; i++)
        {
            bool right = before[i] == first.Labels[i];
            if (right && double.IsNaN(fooledAt[i])) adversarialCorrect++;
            if (!right) continue;
            cleanCorrect++;
            if (!first.AttackerRight[i]) continue;
            tried++;
            if (double.IsNaN(fooledAt[i])) continue;
            succeeded++;
            distortion += fooledAt[i];
        }
        return new DefenseRow(first.Attack, defense, AttackMode.Oblivious, n, cleanCorrect, tried, succeeded, adversarialCorrect,
                              succeeded == 0 ? null : distortion / succeeded, perBudget.Sum(c => c.Seconds) + clock.Elapsed.TotalSeconds);
    }

    /// <summary>How <paramref name="judge"/> classifies <paramref name="crafted"/>: one row.</summary>
    public static DefenseRow Judge(CraftedImages crafted, string defense, AttackMode mode, IClassifier judge, int batchSize = 100, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(crafted);
        ArgumentNullException.ThrowIfNull(judge);
        var clock = Stopwatch.StartNew();
        int n = crafted.Labels.Length;
        cancel.ThrowIfCancellationRequested();
        int[] before = ClassifierPredictions.Predict(judge, crafted.Clean, n, batchSize);
        cancel.ThrowIfCancellationRequested();
        int[] after = ClassifierPredictions.Predict(judge, crafted.Attacked, n, batchSize);
        int cleanCorrect = 0, tried = 0, succeeded = 0, adversarialCorrect = 0;
        double distortion = 0;
        for (int i = 0; i < n; i++)
        {
            if (after[i] == crafted.Labels[i]) adversarialCorrect++;
            if (before[i] != crafted.Labels[i]) continue;
            cleanCorrect++;
            if (!crafted.AttackerRight[i]) continue;
            tried++;
            if (after[i] == crafted.Labels[i] || double.IsNaN(crafted.Distortion[i])) continue;
            succeeded++;
            distortion += crafted.Distortion[i];
        }
        return new DefenseRow(crafted.Attack, defense, mode, n, cleanCorrect, tried, succeeded, adversarialCorrect,
                              succeeded == 0 ? null : distortion / succeeded, crafted.Seconds + clock.Elapsed.TotalSeconds);
    }
}

/// <summary>
/// One attack's output over a slice: the clean and attacked pixels (an image the attack did not
/// fool stays clean), which images the attacker classified correctly (those it attacked), and the
/// L2 distortion of each success (NaN elsewhere).
/// </summary>
public sealed record CraftedImages(string Attack, float[] Clean, float[] Attacked, int[] Labels, bool[] AttackerRight, double[] Distortion, double Seconds);
