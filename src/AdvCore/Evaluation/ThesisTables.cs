namespace AdvCore.Evaluation;

/// <summary>One run of a thesis table: which attack, with which settings, and the numbers the thesis reports for it.</summary>
/// <param name="Attack">The attack's <see cref="Attacks.AttackRegistry"/> name.</param>
/// <param name="Iterations">The iterations passed to the attack (C&amp;W: Adam iterations per λ).</param>
/// <param name="Grads">The "# Grads" column as the thesis prints it ("1", "20", "5×20", …).</param>
/// <param name="Variant">What tells this row apart from another run of the same attack and iterations, or null.</param>
/// <param name="Parameters">Option overrides on top of the thesis settings (name → value, as <see cref="Attacks.AttackOptionText"/> reads them).</param>
/// <param name="Thesis">The thesis's numbers for this row, by dataset (mnist, cifar10, imagenet).</param>
public sealed record ThesisRow(string Attack, int Iterations, string Grads, string? Variant,
                               IReadOnlyDictionary<string, string> Parameters, IReadOnlyDictionary<string, ThesisNumbers> Thesis)
{
    /// <summary>A file-name stem for the row's result, e.g. "bp-20" or "cw-5x20" or "bp-20-each-iteration".</summary>
    public string Stem => $"{Attack}-{(Attack == "cw" ? Grads.Replace('×', 'x') : Iterations.ToString(System.Globalization.CultureInfo.InvariantCulture))}"
                          + (Variant is null || Attack == "cw" ? "" : "-" + Variant.Replace(' ', '-').Replace('/', '-').Replace(",", "", StringComparison.Ordinal).ToLowerInvariant());
}

/// <summary>P_suc, D̄ and (when the table has it) P_upp as printed in the thesis.</summary>
public sealed record ThesisNumbers(double PSuc, double MeanL2, double? PUpp = null);

/// <summary>One thesis table: its rows, whether it quantizes, and where its numbers come from.</summary>
/// <param name="Name">"table-5.1", "table-5.2" or "table-5.3".</param>
/// <param name="Title">What the table compares.</param>
/// <param name="Quantize">Whether the runs round to the 8-bit grid (Table 5.3: no).</param>
/// <param name="Source">Where the numbers were copied from.</param>
/// <param name="Rows">The runs, in the thesis's order.</param>
public sealed record ThesisTable(string Name, string Title, bool Quantize, string Source, IReadOnlyList<ThesisRow> Rows);

/// <summary>
/// Thesis Tables 5.1-5.3 (H. Zhang, "Deep Learning in Adversarial Context", 2021, §5.3): the runs
/// they consist of and the numbers printed there, copied from the thesis text
/// (../shared/seeds/000_a99325e373d40cc4.txt, lines 1484-1492, 1510-1525, 1584-1598).
/// Table 5.1 has ImageNet numbers only; we run it on whatever dataset is given and print the
/// ImageNet numbers beside ours for the ordering (rounding at the end ≫ each iteration > Q_IN/Q_OUT).
/// </summary>
public static class ThesisTables
{
    private const string Seed = "H. Zhang 2021 (thesis), ../shared/seeds/000_a99325e373d40cc4.txt";

    /// <summary>The names <see cref="Get"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = ["table-4.1", "table-4.2", "table-5.1", "table-5.2", "table-5.3"];

    /// <summary>Table 4.1: the smooth attacks beside their originals (white box, thesis §4.4.2).</summary>
    public static ThesisTable Table41 { get; } = new("table-4.1", "Smooth attacks: P_suc and D̄ of FGSM, I-FGSM, PGD2, C&W, qPGD2, sC&W (white box)",
        true, Seed + ", Table 4.1, line 1154 (MNIST C4 and ImageNet InceptionV3 columns; parameters line 1138)",
        Smooth(
        [
            [0.89, 5.02, 0.97, 5.92], [1.00, 2.69, 1.00, 5.54], [1.00, 1.71, 1.00, 1.80],
            [1.00, 2.49, 0.99, 4.91], [0.97, 3.36, 0.96, 2.10], [1.00, 1.97, 0.99, 3.00],
        ]));

    /// <summary>Table 4.2: the same attacks against a network adversarially trained against FGSM (thesis §4.4.3).</summary>
    public static ThesisTable Table42 { get; } = new("table-4.2", "Smooth attacks against a network adversarially trained against FGSM",
        true, Seed + ", Table 4.2, line 1205 (MNIST C4 and ImageNet InceptionV3 columns)",
        Smooth(
        [
            [0.15, 4.53, 0.06, 6.40], [1.00, 3.48, 0.97, 29.94], [1.00, 2.52, 1.00, 3.89],
            [0.93, 3.03, 0.95, 6.43], [0.99, 2.94, 0.69, 7.86], [0.99, 2.39, 0.75, 6.22],
        ]));

    /// <summary>Table 5.1: BP on ImageNet with three quantization strategies, 20 and 100 iterations.</summary>
    public static ThesisTable Table51 { get; } = new("table-5.1", "BP with different quantization strategies (rounding at the end, at each iteration, Q_IN/Q_OUT)",
        true, Seed + ", Table 5.1, line 1484",
        [
            Bp51(20, "rounding at end", "AtEnd", 1.00, 1.44),
            Bp51(100, "rounding at end", "AtEnd", 1.00, 1.43),
            Bp51(20, "rounding each iteration", "EachIteration", 1.00, 0.41),
            Bp51(100, "rounding each iteration", "EachIteration", 1.00, 0.32),
            Bp51(20, "Q_IN/Q_OUT", "QInOut", 1.00, 0.35),
            Bp51(100, "Q_IN/Q_OUT", "QInOut", 1.00, 0.28),
        ]);

    /// <summary>Table 5.2: the benchmark with quantization (8-bit images).</summary>
    public static ThesisTable Table52 { get; } = new("table-5.2", "Benchmark with quantization", true, Seed + ", Table 5.2, line 1510",
        Benchmark(
        [
            [0.99, 5.80, 0.00, 0.95, 5.65, 0.00, 0.88, 9.18, 0.00],
            [1.00, 3.29, 0.17, 1.00, 3.54, 0.00, 1.00, 4.90, 0.00],
            [1.00, 3.23, 0.18, 1.00, 3.53, 0.00, 1.00, 4.90, 0.00],
            [1.00, 1.80, 0.63, 1.00, 0.66, 0.76, 0.63, 3.63, 0.00],
            [1.00, 1.74, 0.66, 1.00, 0.60, 0.84, 1.00, 1.85, 0.00],
            [1.00, 1.94, 0.56, 0.99, 0.56, 0.81, 1.00, 1.70, 0.00],
            [0.98, 1.90, 0.57, 0.87, 0.38, 0.76, 0.97, 2.57, 0.00],
            [0.82, 1.40, 0.70, 1.00, 0.63, 0.74, 0.99, 1.18, 0.05],
            [1.00, 1.41, 0.87, 1.00, 0.21, 0.98, 1.00, 0.43, 0.97],
            [1.00, 1.45, 0.86, 0.97, 0.49, 0.87, 1.00, 0.35, 0.96],
            [1.00, 1.37, 0.91, 0.97, 0.30, 0.97, 1.00, 0.28, 1.00],
        ]));

    /// <summary>Table 5.3: the same benchmark without quantization (real-valued images in [0,1]).</summary>
    public static ThesisTable Table53 { get; } = new("table-5.3", "Benchmark without quantization", false, Seed + ", Table 5.3, line 1584",
        Benchmark(
        [
            [0.99, 5.81, 0.00, 0.97, 4.78, 0.00, 0.85, 3.02, 0.00],
            [1.00, 3.22, 0.27, 1.00, 3.54, 0.00, 1.00, 4.47, 0.00],
            [1.00, 3.16, 0.29, 1.00, 3.53, 0.00, 1.00, 4.47, 0.00],
            [1.00, 1.76, 0.63, 1.00, 0.51, 0.77, 0.64, 3.94, 0.36],
            [1.00, 1.70, 0.66, 1.00, 0.43, 0.85, 0.95, 1.11, 0.61],
            [1.00, 1.93, 0.56, 1.00, 0.56, 0.81, 1.00, 1.37, 0.23],
            [1.00, 1.89, 0.57, 0.97, 0.38, 0.84, 1.00, 1.87, 0.06],
            [0.82, 1.39, 0.70, 1.00, 0.62, 0.74, 1.00, 0.76, 0.95],
            [1.00, 1.41, 0.87, 1.00, 0.20, 0.98, 1.00, 0.28, 0.99],
            [1.00, 1.41, 0.86, 0.97, 0.33, 0.87, 1.00, 0.20, 1.00],
            [1.00, 1.35, 0.91, 0.97, 0.18, 0.97, 1.00, 0.16, 1.00],
        ]));

    /// <summary>The table called <paramref name="name"/> ("table-5.2", "5.2", "table5.2").</summary>
    /// <exception cref="ArgumentException">An unknown table.</exception>
    public static ThesisTable Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string key = name.Trim().ToLowerInvariant().Replace("table", "", StringComparison.Ordinal).Trim('-', '_', ' ');
        return key switch
        {
            "4.1" => Table41,
            "4.2" => Table42,
            "5.1" => Table51,
            "5.2" => Table52,
            "5.3" => Table53,
            _ => throw new ArgumentException($"unknown table '{name}' (expected {string.Join(", ", Names)})", nameof(name)),
        };
    }

    /// <summary>The thesis column to compare a dataset with: mnist, cifar10, or imagenet for Table 5.1 (its only column); null when the thesis has none.</summary>
    public static string? Column(ThesisTable table, string dataset)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (table == Table51) return "imagenet";
        string d = dataset.Trim().ToLowerInvariant().Replace("-", "", StringComparison.Ordinal);
        return d is "mnist" or "cifar10" ? d : null;
    }

    // Rows of Tables 4.1/4.2 with the parameters of §4.4.1 (line 1138): FGSM ε = 0.3; I-FGSM ε = 0.3,
    // α = 0.08; PGD2 and qPGD2 over the target distortions D ∈ {1, …, 6} of Fig. 4.5 (α = ε/2; the
    // single ε = 5, α = 3 of line 1138 is the transfer setting of §4.4.4); C&W and sC&W with m = 1,
    // η = 0.1, c = 15 on the 5×20 schedule of Chapter 5 (Chapter 4 gives no iteration count); the
    // smoothing is the sC&W/qPGD2 default (Laplacian kernel, α = 0.95). numbers[i] = MNIST, ImageNet
    // (InceptionV3) × (P_suc, D̄).
    private static ThesisRow[] Smooth(double[][] numbers)
    {
        var targets = new Dictionary<string, string> { ["epsilons"] = "1,2,3,4,5,6" };
        var cw = new Dictionary<string, string> { ["initialconstant"] = "15", ["learningrate"] = "0.1", ["margin"] = "1" };
        (string Attack, int Iterations, string Grads, Dictionary<string, string> Parameters)[] runs =
        [
            ("fgsm", 1, "1", new() { ["epsilons"] = "0.3" }),
            ("ifgsm", 20, "20", new() { ["epsilons"] = "0.3", ["stepsize"] = "0.08", ["stepfraction"] = "1" }),
            ("pgd2", 20, "20", targets),
            ("cw", 20, "5×20", cw),
            ("qpgd2", 20, "20", targets),
            ("scw", 20, "5×20", []),
        ];
        return [.. runs.Select((r, i) => new ThesisRow(r.Attack, r.Iterations, r.Grads, null, r.Parameters,
            new Dictionary<string, ThesisNumbers>
            {
                ["mnist"] = new(numbers[i][0], numbers[i][1]),
                ["imagenet"] = new(numbers[i][2], numbers[i][3]),
            }))];
    }

    private static ThesisRow Bp51(int iterations, string variant, string rounding, double pSuc, double meanL2) =>
        new("bp", iterations, iterations.ToString(System.Globalization.CultureInfo.InvariantCulture), variant,
            new Dictionary<string, string> { ["rounding"] = rounding },
            new Dictionary<string, ThesisNumbers> { ["imagenet"] = new(pSuc, meanL2) });

    // Rows of Tables 5.2/5.3 in the thesis's order; numbers[i] = MNIST, CIFAR10, ImageNet × (P_suc, D̄, P_upp).
    private static ThesisRow[] Benchmark(double[][] numbers)
    {
        (string Attack, int Iterations, string Grads, string? Variant, Dictionary<string, string> Parameters)[] runs =
        [
            ("fgsm", 1, "1", null, []),
            ("ifgsm", 20, "20", null, []),
            ("ifgsm", 100, "100", null, []),
            ("pgd2", 20, "20", null, []),
            ("pgd2", 100, "100", null, []),
            ("cw", 20, "5×20", "5×20", new() { ["schedule"] = "5x20" }),
            ("cw", 100, "1×100", "1×100", new() { ["schedule"] = "1x100" }),
            ("ddn", 20, "20", null, []),
            ("ddn", 100, "100", null, []),
            ("bp", 20, "20", null, []),
            ("bp", 100, "100", null, []),
        ];
        return [.. runs.Select((r, i) => new ThesisRow(r.Attack, r.Iterations, r.Grads, r.Variant, r.Parameters,
            new Dictionary<string, ThesisNumbers>
            {
                ["mnist"] = new(numbers[i][0], numbers[i][1], numbers[i][2]),
                ["cifar10"] = new(numbers[i][3], numbers[i][4], numbers[i][5]),
                ["imagenet"] = new(numbers[i][6], numbers[i][7], numbers[i][8]),
            }))];
    }
}
