using AdvCore.Nn;

namespace AdvCore.Models;

/// <summary>
/// The networks of the thesis (§3.2.1) and of "Efficient Defenses" (seed 002 §4.1).
/// </summary>
public static class ModelZoo
{
    /// <summary>Names accepted by <see cref="Create"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["c4", "cifar9", "resnet-mnist"];

    /// <summary>
    /// Builds the architecture <paramref name="name"/> for images of shape
    /// <paramref name="inputShape"/> (C, H, W). <paramref name="activation"/> overrides the
    /// model's default activation (C4: LeakyReLU 0.2, CIFAR9: LeakyReLU 0.1, ResNet: ReLU).
    /// </summary>
    public static ModelArchitecture Create(string name, IReadOnlyList<int> inputShape, int classes = 10, ActivationLayer? activation = null) =>
        name.ToLowerInvariant() switch
        {
            "c4" => C4(inputShape, classes, activation),
            "cifar9" => Cifar9(inputShape, classes, activation),
            "resnet-mnist" or "resnet" => ResNetMnist(inputShape, classes, activation),
            _ => throw new ArgumentException($"unknown model '{name}' (expected {string.Join(", ", Names)})"),
        };

    /// <summary>
    /// C4 (thesis §3.2.1, after the Cleverhans MNIST example): Conv 64 8×8/2 'same' → Conv 128
    /// 6×6/2 'valid' → Conv 128 5×5/1 'valid' → Linear 10. LeakyReLU with TensorFlow's default
    /// slope 0.2, the activation that example uses.
    /// </summary>
    public static ModelArchitecture C4(IReadOnlyList<int> inputShape, int classes = 10, ActivationLayer? activation = null)
    {
        var act = activation ?? ActivationLayer.LeakyReLU(0.2f);
        return new ModelArchitecture("c4", inputShape, classes,
        [
            new Conv2dLayer(64, 8, 2, Padding.Same), act,
            new Conv2dLayer(128, 6, 2, Padding.Valid), act,
            new Conv2dLayer(128, 5, 1, Padding.Valid), act,
            new FlattenLayer(),
            new LinearLayer(classes),
        ]);
    }

    /// <summary>
    /// CIFAR9 (thesis §3.2.1): 3×(conv 3×3 128 'same') → max-pool 2 → dropout 0.5 → 3×(conv 3×3
    /// 256 'same') → max-pool 2 → dropout 0.5 → conv 512 3×3 'valid', 256 1×1, 128 1×1 → global
    /// average pool → Linear 10; batch norm after every conv, LeakyReLU 0.1. Convs before batch
    /// norm carry no bias (the norm's beta replaces it).
    /// </summary>
    public static ModelArchitecture Cifar9(IReadOnlyList<int> inputShape, int classes = 10, ActivationLayer? activation = null)
    {
        var act = activation ?? ActivationLayer.LeakyReLU(0.1f);
        var layers = new List<LayerSpec>();
        void ConvBlock(int channels, int kernel, Padding padding)
        {
            layers.Add(new Conv2dLayer(channels, kernel, 1, padding, Bias: false));
            layers.Add(new BatchNormLayer());
            layers.Add(act);
        }
        for (int i = 0; i < 3; i++) ConvBlock(128, 3, Padding.Same);
        layers.Add(new MaxPoolLayer(2, 2));
        layers.Add(new DropoutLayer(0.5f));
        for (int i = 0; i < 3; i++) ConvBlock(256, 3, Padding.Same);
        layers.Add(new MaxPoolLayer(2, 2));
        layers.Add(new DropoutLayer(0.5f));
        ConvBlock(512, 3, Padding.Valid);
        ConvBlock(256, 1, Padding.Valid);
        ConvBlock(128, 1, Padding.Valid);
        layers.Add(new GlobalAvgPoolLayer());
        layers.Add(new LinearLayer(classes));
        return new ModelArchitecture("cifar9", inputShape, classes, layers);
    }

    /// <summary>
    /// The residual MNIST CNN of "Efficient Defenses" (seed 002 §4.1): Conv 64 8×8 – Conv 128
    /// 6×6 – Conv 128 1×1 – Conv 128 1×1 – MaxPool 3×3 – Linear 10, with an identity shortcut
    /// around the two 1×1 convs. The paper gives no strides; we use C4's (2, 2) so the shortcut
    /// sees 128×5×5 maps on MNIST, and a 3×3 stride-2 max-pool. ReLU unless told otherwise.
    /// </summary>
    public static ModelArchitecture ResNetMnist(IReadOnlyList<int> inputShape, int classes = 10, ActivationLayer? activation = null)
    {
        var act = activation ?? ActivationLayer.ReLU();
        return new ModelArchitecture("resnet-mnist", inputShape, classes,
        [
            new Conv2dLayer(64, 8, 2, Padding.Same), act,
            new Conv2dLayer(128, 6, 2, Padding.Valid), act,
            new ResidualLayer([new Conv2dLayer(128, 1), act, new Conv2dLayer(128, 1)]), act,
            new MaxPoolLayer(3, 2),
            new FlattenLayer(),
            new LinearLayer(classes),
        ]);
    }
}
