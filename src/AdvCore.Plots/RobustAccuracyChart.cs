using AdvCore.IO;
using ScottPlot;

namespace AdvCore.Evaluation;

/// <summary>
/// A PNG of the robust-accuracy-vs-ε curves of a comparison (AttackBench's security-evaluation
/// curves): each attack's step function from the clean accuracy at ε = 0, and the per-image best
/// of all attacks dashed, over [0, ε_max].
/// </summary>
public static class RobustAccuracyChart
{
    /// <summary>Renders the chart to PNG bytes.</summary>
    public static byte[] Render(AttackComparisonResult comparison, string? title = null, int width = 800, int height = 560)
    {
        ArgumentNullException.ThrowIfNull(comparison);
        if (comparison.Entries.Count == 0) throw new ArgumentException("no attacks to chart", nameof(comparison));
        if (width < 100 || height < 100) throw new ArgumentOutOfRangeException(nameof(width), $"the chart must be at least 100×100 pixels (got {width}×{height})");
        int processed = Math.Max(1, comparison.Count);
        double right = (comparison.EpsilonMax is double e && e > 0 ? e : 1) * 1.05;

        var plot = new Plot();
        foreach (var entry in comparison.Entries)
        {
            string optimality = entry.Optimality is double o ? o.ToString("F3") : "–";
            Add(plot, entry.Distances, processed, right, $"{entry.Display} {entry.Iterations}: P_suc {entry.PSuc:F2}, optimality {optimality}", dashed: false);
        }
        Add(plot, comparison.BestDistances, processed, right, "best of all (per image)", dashed: true).Color = Colors.Black;
        plot.Axes.SetLimits(0, right, 0, Math.Max(comparison.CleanAccuracy, 0.01) * 1.02);
        plot.XLabel("ε (L2)");
        plot.YLabel("robust accuracy: share of N′ not broken within ε");
        plot.Title(title ?? "Robust accuracy vs ε");
        plot.ShowLegend(Alignment.UpperRight);
        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }

    /// <summary>Writes the chart as a PNG file (atomically).</summary>
    public static void Save(string path, AttackComparisonResult comparison, string? title = null, int width = 800, int height = 560) =>
        AtomicFile.WriteBytes(path, Render(comparison, title, width, height));

    private static ScottPlot.Plottables.Scatter Add(Plot plot, IReadOnlyList<double?> distances, int processed, double right, string legend, bool dashed)
    {
        var points = AttackComparison.Curve(distances.Select(d => d ?? double.PositiveInfinity), processed);
        double[] xs = [.. points.Select(p => p.Epsilon), Math.Max(points[^1].Epsilon, right)];
        double[] ys = [.. points.Select(p => p.RobustAccuracy), points[^1].RobustAccuracy];
        var line = plot.Add.Scatter(xs, ys);
        line.ConnectStyle = ConnectStyle.StepHorizontal;
        line.MarkerSize = 0;
        line.LineWidth = 2;
        if (dashed || plot.GetPlottables().Count() > 10) line.LinePattern = LinePattern.Dashed;
        line.LegendText = legend;
        return line;
    }
}
