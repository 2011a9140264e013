using AdvCore.Attacks;

namespace AdvCore.Evaluation;

/// <summary>
/// Local loss sensitivity (seed 002 §4, ART's loss_sensitivity): ‖∇ₓJ(x_i, y_i)‖₂ of the
/// per-sample cross-entropy loss, one gradient evaluation per batch; the metric is their mean.
/// </summary>
public static class LossSensitivity
{
    /// <summary>Per image of x [N, ...]: ‖∇ₓJ(x_i, y_i)‖₂.</summary>
    public static double[] Norms(IClassifier classifier, Tensor x, int[] labels)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        using var y = Tensor.FromLabels(classifier.Context, labels);
        return Norms(classifier.Gradient(x, y, LossKind.CrossEntropy).Gradient);
    }

    /// <summary>Per row of a gradient [N, ...]: its L2 norm, accumulated in float64.</summary>
    public static double[] Norms(Tensor gradient)
    {
        ArgumentNullException.ThrowIfNull(gradient);
        float[] g = gradient.ToArray();
        int n = checked((int)gradient.BatchSize), d = g.Length / n;
        var norms = new double[n];
        for (int i = 0; i < n; i++)
        {
            double s = 0;
            foreach (float v in g.AsSpan(i * d, d)) s += (double)v * v;
            norms[i] = Math.Sqrt(s);
        }
        return norms;
    }
}
