using AdvCore.Attacks;

namespace AdvCore.Evaluation;

/// <summary>
/// Minimal-perturbation FGSM (seed 002 §4, ART's FastGradientMethod with minimal = True): from
/// one cross-entropy gradient at x, each image's candidate is y(ε) = clip(x + ε·sign ∇ₓJ) (the
/// <see cref="Fgsm"/> step, <see cref="AttackSteps.PgdStep(Tensor, Tensor, Tensor, Tensor?, Tensor?, Tensor?, Tensor?, Tensor, Tensor, AttackNorm, float, bool)"/>
/// with per-image ε); ε grows on a grid until the label flips, then bisection refines it. All
/// images of the batch are searched together, one forward pass per grid or bisection step.
/// </summary>
public static class MinimalFgsm
{
    /// <summary>Searches every image of x [N, ...] with labels, computing the gradient itself.</summary>
    public static MinimalPerturbation Search(IClassifier classifier, Tensor x, int[] labels, MinimalFgsmOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        using var y = Tensor.FromLabels(classifier.Context, labels);
        var g = classifier.Gradient(x, y, LossKind.CrossEntropy);
        using var grad = Tensor.Zeros(classifier.Context, x.Shape);
        grad.CopyFrom(g.Gradient);
        return Search(classifier, x, labels, grad, options);
    }

    /// <summary>Searches every image of x [N, ...] along a given cross-entropy gradient (the caller's copy, same shape as x).</summary>
    public static MinimalPerturbation Search(IClassifier classifier, Tensor x, int[] labels, Tensor gradient, MinimalFgsmOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(gradient);
        options ??= new MinimalFgsmOptions();
        options.Validate();
        int n = checked((int)x.BatchSize);
        if (labels.Length != n) throw new ShapeMismatchException($"{labels.Length} labels for {n} images");
        using var candidate = Tensor.Zeros(classifier.Context, x.Shape);
        using var eps = Tensor.Zeros(classifier.Context, [n]);
        var epsilon = new float[n];
        int[] Judge()
        {
            eps.CopyFrom(epsilon);
            candidate.CopyFrom(x);
            AttackSteps.PgdStep(x, candidate, gradient, null, null, null, null, eps, eps, AttackNorm.Linf,
                                AttackSteps.GradSign(LossKind.CrossEntropy), quantize: false);
            return ArgMax(classifier.Logits(candidate), classifier.Classes);
        }

        var lo = new float[n];
        var hi = new float[n];
        var found = new bool[n];
        int[] clean = Judge(); // ε = 0: the images themselves
        for (int i = 0; i < n; i++) found[i] = clean[i] != labels[i];
        int steps = (int)Math.Ceiling(options.MaxEpsilon / options.Step - 1e-6);
        for (int k = 1; k <= steps && found.Contains(false); k++)
        {
            float e = Math.Min(k * options.Step, options.MaxEpsilon), previous = (k - 1) * options.Step;
            for (int i = 0; i < n; i++) epsilon[i] = found[i] ? hi[i] : e;
            int[] p = Judge();
            for (int i = 0; i < n; i++)
                if (!found[i] && p[i] != labels[i]) (found[i], lo[i], hi[i]) = (true, previous, e);
        }
        for (int r = 0; r < options.Refinements; r++)
        {
            for (int i = 0; i < n; i++) epsilon[i] = found[i] && hi[i] > 0 ? 0.5f * (lo[i] + hi[i]) : hi[i];
            int[] p = Judge();
            for (int i = 0; i < n; i++)
                if (found[i] && hi[i] > 0)
                {
                    if (p[i] != labels[i]) hi[i] = epsilon[i];
                    else lo[i] = epsilon[i];
                }
        }
        for (int i = 0; i < n; i++) epsilon[i] = found[i] ? hi[i] : options.MaxEpsilon;
        int[] final = Judge();
        var flipped = new bool[n];
        for (int i = 0; i < n; i++)
        {
            flipped[i] = final[i] != labels[i];
            if (!found[i]) lo[i] = options.MaxEpsilon;
        }
        return new MinimalPerturbation((float[])epsilon.Clone(), flipped, lo, final, candidate.ToArray());
    }

    private static int[] ArgMax(Tensor logits, int classes)
    {
        float[] z = logits.ToArray();
        var p = new int[z.Length / classes];
        for (int i = 0; i < p.Length; i++) p[i] = Criterion.ArgMax(z.AsSpan(i * classes, classes));
        return p;
    }
}
