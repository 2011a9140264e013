using AdvCore.Attacks;

namespace AdvCore.Tests.Attacks;

/// <summary>Counts forward passes and gradient evaluations on their way to the model, outside the attack session.</summary>
internal sealed class CountingModel(IClassifier inner) : IClassifier
{
    public int Gradients { get; private set; }
    /// <summary>Images in all gradient queries together (compact batches hold fewer than the attack's batch).</summary>
    public long GradientImages { get; private set; }
    public int Forwards { get; private set; }
    public Context Context => inner.Context;
    public IReadOnlyList<int> InputShape => inner.InputShape;
    public int Classes => inner.Classes;

    public Tensor Logits(Tensor x)
    {
        Forwards++;
        return inner.Logits(x);
    }

    public AdvCore.Nn.GradientResult Gradient(Tensor x, Tensor labels, LossKind loss, float lossParam = 0)
    {
        Gradients++;
        GradientImages += x.BatchSize;
        return inner.Gradient(x, labels, loss, lossParam);
    }

    /// <summary>A vector-Jacobian product (EPGD's mean-logit head) costs what a gradient does.</summary>
    public AdvCore.Nn.GradientResult GradientOfLogits(Tensor x, Tensor logitGradient)
    {
        Gradients++;
        GradientImages += x.BatchSize;
        return inner.GradientOfLogits(x, logitGradient);
    }
}
