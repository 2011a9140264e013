namespace AdvCore.Evaluation;

/// <summary>One row of SmoothFool's Table 1 (per network): the paper's numbers for DeepFool (DF) and SmoothFool (SF, σ_g = 2), null where the paper prints "-".</summary>
/// <param name="Dataset">mnist or cifar10.</param>
/// <param name="Network">The paper's network (1-FC2, 2-LeNet, 3-VGG-F, 4-ResNet-18).</param>
/// <param name="Accuracy">Clean accuracy (%).</param>
/// <param name="OmegaDf">Ω × 10³ of DeepFool (σ_h = 1).</param>
/// <param name="OmegaSf">Ω × 10³ of SmoothFool.</param>
/// <param name="OmegaNDf">Ω_n × 10³ of DeepFool.</param>
/// <param name="OmegaNSf">Ω_n × 10³ of SmoothFool.</param>
/// <param name="L2Df">E‖r‖₂ of DeepFool.</param>
/// <param name="L2Sf">E‖r‖₂ of SmoothFool.</param>
public sealed record SmoothFoolPaperRow(string Dataset, string Network, double Accuracy, double OmegaDf, double OmegaSf,
                                        double OmegaNDf, double OmegaNSf, double L2Df, double L2Sf);

/// <summary>
/// The numbers of SmoothFool's Tables 1-2 (Dabouei et al. 2020), copied from the seed text
/// ../shared/seeds/001_6a9b45c08afc4195.txt: Table 1 at lines 633-652 (MNIST and CIFAR-10 rows
/// only; the IS and CS baselines are not reproduced), Table 2 at lines 657-681. The paper's
/// fooling rates of DF and SF are "> 99.9% on all datasets" (Table 1 caption), σ_g = 2.
/// </summary>
public static class SmoothFoolTables
{
    /// <summary>Where the numbers come from.</summary>
    public const string Source = "Dabouei et al. 2020 (SmoothFool), ../shared/seeds/001_6a9b45c08afc4195.txt: Table 1 lines 633-652, Table 2 lines 657-681";

    /// <summary>The table names the CLI accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = ["smoothfool-table-1", "smoothfool-table-2"];

    /// <summary>σ_g of Table 1's comparison and the default list of our Table 1 run.</summary>
    public static IReadOnlyList<float> Table1Sigmas { get; } = [1f, 2f, 3f, 5f];

    /// <summary>The σ_g columns of Table 2.</summary>
    public static IReadOnlyList<float> Table2Sigmas { get; } = [20f, 60f, 100f];

    /// <summary>Table 1, MNIST and CIFAR-10 rows (line 633 ff.).</summary>
    public static IReadOnlyList<SmoothFoolPaperRow> Table1 { get; } =
    [
        new("mnist", "1-FC2", 98.6, 783, 334, 511, 63, 1.17, 1.76),
        new("mnist", "2-LeNet", 99.1, 890, 352, 532, 68, 1.23, 2.32),
        new("cifar10", "3-VGG-F", 93.1, 288, 114, 891, 57, 0.19, 1.60),
        new("cifar10", "4-ResNet-18", 93.3, 310, 127, 959, 65, 0.21, 1.60),
    ];

    /// <summary>CIFAR-10's class names, in label order (Table 2's rows).</summary>
    public static IReadOnlyList<string> CifarClasses { get; } =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    /// <summary>Table 2: per-class fooling rate (%) of SmoothFool on CIFAR-10, by network, then class (and "all"), at σ_g = 20, 60, 100 (line 662 ff.).</summary>
    public static IReadOnlyDictionary<string, IReadOnlyDictionary<string, double[]>> Table2 { get; } =
        new Dictionary<string, IReadOnlyDictionary<string, double[]>>
        {
            ["VGG-F"] = new Dictionary<string, double[]>
            {
                ["airplane"] = [75.0, 29.5, 25.0], ["automobile"] = [58.7, 10.8, 6.5], ["bird"] = [93.4, 65.2, 52.1],
                ["cat"] = [100, 58.3, 43.7], ["deer"] = [87.2, 60.0, 49.0], ["dog"] = [78.7, 48.9, 40.4],
                ["frog"] = [88.8, 51.1, 46.6], ["horse"] = [74.5, 29.0, 23.6], ["ship"] = [79.0, 32.5, 25.5],
                ["truck"] = [73.9, 32.6, 21.7], ["all"] = [83.8, 45.8, 37.6],
            },
            ["ResNet-18"] = new Dictionary<string, double[]>
            {
                ["airplane"] = [67.3, 34.7, 28.2], ["automobile"] = [33.3, 6.6, 2.2], ["bird"] = [65.1, 41.8, 32.5],
                ["cat"] = [65.3, 21.1, 17.3], ["deer"] = [78.0, 40.2, 36.0], ["dog"] = [75.1, 55.5, 52.7],
                ["frog"] = [68.9, 44.8, 41.3], ["horse"] = [70.3, 25.9, 22.2], ["ship"] = [81.4, 35.1, 29.6],
                ["truck"] = [68.5, 31.4, 22.8], ["all"] = [67.2, 33.0, 27.9],
            },
        };

    /// <summary>The Table 1 rows of <paramref name="dataset"/> (mnist-like → the MNIST rows, cifar10 → the CIFAR rows).</summary>
    public static IReadOnlyList<SmoothFoolPaperRow> Table1For(string dataset)
    {
        string kind = Attacks.Budgets.DatasetKind(dataset);
        return [.. Table1.Where(r => r.Dataset == kind)];
    }

    /// <summary>Per-class fooling rate (%) of a run: successes / attacked (correctly classified) images of each label, and over all; NaN for a class with no attacked image.</summary>
    public static (double[] PerClass, double All) PerClassFoolingRate(AttackRunRecord record, int classes)
    {
        ArgumentNullException.ThrowIfNull(record);
        var rates = new double[classes];
        for (int c = 0; c < classes; c++)
        {
            var of = record.Images.Where(i => i.Label == c).ToList();
            rates[c] = of.Count == 0 ? double.NaN : 100.0 * of.Count(i => i.Success) / of.Count;
        }
        return (rates, 100.0 * record.PSuc);
    }
}
