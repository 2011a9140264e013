namespace AdvCore.Nn;

/// <summary>The outcome of one <see cref="Network.TrainStep"/>.</summary>
/// <param name="MeanLoss">The batch's mean loss before the update (train mode).</param>
/// <param name="Correct">How many samples the train-mode logits classified correctly.</param>
/// <param name="BatchSize">The number of samples.</param>
/// <param name="FirstCorrect">How many of the first rows the caller asked about were classified correctly (adversarial rows in adversarial training).</param>
public readonly record struct TrainStepResult(double MeanLoss, int Correct, int BatchSize, int FirstCorrect = 0)
{
    /// <summary>Correct / BatchSize.</summary>
    public double Accuracy => BatchSize == 0 ? 0 : (double)Correct / BatchSize;
}
