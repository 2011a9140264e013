using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;

namespace AdvCore.Bench;

/// <summary>
/// The suite's configuration: BenchmarkDotNet's defaults plus allocation counts (MemoryDiagnoser:
/// the steady-state passes and attack iterations must show 0 B/op) and the median column. The
/// defaults already export GitHub Markdown, CSV and HTML reports to
/// BenchmarkDotNet.Artifacts/results (adding them again only draws a duplicate warning). Short runs: add
/// <c>--job short</c> (3 warm-ups, 3 iterations) or <c>--job dry</c> (one call, a smoke test).
/// </summary>
public static class BenchConfig
{
    public static IConfig Create() =>
        DefaultConfig.Instance
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumn(StatisticColumn.Median)
            .WithOptions(ConfigOptions.JoinSummary);
}
