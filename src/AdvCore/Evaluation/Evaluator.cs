using System.Diagnostics;
using AdvCore.Data;
using AdvCore.Nn;

namespace AdvCore.Evaluation;

/// <summary>Eval-mode predictions over a whole labelled set, in batches.</summary>
public static class Evaluator
{
    /// <summary>Predicts every image of <paramref name="data"/> in eval mode, <paramref name="batchSize"/> at a time, reporting (done, total) after each batch.</summary>
    public static ClassificationReport Evaluate(Network network, LabeledImages data, int batchSize = 500, IProgress<(int Done, int Total)>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        CheckFits(data, batchSize, network.InputShape, network.OutputClasses, "network");

        var clock = Stopwatch.StartNew();
        int k = network.OutputClasses;
        var confusion = new long[k, k];
        var labels = data.Labels.Span;
        var predictions = new int[batchSize];
        long[] dims = [0, .. network.InputShape.Select(d => (long)d)];
        Tensor? x = null;
        try
        {
            for (int start = 0; start < data.Count; start += batchSize)
            {
                int n = Math.Min(batchSize, data.Count - start);
                if (x is null || x.BatchSize != n)
                {
                    x?.Dispose();
                    dims[0] = n;
                    x = Tensor.Zeros(network.Context, dims);
                }
                x.CopyFrom(data.Pixels.Span.Slice(start * data.ImageSize, n * data.ImageSize));
                network.Predict(x, predictions.AsSpan(0, n));
                for (int i = 0; i < n; i++) confusion[labels[start + i], predictions[i]]++;
                progress?.Report((start + n, data.Count));
            }
        }
        finally
        {
            x?.Dispose();
        }
        return new ClassificationReport(data.Name, confusion, clock.Elapsed.TotalSeconds) { Run = RunProvenance.Capture(network.Context) };
    }

    /// <summary>
    /// Predicts every image of <paramref name="data"/> with any classifier (argmax of its logits,
    /// lowest class on ties), e.g. a defended one, <paramref name="batchSize"/> at a time.
    /// </summary>
    public static ClassificationReport Evaluate(Attacks.IClassifier classifier, LabeledImages data, int batchSize = 500, IProgress<(int Done, int Total)>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        CheckFits(data, batchSize, classifier.InputShape, classifier.Classes, "model");
        var clock = Stopwatch.StartNew();
        var confusion = new long[classifier.Classes, classifier.Classes];
        var labels = data.Labels.Span;
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int n = Math.Min(batchSize, data.Count - start);
            int[] predicted = ClassifierPredictions.Predict(classifier, data.Pixels.Span.Slice(start * data.ImageSize, n * data.ImageSize), n, n);
            for (int i = 0; i < n; i++) confusion[labels[start + i], predicted[i]]++;
            progress?.Report((start + n, data.Count));
        }
        return new ClassificationReport(data.Name, confusion, clock.Elapsed.TotalSeconds) { Run = RunProvenance.Capture(classifier.Context) };
    }

    private static void CheckFits(LabeledImages data, int batchSize, IReadOnlyList<int> inputShape, int classes, string what)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (batchSize < 1) throw new InvalidArgumentException($"batch size must be >= 1 (got {batchSize})");
        if (!data.Shape.SequenceEqual(inputShape))
            throw new ShapeMismatchException($"{data.Name} images are [{string.Join("x", data.Shape)}], the {what} takes [{string.Join("x", inputShape)}]");
        if (data.Classes > classes)
            throw new ShapeMismatchException($"{data.Name} has {data.Classes} classes, the {what} outputs {classes}");
    }
}
