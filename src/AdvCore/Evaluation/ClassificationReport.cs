using System.Text.Json;
using System.Text.Json.Nodes;

namespace AdvCore.Evaluation;

/// <summary>Clean accuracy of a classifier on a labelled set: overall, per class, and the confusion matrix.</summary>
public sealed class ClassificationReport
{
    internal ClassificationReport(string dataset, long[,] confusion, double seconds)
    {
        Dataset = dataset;
        Confusion = confusion;
        Seconds = seconds;
        int k = confusion.GetLength(0);
        long right = 0;
        PerClassAccuracy = new double[k];
        for (int c = 0; c < k; c++)
        {
            long row = 0;
            for (int p = 0; p < k; p++) row += confusion[c, p];
            right += confusion[c, c];
            Count += row;
            PerClassAccuracy[c] = row == 0 ? double.NaN : (double)confusion[c, c] / row;
        }
        Correct = right;
    }

    /// <summary>The dataset and split evaluated, e.g. "mnist/test".</summary>
    public string Dataset { get; }

    /// <summary>Confusion[true class, predicted class] = number of images.</summary>
    public long[,] Confusion { get; }
    /// <summary>Accuracy per true class (NaN for a class with no image).</summary>
    public double[] PerClassAccuracy { get; }
    /// <summary>Images evaluated.</summary>
    public long Count { get; }
    /// <summary>Images whose predicted class is the label.</summary>
    public long Correct { get; }
    /// <summary>Correct / Count (NaN when nothing was evaluated).</summary>
    public double Accuracy => Count == 0 ? double.NaN : (double)Correct / Count;
    /// <summary>Wall time of the evaluation.</summary>
    public double Seconds { get; }

    /// <summary>How the evaluation was made (version, device, threads, seed; the tool adds its command and options).</summary>
    public RunProvenance? Run { get; init; }

    /// <summary>A copy of this report with <see cref="Run"/> replaced (a tool adds its command line).</summary>
    public ClassificationReport WithRun(RunProvenance? run) => new(Dataset, Confusion, Seconds) { Run = run };

    /// <summary>The report as indented JSON (dataset, count, accuracy, per-class accuracy, confusion matrix, seconds, run).</summary>
    public string ToJson()
    {
        int k = Confusion.GetLength(0);
        var rows = new JsonArray();
        for (int c = 0; c < k; c++)
            rows.Add(new JsonArray(Enumerable.Range(0, k).Select(p => (JsonNode)Confusion[c, p]).ToArray()));
        var root = new JsonObject
        {
            ["dataset"] = Dataset,
            ["count"] = Count,
            ["correct"] = Correct,
            ["accuracy"] = Accuracy,
            ["per_class_accuracy"] = new JsonArray(PerClassAccuracy.Select(a => (JsonNode)(double.IsNaN(a) ? -1 : a)).ToArray()),
            ["confusion"] = rows,
            ["seconds"] = Seconds,
            ["run"] = Run is null ? null : JsonSerializer.SerializeToNode(Run, AttackRunRecord.Json),
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }
}
