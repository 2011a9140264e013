using AdvCore.Nn;
using AdvCore.Training;
using NUnit.Framework;

namespace AdvCore.Tests.Attacks;

/// <summary>
/// A small CNN (conv 8 5×5/2 → LeakyReLU → conv 16 5×5/2 → LeakyReLU → linear 10, a scaled-down
/// C4) trained in a few seconds on 6000 MNIST training images (400 Adam steps of 64), shared by
/// every attack and evaluation test, with the first 200 test images. Without MNIST the tests that
/// need it are ignored with the reason.
/// </summary>
internal sealed class TrainedMnistModel
{
    private static readonly Lazy<TrainedMnistModel> Instance = new(() => new TrainedMnistModel(), LazyThreadSafetyMode.ExecutionAndPublication);

    internal const int TestCount = 200;

    /// <summary>The layers of the small CNN.</summary>
    internal static IReadOnlyList<LayerSpec> Layers { get; } =
    [
        new Conv2dLayer(8, 5, 2, Padding.Same), ActivationLayer.LeakyReLU(0.1f),
        new Conv2dLayer(16, 5, 2, Padding.Same), ActivationLayer.LeakyReLU(0.1f),
        new LinearLayer(10),
    ];

    /// <summary>Writes the trained model as a model file (architecture "tiny-c4") for the command-line tests.</summary>
    internal void Save(string path) =>
        global::AdvCore.Models.ModelFile.Save(path, new global::AdvCore.Models.ModelArchitecture("tiny-c4", [1, 28, 28], 10, Layers), Network);

    private TrainedMnistModel()
    {
        Folder = MnistIdx.Folder();
        if (Folder is null) return;
        Context = Context.Create(Device.Cpu, threads: 2, seed: 5);
        Network = Network.Build(Context, [1, 28, 28], Layers, seed: 3);
        var (trainX, trainY) = MnistIdx.Load(Folder, train: true, 6000);
        (TestImages, TestLabels) = MnistIdx.Load(Folder, train: false, TestCount);
        Train(trainX, trainY);
        TestPredictions = Predict(TestImages);
        Accuracy = TestPredictions.Zip(TestLabels).Count(p => p.First == p.Second) / (double)TestCount;
    }

    /// <summary>The trained model (or an ignored test when MNIST is not on disk).</summary>
    internal static TrainedMnistModel Get()
    {
        var model = Instance.Value;
        if (model.Network is null) Assert.Ignore("MNIST not found (set ADVCORE_DATA to the folder holding mnist/)");
        return model;
    }

    internal string? Folder { get; }
    internal Context Context { get; } = null!;
    internal Network Network { get; } = null!;
    internal float[] TestImages { get; } = [];
    internal int[] TestLabels { get; } = [];
    internal int[] TestPredictions { get; } = [];
    internal double Accuracy { get; }

    /// <summary>The first <paramref name="count"/> correctly classified test images as a tensor, with their labels.</summary>
    internal (Tensor Images, int[] Labels) Correct(int count, int skip = 0)
    {
        var chosen = Enumerable.Range(0, TestCount).Where(i => TestPredictions[i] == TestLabels[i]).Skip(skip).Take(count).ToArray();
        var x = new float[chosen.Length * 784];
        for (int i = 0; i < chosen.Length; i++) Array.Copy(TestImages, chosen[i] * 784, x, i * 784, 784);
        return (Tensor.FromArray(Context, x, chosen.Length, 1, 28, 28), chosen.Select(i => TestLabels[i]).ToArray());
    }

    private int[] Predict(float[] images)
    {
        using var x = Tensor.FromArray(Context, images, images.Length / 784, 1, 28, 28);
        return Network.Predict(x);
    }

    private void Train(float[] images, int[] labels)
    {
        const int batch = 64, steps = 400;
        using var adam = new Adam(2e-3f);
        using var x = Tensor.Zeros(Context, [batch, 1, 28, 28]);
        using var y = Tensor.Zeros(Context, [batch], DType.I32);
        var xb = new float[batch * 784];
        var yb = new int[batch];
        var order = Enumerable.Range(0, labels.Length).ToArray();
        new Random(7).Shuffle(order);
        for (int step = 0, at = 0; step < steps; step++)
        {
            for (int i = 0; i < batch; i++, at = (at + 1) % order.Length)
            {
                Array.Copy(images, order[at] * 784, xb, i * 784, 784);
                yb[i] = labels[order[at]];
            }
            x.CopyFrom(xb);
            y.CopyFrom(yb);
            Network.TrainStep(x, y, adam);
        }
    }
}
