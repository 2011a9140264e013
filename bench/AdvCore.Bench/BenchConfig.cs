using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Csv;

namespace AdvCore.Bench;

/// <summary>
/// The suite's configuration: allocation counts (MemoryDiagnoser: the steady-state passes and
/// attack iterations must show 0 B/op), Markdown (GitHub) and CSV reports in
/// BenchmarkDotNet.Artifacts/results. Short runs: add <c>--job short</c> (3 warm-ups,
/// 3 iterations) or <c>--job dry</c> (one call, a smoke test) on the command line.
/// </summary>
public sealed class BenchConfig : ManualConfig
{
    public BenchConfig()
    {
        AddDiagnoser(MemoryDiagnoser.Default);
        AddExporter(MarkdownExporter.GitHub, CsvExporter.Default);
        AddColumn(StatisticColumn.Median);
        WithOptions(ConfigOptions.DisableOptimizationsValidator | ConfigOptions.JoinSummary);
    }
}
