using System.Diagnostics;
using AdvCore.Attacks;
using AdvCore.Data;

namespace AdvCore.Evaluation;

/// <summary>
/// Attacks a defended classifier the thesis's ways (§6.5-6.6): the attack crafts on the
/// <c>attacker</c> model (the bare network: oblivious; the defended one with its BPDA gradients:
/// adaptive) under the usual harness, and the defended <c>judge</c> classifies the clean and the
/// adversarial images. P_suc and D̄ (the mean L2 of the successes) follow the evaluation protocol.
/// </summary>
public static class DefenseEvaluation
{
    /// <summary>Runs <paramref name="attack"/> on <paramref name="attacker"/> and judges with <paramref name="judge"/>.</summary>
    /// <exception cref="OperationCanceledException">Interrupted between attack batches.</exception>
    public static DefenseRow Evaluate(string defense, AttackMode mode, IClassifier attacker, IClassifier judge, IAttack attack, LabeledImages images,
                                      AttackRunnerOptions? options = null, int firstIndex = 0, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(attacker);
        ArgumentNullException.ThrowIfNull(judge);
        ArgumentNullException.ThrowIfNull(attack);
        ArgumentNullException.ThrowIfNull(images);
        options ??= new AttackRunnerOptions();
        var clock = Stopwatch.StartNew();
        float[] clean = images.Pixels.ToArray();
        int[] labels = images.Labels.ToArray();
        var runner = new AttackRunner(attacker, attack, options with { KeepExamples = int.MaxValue, Targets = TargetSelection.None });
        var run = runner.Run(clean, labels, [.. Enumerable.Range(firstIndex, images.Count)], null, cancel);
        if (!run.Completed) throw new OperationCanceledException($"{attack.Name} against {defense}: interrupted after {run.Record.Count} of {images.Count} images");

        int d = images.ImageSize;
        float[] attacked = (float[])clean.Clone();
        var crafted = new double[images.Count];
        Array.Fill(crafted, double.NaN);
        foreach (var example in run.Examples.Where(e => e.Success))
        {
            int i = example.Index - firstIndex;
            example.Adversarial.CopyTo(attacked, i * d);
            crafted[i] = example.L2;
        }
        cancel.ThrowIfCancellationRequested();
        int[] before = ClassifierPredictions.Predict(judge, clean, images.Count, options.BatchSize);
        int[] after = ClassifierPredictions.Predict(judge, attacked, images.Count, options.BatchSize);
        var attackerRight = new HashSet<int>(run.Record.Images.Select(r => r.Index - firstIndex));
        int cleanCorrect = 0, tried = 0, succeeded = 0, adversarialCorrect = 0;
        double distortion = 0;
        for (int i = 0; i < images.Count; i++)
        {
            if (after[i] == labels[i]) adversarialCorrect++;
            if (before[i] != labels[i]) continue;
            cleanCorrect++;
            if (!attackerRight.Contains(i)) continue;
            tried++;
            if (after[i] == labels[i] || double.IsNaN(crafted[i])) continue;
            succeeded++;
            distortion += crafted[i];
        }
        return new DefenseRow(run.Record.Label, defense, mode, images.Count, cleanCorrect, tried, succeeded, adversarialCorrect,
                              succeeded == 0 ? null : distortion / succeeded, clock.Elapsed.TotalSeconds);
    }
}
