using AdvCore.Nn;

namespace AdvCore.Attacks;

/// <summary>
/// A white-box attack over a batch (Foolbox-like): images in [0,1] and a criterion (true labels,
/// optional targets, optional confidence margin) in, one <see cref="AttackResult"/> out. Options
/// are fixed when the attack is created; <see cref="AttackRegistry"/> lists every attack.
/// </summary>
public interface IAttack
{
    /// <summary>The name <see cref="AttackRegistry"/> knows it by (fgsm, ifgsm, pgd2, …).</summary>
    string Name { get; }

    /// <summary>The options it runs with.</summary>
    AttackOptions Options { get; }

    /// <summary>
    /// The iteration count the user asked for (the registry row's iteration option: BP's K, C&amp;W's
    /// Adam iterations per λ, DeepFool's maximum; 1 for single-step attacks). What it spends is
    /// <see cref="Cost"/>.
    /// </summary>
    int Iterations { get; }

    /// <summary>Whether the attack accepts a targeted criterion.</summary>
    bool SupportsTargeted { get; }

    /// <summary>Whether the attack accepts a confidence margin in its criterion.</summary>
    bool SupportsMargin { get; }

    /// <summary>
    /// What one run spends per image, at most, on a model of <paramref name="classes"/> classes and
    /// images of <paramref name="features"/> elements: gradient evaluations and forward-only passes
    /// (attacks that stop early, such as DeepFool, spend less).
    /// </summary>
    AttackCost Cost(int classes, long features);

    /// <summary>Attacks <paramref name="images"/> [N, ...model.InputShape] under <paramref name="criterion"/>.</summary>
    /// <exception cref="ArgumentException">Inputs that do not fit the model, or a criterion the attack does not support.</exception>
    AttackResult Run(IClassifier model, Tensor images, Criterion criterion, AttackRunSettings? settings = null);
}

/// <summary>Conveniences over <see cref="IAttack.Run"/>.</summary>
public static class AttackExtensions
{
    /// <summary>Untargeted run with the true labels in an i32 [N] tensor.</summary>
    public static AttackResult Run(this IAttack attack, IClassifier model, Tensor images, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(attack);
        ArgumentNullException.ThrowIfNull(labels);
        ObjectDisposedException.ThrowIf(labels.IsDisposed, labels);
        if (labels.DType != DType.I32 || labels.Rank != 1)
            throw new ArgumentException($"labels must be an i32 vector, got {labels.DType} [{Tensor.ShapeString(labels.Shape)}]", nameof(labels));
        return attack.Run(model, images, Criterion.Misclassification(labels.ToInt32Array()));
    }

    /// <summary>Untargeted run with host labels.</summary>
    public static AttackResult Run(this IAttack attack, IClassifier model, Tensor images, int[] labels)
    {
        ArgumentNullException.ThrowIfNull(attack);
        return attack.Run(model, images, Criterion.Misclassification(labels));
    }

    /// <summary>Runs <paramref name="attack"/> on a <see cref="Network"/>.</summary>
    public static AttackResult Run(this IAttack attack, Network model, Tensor images, Tensor labels) =>
        attack.Run(new NetworkClassifier(model), images, labels);

    /// <summary>Runs <paramref name="attack"/> on a <see cref="Network"/> with host labels.</summary>
    public static AttackResult Run(this IAttack attack, Network model, Tensor images, int[] labels) =>
        attack.Run(new NetworkClassifier(model), images, labels);

    /// <summary>Runs <paramref name="attack"/> on a <see cref="Network"/> under <paramref name="criterion"/>.</summary>
    public static AttackResult Run(this IAttack attack, Network model, Tensor images, Criterion criterion, AttackRunSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(attack);
        return attack.Run(new NetworkClassifier(model), images, criterion, settings);
    }
}
