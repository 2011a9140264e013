namespace AdvCore.Nn;

/// <summary>The outcome of one <see cref="Network.TrainStep"/>.</summary>
/// <param name="MeanLoss">The batch's mean loss before the update (train mode).</param>
/// <param name="Correct">How many samples the train-mode logits classified correctly.</param>
/// <param name="BatchSize">The number of samples.</param>
public readonly record struct TrainStepResult(double MeanLoss, int Correct, int BatchSize)
{
    /// <summary>Correct / BatchSize.</summary>
    public double Accuracy => BatchSize == 0 ? 0 : (double)Correct / BatchSize;
}
