using System.Text.Json;
using System.Text.Json.Serialization;

namespace AdvCore.Evaluation;

/// <summary>One image of a <see cref="RobustnessReport"/>.</summary>
/// <param name="Index">Index in the dataset split.</param>
/// <param name="Label">True class.</param>
/// <param name="Correct">Whether the clean image is classified correctly (only those are attacked).</param>
/// <param name="Flipped">Whether minimal FGSM flipped the label within the largest ε.</param>
/// <param name="Epsilon">The minimal L∞ ε found (null when not attacked or not flipped).</param>
/// <param name="L2">‖Δx‖₂ of the flipping perturbation (null when not flipped).</param>
/// <param name="Ratio">‖Δx‖₂ / ‖x‖₂ (null when not flipped).</param>
/// <param name="TrainingDistance">L2 distance of the adversarial image to its nearest training image (null when not flipped or no training set).</param>
/// <param name="Nearest">Index of that training image.</param>
/// <param name="GradientNorm">‖∇ₓJ(x, y)‖₂ of the clean image.</param>
public sealed record RobustnessImage(int Index, int Label, bool Correct, bool Flipped, double? Epsilon, double? L2, double? Ratio,
                                     double? TrainingDistance, int? Nearest, double GradientNorm);

/// <summary>
/// Seed 002's three robustness metrics over a slice of a test set: empirical robustness ρ (mean
/// ‖Δx‖₂/‖x‖₂ of minimal FGSM over the correctly classified images it flips; images it does not
/// flip within the largest ε are left out and counted in <see cref="Unflipped"/>), training-set
/// distance (mean nearest-neighbour L2 of those adversarial images to the training set) and local
/// loss sensitivity (mean ‖∇ₓJ‖₂ over all images).
/// </summary>
public sealed record RobustnessReport
{
    /// <summary>Dataset and split, e.g. "mnist/test".</summary>
    public required string Dataset { get; init; }
    /// <summary>The ε search used.</summary>
    public required MinimalFgsmOptions Search { get; init; }
    /// <summary>Images evaluated.</summary>
    public int Count => Images.Count;
    /// <summary>Correctly classified images (attacked).</summary>
    public int Correct => Images.Count(i => i.Correct);
    /// <summary>Correct images minimal FGSM did not flip within the largest ε (left out of ρ and the distance).</summary>
    public int Unflipped => Images.Count(i => i.Correct && !i.Flipped);
    /// <summary>ρ = mean ‖Δx‖₂/‖x‖₂ over the flipped images (NaN when none).</summary>
    public double EmpiricalRobustness => Mean(Images.Select(i => i.Ratio));
    /// <summary>Mean minimal ε over the flipped images (NaN when none).</summary>
    public double MeanEpsilon => Mean(Images.Select(i => i.Epsilon));
    /// <summary>Mean ‖Δx‖₂ over the flipped images (NaN when none).</summary>
    public double MeanL2 => Mean(Images.Select(i => i.L2));
    /// <summary>Mean nearest-training-image distance of the adversarial images (NaN when none or not measured).</summary>
    public double TrainingSetDistance => Mean(Images.Select(i => i.TrainingDistance));
    /// <summary>Size of the training set searched (0 when not measured).</summary>
    public int TrainingImages { get; init; }
    /// <summary>Mean ‖∇ₓJ(x, y)‖₂ over all images.</summary>
    public double LossSensitivity => Images.Count == 0 ? double.NaN : Images.Average(i => i.GradientNorm);
    /// <summary>Wall time.</summary>
    public double Seconds { get; init; }
    /// <summary>Per image, in dataset order.</summary>
    public required IReadOnlyList<RobustnessImage> Images { get; init; }
    /// <summary>How the run was made (a tool adds its command line).</summary>
    public RunProvenance? Run { get; init; }

    private static double Mean(IEnumerable<double?> values)
    {
        var v = values.Where(x => x.HasValue).Select(x => x!.Value).ToList();
        return v.Count == 0 ? double.NaN : v.Average();
    }

    /// <summary>The report as indented JSON: the metrics, the search, the per-image rows and the run (NaN written as null).</summary>
    public string ToJson()
    {
        var summary = new
        {
            Dataset, Count, Correct, Unflipped,
            EmpiricalRobustness = Finite(EmpiricalRobustness), MeanEpsilon = Finite(MeanEpsilon), MeanL2 = Finite(MeanL2),
            TrainingSetDistance = Finite(TrainingSetDistance), TrainingImages, LossSensitivity = Finite(LossSensitivity),
            Search, Seconds, Images, Run,
        };
        return JsonSerializer.Serialize(summary, Options);
    }

    private static double? Finite(double v) => double.IsFinite(v) ? v : null;

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };
}
