using AdvCore.Attacks;
using AdvCore.Data;

namespace AdvCore.Evaluation;

/// <summary>
/// Black-box transfer (seed 002 §4, Papernot et al.): an attack crafts adversarial images on a
/// source model with the usual harness (only images the source classifies correctly are attacked),
/// then each target model judges them. A target's transfer rate counts the source's successes it
/// classified correctly when clean and misclassifies once attacked.
/// </summary>
public static class TransferEvaluation
{
    /// <summary>
    /// Runs <paramref name="attack"/> on <paramref name="source"/> over <paramref name="images"/>
    /// (dataset indices from <paramref name="firstIndex"/>) and judges the result on the source and
    /// on every one of <paramref name="targets"/>.
    /// </summary>
    /// <exception cref="ShapeMismatchException">A model does not take the images' shape or has fewer classes than the dataset.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancel"/> fired (between attack batches).</exception>
    public static TransferReport Evaluate(TransferTarget source, IReadOnlyList<TransferTarget> targets, IAttack attack, LabeledImages images,
                                          AttackRunnerOptions? options = null, int firstIndex = 0, Action<int, int>? judged = null,
                                          CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(attack);
        ArgumentNullException.ThrowIfNull(images);
        if (targets.Count == 0) throw new InvalidArgumentException("a transfer evaluation needs at least one target model");
        foreach (var model in targets.Prepend(source)) CheckFits(model, images);
        options ??= new AttackRunnerOptions();
        var clock = System.Diagnostics.Stopwatch.StartNew();

        float[] clean = images.Pixels.ToArray();
        int[] labels = images.Labels.ToArray();
        var runner = new AttackRunner(source.Model, attack, options with { KeepExamples = int.MaxValue, Targets = TargetSelection.None, Model = source.Name });
        var run = runner.Run(clean, labels, [.. Enumerable.Range(firstIndex, images.Count)], null, cancel);
        if (!run.Completed) throw new OperationCanceledException($"transfer: interrupted after {run.Record.Count} of {images.Count} images");

        // The attacked slice: each image the attack succeeded on is replaced by its adversarial image.
        int d = images.ImageSize;
        float[] attacked = (float[])clean.Clone();
        var crafted = new bool[images.Count];
        foreach (var example in run.Examples.Where(e => e.Success))
        {
            int i = example.Index - firstIndex;
            example.Adversarial.CopyTo(attacked, i * d);
            crafted[i] = true;
        }

        var rows = new List<TransferRow>(targets.Count + 1);
        var judges = targets.Prepend(source).ToList();
        for (int t = 0; t < judges.Count; t++)
        {
            cancel.ThrowIfCancellationRequested();
            int[] before = ClassifierPredictions.Predict(judges[t].Model, clean, images.Count, options.BatchSize);
            int[] after = ClassifierPredictions.Predict(judges[t].Model, attacked, images.Count, options.BatchSize);
            int cleanCorrect = 0, transferable = 0, transferred = 0, adversarialCorrect = 0;
            for (int i = 0; i < images.Count; i++)
            {
                bool right = before[i] == labels[i];
                if (right) cleanCorrect++;
                if (after[i] == labels[i]) adversarialCorrect++;
                if (!crafted[i] || !right) continue;
                transferable++;
                if (after[i] != labels[i]) transferred++;
            }
            rows.Add(new TransferRow(judges[t].Name, t == 0, images.Count, cleanCorrect, transferable, transferred, adversarialCorrect));
            judged?.Invoke(t + 1, judges.Count);
        }
        return new TransferReport
        {
            Dataset = images.Name, Attack = run.Record.Label, Source = run.Record, Rows = rows, Seconds = clock.Elapsed.TotalSeconds,
            Run = RunProvenance.Capture(source.Model.Context),
        };
    }

    private static void CheckFits(TransferTarget model, LabeledImages images)
    {
        if (!model.Model.InputShape.SequenceEqual(images.Shape))
            throw new ShapeMismatchException($"{model.Name} takes images of shape [{string.Join(',', model.Model.InputShape)}], {images.Name} has [{string.Join(',', images.Shape)}]");
        if (model.Model.Classes < images.Classes)
            throw new ShapeMismatchException($"{model.Name} has {model.Model.Classes} classes, {images.Name} has {images.Classes}");
    }
}
