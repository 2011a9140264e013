using AdvCore.IO;
using System.Globalization;
using System.Text;

namespace AdvCore.Evaluation;

/// <summary>CSV views of result records (written atomically): operating characteristics and the summary table.</summary>
public static class ResultFiles
{
    /// <summary>
    /// The operating characteristics of several runs as long-format CSV:
    /// <c>attack,iterations,quantized,d,p,variant</c>, one row per corner of each step function P(D).
    /// </summary>
    public static void WriteOperatingCharacteristics(string path, IEnumerable<AttackRunRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var text = new StringBuilder("attack,iterations,quantized,d,p,variant\n");
        foreach (var r in records)
            foreach (var (d, p) in r.Curve().Points())
                text.Append(CultureInfo.InvariantCulture, $"{Csv(r.Attack)},{r.Iterations},{Bool(r.Quantized)},{d:R},{p:R},{Csv(r.Variant ?? "")}\n");
        AtomicFile.WriteText(path, text.ToString());
    }

    /// <summary>
    /// One row per run, as thesis Tables 5.2/5.3:
    /// <c>attack,iterations,gradients,quantized,count,correct,p_suc,mean_l2,d_upp,p_upp,seconds,variant,mean_omega,mean_omega_n</c>
    /// (the last two: SmoothFool's roughness Ω and Ω_n at σ_h = 1 over the successes, empty when not measured).
    /// </summary>
    public static void WriteSummary(string path, IEnumerable<AttackRunRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var text = new StringBuilder("attack,iterations,gradients,quantized,count,correct,p_suc,mean_l2,d_upp,p_upp,seconds,variant,mean_omega,mean_omega_n\n");
        foreach (var r in records)
            text.Append(CultureInfo.InvariantCulture,
                $"{Csv(r.Attack)},{r.Iterations},{r.Gradients:R},{Bool(r.Quantized)},{r.Count},{r.Correct},{r.PSuc:R},{(r.MeanL2 is double m ? m.ToString("R", CultureInfo.InvariantCulture) : "")},{r.DUpp:R},{r.PUpp:R},{r.Seconds:R},{Csv(r.Variant ?? "")},{Opt(r.MeanOmega)},{Opt(r.MeanOmegaN)}\n");
        AtomicFile.WriteText(path, text.ToString());
    }

    private static string Opt(double? v) => v is double d ? d.ToString("R", CultureInfo.InvariantCulture) : "";

    private static string Bool(bool b) => b ? "true" : "false";

    private static string Csv(string s) => s.Contains(',') || s.Contains('"') ? $"\"{s.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : s;
}
