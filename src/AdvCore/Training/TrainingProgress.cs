namespace AdvCore.Training;

/// <summary>
/// Reported after every batch: running means over the epoch so far; in adversarial training also
/// the accuracy on the clean and on the adversarial rows apart; in virtual adversarial training the
/// mean KL term (before its weight α; <see cref="Loss"/> includes α·KL).
/// </summary>
public readonly record struct TrainingProgress(int Epoch, int Epochs, int Batch, int Batches, double Loss, double Accuracy, double ImagesPerSecond,
                                               double? CleanAccuracy = null, double? AdversarialAccuracy = null, double? VatDivergence = null);

/// <summary>
/// One finished epoch: train loss and accuracy (train mode, every row), test accuracy when a test
/// set was given; in adversarial training the clean and adversarial rows' accuracies apart; in
/// virtual adversarial training the mean KL term (before α; <see cref="Loss"/> includes α·KL).
/// </summary>
public sealed record EpochReport(int Epoch, double Loss, double TrainAccuracy, double? TestAccuracy, int Images, double Seconds,
                                 double? CleanAccuracy = null, double? AdversarialAccuracy = null, double? VatDivergence = null)
{
    /// <summary>Training throughput of the epoch.</summary>
    public double ImagesPerSecond => Images / Math.Max(Seconds, 1e-9);
}
