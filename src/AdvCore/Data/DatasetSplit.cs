namespace AdvCore.Data;

/// <summary>Which half of a dataset to load: the training set or the held-out test set.</summary>
public enum DatasetSplit
{
    /// <summary>The training images (MNIST/Fashion-MNIST: 60,000; CIFAR-10: data_batch_1..5, 50,000).</summary>
    Train,
    /// <summary>The test images (10,000 for all three datasets).</summary>
    Test,
}
