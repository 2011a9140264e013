using AdvCore.Attacks;

namespace AdvCore.Evaluation;

/// <summary>Predicted classes of any classifier (a defended one too), in batches.</summary>
internal static class ClassifierPredictions
{
    /// <summary>Argmax of <paramref name="model"/>'s logits for <paramref name="count"/> images (lowest class on ties).</summary>
    public static int[] Predict(IClassifier model, ReadOnlySpan<float> pixels, int count, int batchSize)
    {
        int d = pixels.Length / count;
        long[] dims = [Math.Min(batchSize, count), .. model.InputShape.Select(v => (long)v)];
        var predictions = new int[count];
        Tensor? x = null;
        try
        {
            for (int start = 0; start < count; start += batchSize)
            {
                int n = Math.Min(batchSize, count - start);
                if (x is null || x.BatchSize != n)
                {
                    x?.Dispose();
                    dims[0] = n;
                    x = Tensor.Zeros(model.Context, dims);
                }
                x.CopyFrom(pixels.Slice(start * d, n * d));
                float[] logits = model.Logits(x).ToArray(); // the classifier's tensor: not ours to dispose
                int k = logits.Length / n;
                for (int i = 0; i < n; i++)
                {
                    int best = 0;
                    for (int c = 1; c < k; c++) if (logits[i * k + c] > logits[i * k + best]) best = c;
                    predictions[start + i] = best;
                }
            }
        }
        finally
        {
            x?.Dispose();
        }
        return predictions;
    }
}
