using AdvCore.IO;
using ScottPlot;

namespace AdvCore.Evaluation;

/// <summary>A PNG of named (x, y) curves: certified accuracy vs radius, accuracy vs σ.</summary>
public static class LineChart
{
    /// <summary>
    /// Writes the curves as a PNG (atomically); <paramref name="step"/> draws step functions, <paramref name="legendOutside"/>
    /// puts the legend right of the axes, for scatter-like curves that can fill any corner.
    /// </summary>
    public static void Save(string path, IReadOnlyList<(string Name, double[] X, double[] Y)> curves, string title, string xLabel, string yLabel,
                            bool step = false, int width = 800, int height = 560, bool legendOutside = false)
    {
        ArgumentNullException.ThrowIfNull(curves);
        if (curves.Count == 0) throw new ArgumentException("no curves to chart", nameof(curves));
        var plot = new Plot();
        foreach (var (name, xs, ys) in curves)
        {
            var line = plot.Add.Scatter(xs, ys);
            if (step) line.ConnectStyle = ConnectStyle.StepHorizontal;
            line.MarkerSize = step ? 0 : 5;
            line.LineWidth = 2;
            line.LegendText = name;
        }
        plot.Axes.SetLimitsY(0, 1.02);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.Title(title);
        if (legendOutside) plot.ShowLegend(Edge.Right);
        else plot.ShowLegend(Alignment.UpperRight);
        AtomicFile.WriteBytes(path, plot.GetImageBytes(width, height, ImageFormat.Png));
    }
}
