namespace AdvCore.Training;

/// <summary>Reported after every batch: running means over the epoch so far.</summary>
public readonly record struct TrainingProgress(int Epoch, int Epochs, int Batch, int Batches, double Loss, double Accuracy, double ImagesPerSecond);

/// <summary>One finished epoch: train loss/accuracy (train mode), test accuracy when a test set was given.</summary>
public sealed record EpochReport(int Epoch, double Loss, double TrainAccuracy, double? TestAccuracy, int Images, double Seconds)
{
    /// <summary>Training throughput of the epoch.</summary>
    public double ImagesPerSecond => Images / Math.Max(Seconds, 1e-9);
}
