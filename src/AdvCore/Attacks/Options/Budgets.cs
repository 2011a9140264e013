namespace AdvCore.Attacks;

/// <summary>
/// Default budget lists for the distortion-targeted attacks. The thesis runs each of them "over a
/// set of ε" (§3.3.2) without listing the set; these grids cover the range where the attacks go
/// from failing to succeeding on MNIST and CIFAR-10 models.
/// </summary>
public static class Budgets
{
    /// <summary>L∞ budgets for MNIST-like data (FGSM, I-FGSM, PGD∞, Random+FGSM).</summary>
    public static IReadOnlyList<float> MnistLinf { get; } = [0.02f, 0.04f, 0.06f, 0.08f, 0.1f, 0.15f, 0.2f, 0.25f, 0.3f, 0.4f];

    /// <summary>L2 budgets for MNIST-like data (PGD₂).</summary>
    public static IReadOnlyList<float> MnistL2 { get; } = [0.5f, 0.75f, 1f, 1.25f, 1.5f, 1.75f, 2f, 2.5f, 3f, 4f, 5f];

    /// <summary>L∞ budgets for CIFAR-10.</summary>
    public static IReadOnlyList<float> CifarLinf { get; } = [1 / 255f, 2 / 255f, 3 / 255f, 4 / 255f, 6 / 255f, 8 / 255f, 12 / 255f, 16 / 255f, 24 / 255f, 32 / 255f];

    /// <summary>L2 budgets for CIFAR-10.</summary>
    public static IReadOnlyList<float> CifarL2 { get; } = [0.05f, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.7f, 1f, 1.5f, 2f];

    /// <summary>The list for a dataset name ("mnist", "fashion-mnist", "cifar10") and norm.</summary>
    /// <exception cref="ArgumentException">An unknown dataset.</exception>
    public static IReadOnlyList<float> For(string dataset, AttackNorm norm) => DatasetKind(dataset) switch
    {
        "mnist" => norm == AttackNorm.L2 ? MnistL2 : MnistLinf,
        _ => norm == AttackNorm.L2 ? CifarL2 : CifarLinf,
    };

    /// <summary>The thesis D_upp for a dataset: 2 (MNIST-like), 0.7 (CIFAR-10), 1 (ImageNet).</summary>
    public static double UpperDistortion(string dataset) => DatasetKind(dataset) switch
    {
        "mnist" => 2.0,
        "cifar10" => 0.7,
        _ => 1.0,
    };

    internal static string DatasetKind(string dataset) =>
        TryDatasetKind(dataset) ?? throw new ArgumentException($"unknown dataset '{dataset}' (expected mnist, fashion-mnist, cifar10 or imagenet)", nameof(dataset));

    /// <summary>mnist, cifar10 or imagenet for a dataset name; null for a dataset of none of those kinds.</summary>
    internal static string? TryDatasetKind(string dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return dataset.Trim().ToLowerInvariant().Replace("_", "-", StringComparison.Ordinal) switch
        {
            "mnist" or "fashion-mnist" or "fashionmnist" or "fmnist" => "mnist",
            "cifar10" or "cifar-10" or "cifar" => "cifar10",
            "imagenet" => "imagenet",
            _ => null,
        };
    }
}
