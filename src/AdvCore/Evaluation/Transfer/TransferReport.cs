using System.Text.Json;
using System.Text.Json.Serialization;

namespace AdvCore.Evaluation;

/// <summary>A model that judges adversarial images crafted on another one.</summary>
/// <param name="Name">How the report names it (e.g. its file name).</param>
/// <param name="Model">The classifier.</param>
public sealed record TransferTarget(string Name, Attacks.IClassifier Model);

/// <summary>
/// How one model fares on the adversarial images crafted on the source (untargeted).
/// </summary>
/// <param name="Model">The judging model's name.</param>
/// <param name="IsSource">True for the source model itself (the white-box row).</param>
/// <param name="Count">Images of the slice.</param>
/// <param name="CleanCorrect">Clean images this model classifies correctly.</param>
/// <param name="Transferable">Images the source attack fooled the source on and this model classifies correctly when clean.</param>
/// <param name="Transferred">Of those, the adversarial images this model misclassifies.</param>
/// <param name="AdversarialCorrect">Images this model classifies correctly when each is replaced by its adversarial image where the source attack succeeded.</param>
public sealed record TransferRow(string Model, bool IsSource, int Count, int CleanCorrect, int Transferable, int Transferred, int AdversarialCorrect)
{
    /// <summary>Clean accuracy on the slice.</summary>
    public double CleanAccuracy => (double)CleanCorrect / Count;

    /// <summary>Transferred / Transferable: the share of the source's successes that also fool this model (NaN when none).</summary>
    public double TransferRate => Transferable == 0 ? double.NaN : (double)Transferred / Transferable;

    /// <summary>Accuracy on the attacked slice (adversarial images where the source attack succeeded, clean ones elsewhere).</summary>
    public double AdversarialAccuracy => (double)AdversarialCorrect / Count;
}

/// <summary>
/// A black-box transfer evaluation: one attack run on the source model, its adversarial images
/// judged by the source (first row) and by every target model.
/// </summary>
public sealed record TransferReport
{
    /// <summary>Dataset and split, e.g. "mnist/test".</summary>
    public required string Dataset { get; init; }
    /// <summary>The attack's label (name and iterations).</summary>
    public required string Attack { get; init; }
    /// <summary>The attack run on the source (P_suc, D̄, per image).</summary>
    public required AttackRunRecord Source { get; init; }
    /// <summary>The source first, then the targets in the order given.</summary>
    public required IReadOnlyList<TransferRow> Rows { get; init; }
    /// <summary>Wall time, attack and judging.</summary>
    public double Seconds { get; init; }
    /// <summary>How the run was made (a tool adds its command line).</summary>
    public RunProvenance? Run { get; init; }

    /// <summary>The report as indented JSON: the rows with their rates (NaN written as null), the source's summary and the run.</summary>
    public string ToJson()
    {
        var rows = Rows.Select(r => new
        {
            r.Model, r.IsSource, r.Count, r.CleanCorrect, r.Transferable, r.Transferred, r.AdversarialCorrect,
            r.CleanAccuracy, TransferRate = Finite(r.TransferRate), r.AdversarialAccuracy,
        });
        var summary = new
        {
            Dataset, Attack,
            Source = new { Source.Model, Source.Count, Source.Correct, PSuc = Finite(Source.PSuc), MeanL2 = Source.MeanL2 is double m ? Finite(m) : null, Source.Quantized },
            Rows = rows, Seconds, Run,
        };
        return JsonSerializer.Serialize(summary, Options);
    }

    private static double? Finite(double v) => double.IsFinite(v) ? v : null;

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };
}
