using AdvCore.Attacks;
using AdvCore.Data;

namespace AdvCore.Evaluation;

/// <summary>
/// Computes a <see cref="RobustnessReport"/> batch by batch: one cross-entropy gradient per batch
/// gives the loss sensitivity, the clean predictions and the FGSM direction;
/// <see cref="MinimalFgsm"/> searches the minimal ε; <see cref="TrainingSetDistance"/> measures
/// the flipped adversarial images against the training set.
/// </summary>
public static class RobustnessMetrics
{
    /// <summary>
    /// The metrics of <paramref name="classifier"/> on <paramref name="test"/> (indices from
    /// <paramref name="firstIndex"/>), against <paramref name="train"/> when given (null: no
    /// training-set distance). <paramref name="progress"/> gets (images done, total, phase).
    /// </summary>
    public static RobustnessReport Evaluate(IClassifier classifier, LabeledImages test, LabeledImages? train, MinimalFgsmOptions? search = null,
                                            int batchSize = 100, int firstIndex = 0, Action<int, int, string>? progress = null,
                                            CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(test);
        search ??= new MinimalFgsmOptions();
        search.Validate();
        OptionChecks.AtLeast(batchSize, 1, "batch size");
        if (!test.Shape.SequenceEqual(classifier.InputShape))
            throw new ShapeMismatchException($"{test.Name} images are [{string.Join("x", test.Shape)}], the model takes [{string.Join("x", classifier.InputShape)}]");
        if (train is not null && train.ImageSize != test.ImageSize)
            throw new ShapeMismatchException($"training images have {train.ImageSize} values, test images {test.ImageSize}");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int d = test.ImageSize;
        var rows = new List<RobustnessImage>(test.Count);
        var adversarial = new List<float>();
        var flippedRows = new List<int>();
        for (int start = 0; start < test.Count; start += batchSize)
        {
            cancel.ThrowIfCancellationRequested();
            var slice = test.Take(start, Math.Min(batchSize, test.Count - start));
            int[] labels = slice.Labels.ToArray();
            float[] pixels = slice.Pixels.ToArray();
            using var x = Tensor.FromArray(classifier.Context, pixels, [slice.Count, .. slice.Shape.Select(v => (long)v)]);
            using var y = Tensor.FromLabels(classifier.Context, labels);
            var g = classifier.Gradient(x, y, LossKind.CrossEntropy);
            using var grad = Tensor.Zeros(classifier.Context, x.Shape);
            grad.CopyFrom(g.Gradient);
            double[] norms = LossSensitivity.Norms(grad);
            var found = MinimalFgsm.Search(classifier, x, labels, grad, search);
            for (int i = 0; i < slice.Count; i++)
            {
                bool correct = !(found.Epsilon[i] == 0 && found.Flipped[i]);
                bool flipped = correct && found.Flipped[i];
                double? l2 = null, ratio = null;
                if (flipped)
                {
                    double dx = 0, xx = 0;
                    for (int k = i * d; k < (i + 1) * d; k++)
                    {
                        double delta = (double)found.Adversarial[k] - pixels[k];
                        dx += delta * delta;
                        xx += (double)pixels[k] * pixels[k];
                    }
                    (l2, ratio) = (Math.Sqrt(dx), Math.Sqrt(dx) / Math.Sqrt(xx));
                    flippedRows.Add(rows.Count);
                    adversarial.AddRange(found.Adversarial.AsSpan(i * d, d));
                }
                rows.Add(new RobustnessImage(firstIndex + start + i, labels[i], correct, flipped, correct && flipped ? found.Epsilon[i] : null,
                                             l2, ratio, null, null, norms[i]));
            }
            progress?.Invoke(start + slice.Count, test.Count, "minimal fgsm");
        }
        if (train is not null && flippedRows.Count > 0)
        {
            cancel.ThrowIfCancellationRequested();
            var (distance, index) = TrainingSetDistance.Nearest(classifier.Context, adversarial.ToArray(), train.Pixels, d);
            for (int j = 0; j < flippedRows.Count; j++)
                rows[flippedRows[j]] = rows[flippedRows[j]] with { TrainingDistance = distance[j], Nearest = index[j] };
            progress?.Invoke(test.Count, test.Count, "training-set distance");
        }
        return new RobustnessReport
        {
            Dataset = test.Name, Search = search, Images = rows, TrainingImages = train?.Count ?? 0,
            Seconds = clock.Elapsed.TotalSeconds, Run = RunProvenance.Capture(classifier.Context),
        };
    }
}
