using AdvCore.IO;
using ScottPlot;

namespace AdvCore.Evaluation;

/// <summary>
/// A PNG of the operating characteristics P(D) of several runs on one chart (as thesis Figures
/// 5.4/5.5), with a dashed line at D_upp.
/// </summary>
public static class OperatingCharacteristicChart
{
    /// <summary>Renders the chart to PNG bytes.</summary>
    public static byte[] Render(IReadOnlyList<AttackRunRecord> records, string? title = null, int width = 800, int height = 560)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0) throw new ArgumentException("no runs to chart", nameof(records));
        if (width < 100 || height < 100) throw new ArgumentOutOfRangeException(nameof(width), $"the chart must be at least 100×100 pixels (got {width}×{height})");

        var plot = new Plot();
        double right = records.Max(r => r.DUpp) * 1.1;
        foreach (var record in records)
        {
            var points = record.Curve().Points();
            double[] xs = [.. points.Select(p => p.Distortion), Math.Max(points[^1].Distortion, right)];
            double[] ys = [.. points.Select(p => p.Probability), points[^1].Probability];
            var line = plot.Add.Scatter(xs, ys);
            line.ConnectStyle = ConnectStyle.StepHorizontal;
            line.MarkerSize = 0;
            line.LineWidth = 2;
            // The palette has 10 colours; Table 5.2 has 11 runs: dash the ones whose colour repeats.
            if (plot.GetPlottables().Count() > 10) line.LinePattern = LinePattern.Dashed;
            line.LegendText = $"{record.Label}: P_suc {record.PSuc:F2}, D̄ {(record.MeanL2 is double m ? m.ToString("F2") : "–")}";
            right = Math.Max(right, points[^1].Distortion * 1.02);
        }
        var upper = plot.Add.VerticalLine(records[0].DUpp);
        upper.LinePattern = LinePattern.Dashed;
        upper.Color = Colors.Gray;
        upper.LegendText = $"D_upp = {records[0].DUpp:G3}";
        plot.Axes.SetLimits(0, right, 0, 1.02);
        plot.XLabel("distortion D (L2)");
        plot.YLabel("P(D): success with distortion ≤ D");
        plot.Title(title ?? "Operating characteristic");
        plot.ShowLegend(Alignment.LowerRight);
        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }

    /// <summary>Writes the chart as a PNG file (atomically).</summary>
    public static void Save(string path, IReadOnlyList<AttackRunRecord> records, string? title = null, int width = 800, int height = 560) =>
        AtomicFile.WriteBytes(path, Render(records, title, width, height));
}
