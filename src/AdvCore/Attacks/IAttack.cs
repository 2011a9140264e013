using AdvCore.Nn;

namespace AdvCore.Attacks;

/// <summary>
/// An untargeted white-box attack over a batch (Foolbox-like): images in [0,1] and their true
/// labels in, one <see cref="AttackResult"/> out. Options are fixed when the attack is created.
/// </summary>
public interface IAttack
{
    /// <summary>The name <see cref="AttackFactory"/> knows it by (fgsm, ifgsm, pgd2, …).</summary>
    string Name { get; }

    /// <summary>The options it runs with.</summary>
    AttackOptions Options { get; }

    /// <summary>Gradient evaluations of one run, as the thesis counts "# Grads" (C&amp;W: steps × iterations).</summary>
    int Iterations { get; }

    /// <summary>Attacks <paramref name="images"/> [N, ...model.InputShape] whose true labels are <paramref name="labels"/> (i32 [N]).</summary>
    AttackResult Run(IClassifier model, Tensor images, Tensor labels);
}

/// <summary>Conveniences over <see cref="IAttack.Run"/>.</summary>
public static class AttackExtensions
{
    /// <summary>Runs <paramref name="attack"/> on a <see cref="Network"/>.</summary>
    public static AttackResult Run(this IAttack attack, Network model, Tensor images, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(attack);
        return attack.Run(new NetworkClassifier(model), images, labels);
    }

    /// <summary>Runs <paramref name="attack"/> with host labels.</summary>
    public static AttackResult Run(this IAttack attack, IClassifier model, Tensor images, int[] labels)
    {
        ArgumentNullException.ThrowIfNull(attack);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Length != images.BatchSize)
            throw new ArgumentException($"{labels.Length} labels for {images.BatchSize} images", nameof(labels));
        using var tensor = Tensor.FromArray(images.Context, labels);
        return attack.Run(model, images, tensor);
    }

    /// <summary>Runs <paramref name="attack"/> on a <see cref="Network"/> with host labels.</summary>
    public static AttackResult Run(this IAttack attack, Network model, Tensor images, int[] labels) =>
        attack.Run(new NetworkClassifier(model), images, labels);
}
