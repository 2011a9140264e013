using AdvCore.Attacks;
using AdvCore.Data;
using AdvCore.Defenses;

namespace AdvCore.Evaluation;

/// <summary>What a smoothed-inference cell measures: clean accuracy, or accuracy under one white-box attack.</summary>
public enum SmoothedCondition
{
    /// <summary>The smoothed prediction on the test images.</summary>
    Clean = 0,
    /// <summary>PGD through the randomized model: each step the gradient of one fresh noisy copy (seed 003 App. A).</summary>
    Pgd = 1,
    /// <summary>EPGD (seed 003 eq. 24): each step the gradient of the mean logits over the defense's m copies.</summary>
    Epgd = 2,
}

/// <summary>The grid and attack of <see cref="SmoothedInferenceSweep"/> (seed 003 §5.2's ablation: accuracy vs σ and m per voting).</summary>
public sealed record SmoothedInferenceSettings
{
    /// <summary>Noise levels σ (0 included: the base model under m identical copies).</summary>
    public IReadOnlyList<float> Sigmas { get; init; } = [0f, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f];

    /// <summary>Copies m per image.</summary>
    public IReadOnlyList<int> SampleCounts { get; init; } = [1, 4, 8, 16, 32];

    /// <summary>The votings compared.</summary>
    public IReadOnlyList<SmoothingVote> Votes { get; init; } = [SmoothingVote.Prediction, SmoothingVote.Soft, SmoothingVote.Weighted];

    /// <summary>The conditions measured per (σ, m, vote).</summary>
    public IReadOnlyList<SmoothedCondition> Conditions { get; init; } = [SmoothedCondition.Clean, SmoothedCondition.Pgd, SmoothedCondition.Epgd];

    /// <summary>The attacks' norm.</summary>
    public AttackNorm Norm { get; init; } = AttackNorm.L2;

    /// <summary>The attacks' budget ε in <see cref="Norm"/>.</summary>
    public float Epsilon { get; init; } = 1.5f;

    /// <summary>Attack steps (PGD: one noisy gradient each; EPGD: m each).</summary>
    public int Iterations { get; init; } = 10;

    /// <summary>Test images per batch.</summary>
    public int Batch { get; init; } = 100;

    /// <summary>Seeds the noise of every cell (each cell starts its own stream: results do not depend on the order cells run in).</summary>
    public ulong Seed { get; init; }

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (Sigmas is null || Sigmas.Count == 0) throw new ArgumentException("the sweep needs at least one σ", nameof(Sigmas));
        foreach (float s in Sigmas) OptionChecks.NonNegative(s, "sigma");
        if (SampleCounts is null || SampleCounts.Count == 0) throw new ArgumentException("the sweep needs at least one m", nameof(SampleCounts));
        foreach (int m in SampleCounts) OptionChecks.AtLeast(m, 1, "samples");
        if (Votes is null || Votes.Count == 0) throw new ArgumentException("the sweep needs at least one voting", nameof(Votes));
        foreach (var v in Votes) OptionChecks.Defined(v, "vote");
        if (Conditions is null || Conditions.Count == 0) throw new ArgumentException("the sweep needs at least one condition", nameof(Conditions));
        foreach (var c in Conditions) OptionChecks.Defined(c, "condition");
        OptionChecks.Defined(Norm, "norm");
        OptionChecks.Positive(Epsilon, "epsilon");
        OptionChecks.AtLeast(Iterations, 1, "iterations");
        OptionChecks.AtLeast(Batch, 1, "batch");
    }
}

/// <summary>One measured point of the sweep.</summary>
/// <param name="Sigma">Noise σ.</param>
/// <param name="Samples">Copies m.</param>
/// <param name="Vote">Voting.</param>
/// <param name="Condition">Clean or the attack.</param>
/// <param name="Count">Test images.</param>
/// <param name="Correct">Images the smoothed model classifies correctly (after the attack, when attacked).</param>
/// <param name="Seconds">Wall time of the cell.</param>
public sealed record SmoothedInferenceCell(float Sigma, int Samples, SmoothingVote Vote, SmoothedCondition Condition, int Count, int Correct, double Seconds)
{
    /// <summary>Correct / Count.</summary>
    public double Accuracy => Count == 0 ? double.NaN : (double)Correct / Count;

    /// <summary>Whether this cell is the grid point (σ, m, vote, condition).</summary>
    public bool Is(float sigma, int samples, SmoothingVote vote, SmoothedCondition condition) =>
        Sigma == sigma && Samples == samples && Vote == vote && Condition == condition;
}

/// <summary>
/// Seed 003's study on our models: the accuracy of a smoothed classifier for every σ, m and voting,
/// clean and under two white-box attacks that see the noise — PGD with one fresh noisy copy per
/// step, and EPGD with the defense's m copies per step — both judged by the smoothed prediction on
/// the returned image (fresh noise). One cell at a time, so a stopped sweep keeps its finished cells.
/// </summary>
public static class SmoothedInferenceSweep
{
    /// <summary>The grid in run order: σ, then m, then voting, then condition.</summary>
    public static IEnumerable<(float Sigma, int Samples, SmoothingVote Vote, SmoothedCondition Condition)> Grid(SmoothedInferenceSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        foreach (float s in settings.Sigmas)
            foreach (int m in settings.SampleCounts)
                foreach (var v in settings.Votes)
                    foreach (var c in settings.Conditions)
                        yield return (s, m, v, c);
    }

    /// <summary>
    /// Measures one grid point over all of <paramref name="test"/>; <paramref name="progress"/> gets
    /// the images done; <paramref name="cancel"/> is checked between batches (the cell is then lost).
    /// </summary>
    public static SmoothedInferenceCell RunCell(IClassifier model, LabeledImages test, SmoothedInferenceSettings settings,
                                                float sigma, int samples, SmoothingVote vote, SmoothedCondition condition,
                                                IProgress<int>? progress = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var options = new SmoothingOptions
        {
            Sigma = sigma, Samples = samples, Vote = vote, Seed = settings.Seed,
            GradientSamples = condition == SmoothedCondition.Pgd ? 1 : null,
        };
        using var smoothed = new SmoothedClassifier(model, options);
        IAttack? attack = condition switch
        {
            SmoothedCondition.Pgd => new Pgd(new PgdOptions { Norm = settings.Norm, Epsilons = [settings.Epsilon], Iterations = settings.Iterations }),
            SmoothedCondition.Epgd => new ExpectationPgd(new ExpectationPgdOptions { Norm = settings.Norm, Epsilons = [settings.Epsilon], Iterations = settings.Iterations }),
            _ => null,
        };
        long[] dims = [0, .. test.Shape.Select(v => (long)v)];
        int correct = 0;
        for (int start = 0; start < test.Count; start += settings.Batch)
        {
            cancel.ThrowIfCancellationRequested();
            var slice = test.Take(start, Math.Min(settings.Batch, test.Count - start));
            int[] labels = slice.Labels.ToArray();
            dims[0] = slice.Count;
            using var x = Tensor.FromArray(model.Context, slice.Pixels.ToArray(), dims);
            if (attack is null)
                correct += smoothed.Predict(x).Zip(labels).Count(t => t.First == t.Second);
            else
            {
                // The harness's fresh smoothed prediction on the returned image decides: an image
                // stays correct when the attack does not make it misclassified.
                using var result = attack.Run(smoothed, x, labels);
                correct += result.Success.Count(s => !s);
            }
            progress?.Report(start + slice.Count);
        }
        return new SmoothedInferenceCell(sigma, samples, vote, condition, test.Count, correct, clock.Elapsed.TotalSeconds);
    }
}
