namespace AdvCore.Attacks;

/// <summary>
/// Creates attacks by their command-line names: fgsm, ifgsm, pgd2, pgdinf, rfgsm, cw, ddn, bp,
/// deepfool, jsma, fmn-l2, fmn-linf, apgd-ce, apgd-dlr. Options may be given as a typed record, or as name=value pairs applied on top
/// of the defaults (or of the thesis settings for a dataset).
/// </summary>
public static class AttackFactory
{
    /// <summary>Every name <see cref="Create(string, AttackOptions?)"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = ["fgsm", "ifgsm", "pgd2", "pgdinf", "rfgsm", "cw", "ddn", "bp", "deepfool", "jsma", "fmn-l2", "fmn-linf", "apgd-ce", "apgd-dlr"];

    /// <summary>
    /// The attack called <paramref name="name"/> with <paramref name="options"/> (its defaults when
    /// null). The options' type must match the attack (e.g. <see cref="PgdOptions"/> for pgd2).
    /// </summary>
    /// <exception cref="ArgumentException">An unknown name, options of the wrong type, or invalid options.</exception>
    public static IAttack Create(string name, AttackOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        string key = Normalize(name);
        options ??= DefaultOptions(key);
        return (key, options) switch
        {
            ("fgsm", FgsmOptions o) => new Fgsm(o),
            ("ifgsm", IterativeFgsmOptions o) => new IterativeFgsm(o),
            ("pgd2", PgdOptions o) => new Pgd(o with { Norm = AttackNorm.L2 }),
            ("pgdinf", PgdOptions o) => new Pgd(o with { Norm = AttackNorm.Linf }),
            ("rfgsm", RandomFgsmOptions o) => new RandomFgsm(o),
            ("cw", CarliniWagnerOptions o) => new CarliniWagner(o),
            ("ddn", DdnOptions o) => new Ddn(o),
            ("bp", BoundaryProjectionOptions o) => new BoundaryProjection(o),
            ("deepfool", DeepFoolOptions o) => new DeepFool(o),
            ("jsma", JsmaOptions o) => new Jsma(o),
            ("fmn-l2", FmnOptions o) => new Fmn(o with { Norm = AttackNorm.L2 }),
            ("fmn-linf", FmnOptions o) => new Fmn(o with { Norm = AttackNorm.Linf }),
            ("apgd-ce", ApgdOptions o) => new Apgd(o with { Loss = LossKind.CrossEntropy }),
            ("apgd-dlr", ApgdOptions o) => new Apgd(o with { Loss = LossKind.Dlr }),
            _ => throw new ArgumentException($"attack '{name}' takes {DefaultOptions(key).GetType().Name}, not {options.GetType().Name}", nameof(options)),
        };
    }

    /// <summary>
    /// The attack called <paramref name="name"/> with the thesis settings for <paramref name="dataset"/>
    /// (budgets, C&amp;W schedule) and then <paramref name="parameters"/> applied by option name,
    /// e.g. {"iterations": "100", "epsilons": "0.1,0.2", "quantize": "false"}.
    /// </summary>
    /// <exception cref="ArgumentException">An unknown name, dataset or option, or a value that does not parse or validate.</exception>
    public static IAttack Create(string name, string? dataset, IReadOnlyDictionary<string, string>? parameters)
    {
        string key = Normalize(name);
        AttackOptions options = dataset is null ? DefaultOptions(key) : ThesisOptions(key, dataset);
        if (parameters is not null)
            foreach (var (option, value) in parameters) options = OptionSetter.With(options, option, value);
        return Create(key, options);
    }

    /// <summary>The default options of an attack.</summary>
    public static AttackOptions DefaultOptions(string name) => Normalize(name) switch
    {
        "fgsm" => new FgsmOptions(),
        "ifgsm" => new IterativeFgsmOptions(),
        "pgd2" => new PgdOptions { Norm = AttackNorm.L2 },
        "pgdinf" => new PgdOptions { Norm = AttackNorm.Linf, Epsilons = Budgets.MnistLinf, RandomStart = true },
        "rfgsm" => new RandomFgsmOptions(),
        "cw" => new CarliniWagnerOptions(),
        "ddn" => new DdnOptions(),
        "bp" => new BoundaryProjectionOptions(),
        "deepfool" => new DeepFoolOptions(),
        "jsma" => new JsmaOptions(),
        "fmn-l2" => new FmnOptions { Norm = AttackNorm.L2 },
        "fmn-linf" => new FmnOptions { Norm = AttackNorm.Linf },
        "apgd-ce" => new ApgdOptions { Loss = LossKind.CrossEntropy },
        "apgd-dlr" => new ApgdOptions { Loss = LossKind.Dlr },
        _ => throw new ArgumentException($"unknown attack '{name}' (expected one of {string.Join(", ", Names)})", nameof(name)),
    };

    /// <summary>The thesis settings (§5.3.1) of an attack for a dataset (mnist, fashion-mnist, cifar10).</summary>
    public static AttackOptions ThesisOptions(string name, string dataset)
    {
        string key = Normalize(name);
        return DefaultOptions(key) switch
        {
            FgsmOptions o => o with { Epsilons = Budgets.For(dataset, AttackNorm.Linf) },
            IterativeFgsmOptions o => o with { Epsilons = Budgets.For(dataset, AttackNorm.Linf) },
            PgdOptions o => o with { Epsilons = Budgets.For(dataset, o.Norm) },
            RandomFgsmOptions o => o with { Epsilons = Budgets.For(dataset, AttackNorm.Linf) },
            ApgdOptions o => o with { Epsilons = Budgets.For(dataset, o.Norm) },
            CarliniWagnerOptions => CarliniWagnerOptions.Thesis(dataset),
            var o => o,
        };
    }

    private static string Normalize(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string key = name.Trim().ToLowerInvariant().Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal);
        return key switch
        {
            "bim" or "ifgsm" => "ifgsm",
            "pgd" or "pgd2" or "pgdl2" => "pgd2",
            "pgdinf" or "pgdlinf" => "pgdinf",
            "rfgsm" or "randomfgsm" or "random+fgsm" => "rfgsm",
            "cw" or "cwl2" or "c&w" or "carliniwagner" => "cw",
            "boundaryprojection" or "bp" => "bp",
            "fmn" or "fmnl2" or "fastminimumnorm" => "fmn-l2",
            "fmnlinf" or "fmninf" => "fmn-linf",
            "apgd" or "apgdce" or "autopgd" => "apgd-ce",
            "apgddlr" => "apgd-dlr",
            _ => key,
        };
    }
}
