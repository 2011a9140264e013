namespace AdvCore.Evaluation;

/// <summary>Settings of an <see cref="AttackRunner"/>.</summary>
public sealed record AttackRunnerOptions
{
    /// <summary>Images per attack batch (device memory grows with it).</summary>
    public int BatchSize { get; init; } = 100;

    /// <summary>D_upp for P_upp: 2 for MNIST-like data, 0.7 for CIFAR-10 (<see cref="Attacks.Budgets.UpperDistortion"/>).</summary>
    public double UpperDistortion { get; init; } = 2.0;

    /// <summary>Dataset name written into the record.</summary>
    public string? Dataset { get; init; }

    /// <summary>Model name or path written into the record.</summary>
    public string? Model { get; init; }

    /// <summary>How many attacked images to keep (original and adversarial pixels) for image grids.</summary>
    public int KeepExamples { get; init; } = 8;

    /// <summary>How targets are picked (default: untargeted).</summary>
    public TargetSelection Targets { get; init; }

    /// <summary>The confidence margin of the criterion, in logits (0: argmax test).</summary>
    public float Margin { get; init; }

    /// <summary>Per-call settings of the attack (propagation cap, query tracking).</summary>
    public Attacks.AttackRunSettings? AttackSettings { get; init; }

    /// <summary>Called after every batch; null for silence.</summary>
    public Action<AttackProgress>? Progress { get; init; }

    internal void Validate()
    {
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, $"BatchSize must be >= 1 (got {BatchSize})");
        if (!(UpperDistortion > 0) || !double.IsFinite(UpperDistortion))
            throw new ArgumentOutOfRangeException(nameof(UpperDistortion), UpperDistortion, $"UpperDistortion must be a finite number > 0 (got {UpperDistortion})");
        if (KeepExamples < 0) throw new ArgumentOutOfRangeException(nameof(KeepExamples), KeepExamples, $"KeepExamples must be >= 0 (got {KeepExamples})");
    }
}

/// <summary>Progress of a run after a batch.</summary>
/// <param name="Processed">Images of the slice processed so far (including those carried over from a resumed record).</param>
/// <param name="Total">Images in the slice.</param>
/// <param name="Attacked">Images attacked so far, resumed ones included (correctly classified ones).</param>
/// <param name="Succeeded">Successful attacks so far, resumed ones included.</param>
/// <param name="Elapsed">Time since this run started.</param>
public readonly record struct AttackProgress(int Processed, int Total, int Attacked, int Succeeded, TimeSpan Elapsed)
{
    /// <summary>Current P_suc.</summary>
    public double SuccessRate => Attacked == 0 ? 0 : Succeeded / (double)Attacked;
}

/// <summary>An attacked image kept for pictures: its pixels before and after the attack.</summary>
public sealed record AdversarialExample(int Index, int Label, int AdversarialLabel, bool Success, double L2, float[] Original, float[] Adversarial);

/// <summary>What <see cref="AttackRunner"/>.Run returns.</summary>
/// <param name="Record">The result record (partial when not <paramref name="Completed"/>).</param>
/// <param name="Examples">Up to KeepExamples attacked images of this run.</param>
/// <param name="Completed">False when the run was cancelled before the end; pass the record back to resume.</param>
public sealed record AttackRun(AttackRunRecord Record, IReadOnlyList<AdversarialExample> Examples, bool Completed);
