using System.Globalization;

namespace AdvCore.Attacks;

/// <summary>
/// The one table of attacks. The CLI (<c>attack</c>, <c>reproduce</c>, <c>compare-attacks</c>,
/// <c>--help</c>), <see cref="AttackFactory"/>, the tests and the benchmarks all read it; adding
/// an attack = its method file, its options file and one row here.
/// </summary>
public static class AttackRegistry
{
    /// <summary>Every attack, in the order of the thesis tables, then the newer ones.</summary>
    public static IReadOnlyList<AttackInfo> All { get; } =
    [
        Row<FgsmOptions>("fgsm", "FGSM", o => new Fgsm(o), "one signed gradient step per budget ε (L∞)",
            "Goodfellow et al. 2015; thesis eq. 2.12", null, "none: one gradient per budget", budgeted: true,
            thesis: (d, _) => new FgsmOptions { Epsilons = Budgets.For(d, AttackNorm.Linf) }),
        Row<IterativeFgsmOptions>("ifgsm", "I-FGSM", o => new IterativeFgsm(o), "K signed steps projected on B∞[x; ε], per budget",
            "Kurakin et al. 2017 (BIM); thesis eq. 2.13", "iterations", "gradient evaluations per budget", budgeted: true,
            thesis: (d, _) => new IterativeFgsmOptions { Epsilons = Budgets.For(d, AttackNorm.Linf) }, aliases: ["bim"]),
        Row<PgdOptions>("pgd2", "PGD2", o => new Pgd(o with { Norm = AttackNorm.L2 }), "K normalised steps projected on B₂[x; ε], per budget",
            "Madry et al. 2018; thesis eqs. 2.15-2.16", "iterations", "gradient evaluations per budget", budgeted: true,
            defaults: () => new PgdOptions { Norm = AttackNorm.L2 },
            thesis: (d, _) => new PgdOptions { Norm = AttackNorm.L2, Epsilons = Budgets.For(d, AttackNorm.L2) }, aliases: ["pgd", "pgdl2"]),
        Row<PgdOptions>("pgdinf", "PGD∞", o => new Pgd(o with { Norm = AttackNorm.Linf }), "K signed steps projected on B∞[x; ε] from a random start, per budget",
            "Madry et al. 2018", "iterations", "gradient evaluations per budget", budgeted: true,
            defaults: () => new PgdOptions { Norm = AttackNorm.Linf, Epsilons = Budgets.MnistLinf, RandomStart = true },
            thesis: (d, _) => new PgdOptions { Norm = AttackNorm.Linf, Epsilons = Budgets.For(d, AttackNorm.Linf), RandomStart = true }, aliases: ["pgdlinf"]),
        Row<RandomFgsmOptions>("rfgsm", "R+FGSM", o => new RandomFgsm(o), "a random signed step, then FGSM with the rest of the budget",
            "Tramèr et al. 2018; Zantedeschi et al. 2017 §4.1", null, "none: one gradient per budget", budgeted: true,
            thesis: (d, _) => new RandomFgsmOptions { Epsilons = Budgets.For(d, AttackNorm.Linf) }, aliases: ["randomfgsm", "random+fgsm"]),
        Row<CarliniWagnerOptions>("cw", "C&W", o => new CarliniWagner(o), "C&W L2: Adam on tanh-space w, binary search on λ",
            "Carlini & Wagner 2017; thesis eqs. 2.18-2.19", "iterations", "Adam iterations per λ (gradients = binary steps × iterations)",
            minimumNorm: true, thesis: (d, p) => CarliniWagnerOptions.Thesis(d, p ?? "5x20"),
            aliases: ["cwl2", "c&w", "carliniwagner"], presetParameter: "schedule", presets: ["5x20", "1x100"]),
        Row<DdnOptions>("ddn", "DDN", o => new Ddn(o), "decoupled direction and norm, rounded each iteration",
            "Rony et al. 2019; thesis eq. 2.20", "iterations", "gradient evaluations", minimumNorm: true),
        Row<BoundaryProjectionOptions>("bp", "BP", o => new BoundaryProjection(o), "boundary projection: stage 1 to the boundary, stage 2 along it with Q_IN/Q_OUT",
            "Zhang 2021 (thesis) ch. 5, Algorithms 1-2", "iterations", "gradient evaluations", minimumNorm: true,
            aliases: ["boundaryprojection"]),
        Row<DeepFoolOptions>("deepfool", "DeepFool", o => new DeepFool(o), "linearise every class boundary, step to the nearest",
            "Moosavi-Dezfooli et al. 2016; thesis eq. 2.21", "max-iterations", "iterations at most (K gradients each)", minimumNorm: true),
        Row<JsmaOptions>("jsma", "JSMA", o => new Jsma(o), "L0: move the most salient pixel pair towards the runner-up class",
            "Papernot et al. 2016 (as in ART)", "max-iterations", "iterations at most (2 gradients each)"),
        Row<QuickPgdOptions>("qpgd2", "qPGD2", o => new QuickPgd(o), "PGD₂ stepping along the graph-Laplacian smoothed gradient n(ŝ_α(g)), per budget",
            "Zhang et al. 2019 (smooth adversarial examples); thesis eq. 4.8", "iterations", "gradient evaluations per budget", budgeted: true,
            thesis: (d, _) => new QuickPgdOptions { Epsilons = Budgets.For(d, AttackNorm.L2) }, aliases: ["qpgd"]),
        Row<SmoothCarliniWagnerOptions>("scw", "sC&W", o => new SmoothCarliniWagner(o), "C&W on a latent z with r = ŝ_α(z) smooth like x (graph Laplacian + CG)",
            "Zhang et al. 2019 (smooth adversarial examples); thesis eqs. 4.11-4.15", "iterations",
            "Adam iterations per c (gradients = binary steps × iterations)", minimumNorm: true,
            thesis: (d, _) => SmoothCarliniWagnerOptions.Thesis(d), aliases: ["smoothcw", "sc&w", "scwl2"]),
        Row<FmnOptions>("fmn-l2", "FMN-L2", o => new Fmn(o with { Norm = AttackNorm.L2 }), "fast minimum-norm: normalised steps in an adaptive L2 ball",
            "Pintor et al. 2021 (adversarial-library defaults)", "iterations", "gradient evaluations", minimumNorm: true,
            defaults: () => new FmnOptions { Norm = AttackNorm.L2 }, aliases: ["fmn", "fastminimumnorm"]),
        Row<FmnOptions>("fmn-linf", "FMN-L∞", o => new Fmn(o with { Norm = AttackNorm.Linf }), "fast minimum-norm in an adaptive L∞ ball",
            "Pintor et al. 2021 (adversarial-library defaults)", "iterations", "gradient evaluations",
            defaults: () => new FmnOptions { Norm = AttackNorm.Linf }, aliases: ["fmninf"]),
        Row<ApgdOptions>("apgd-ce", "APGD-CE", o => new Apgd(o with { Loss = LossKind.CrossEntropy }), "Auto-PGD on cross-entropy: step halving at checkpoints, momentum 0.75, per budget",
            "Croce & Hein 2020 (AutoAttack defaults)", "iterations", "iterations per budget and restart (+1 gradient at the start)", budgeted: true,
            defaults: () => new ApgdOptions { Loss = LossKind.CrossEntropy },
            thesis: (d, _) => new ApgdOptions { Loss = LossKind.CrossEntropy, Epsilons = Budgets.For(d, AttackNorm.Linf) }, aliases: ["apgd", "autopgd"]),
        Row<ApgdOptions>("apgd-dlr", "APGD-DLR", o => new Apgd(o with { Loss = LossKind.Dlr }), "Auto-PGD on the DLR loss (targeted: APGD-T with the targeted DLR)",
            "Croce & Hein 2020 (AutoAttack defaults)", "iterations", "iterations per budget and restart (+1 gradient at the start)", budgeted: true,
            defaults: () => new ApgdOptions { Loss = LossKind.Dlr },
            thesis: (d, _) => new ApgdOptions { Loss = LossKind.Dlr, Epsilons = Budgets.For(d, AttackNorm.Linf) }, aliases: ["apgdt"]),
        Row<SmoothFoolOptions>("smoothfool", "SmoothFool", o => new SmoothFool(o), "smooth L2: DeepFool's boundary, projection along w̃ = g∗w (Gaussian σ_g), SmoothClip",
            "Dabouei et al. 2020 (SmoothFool), Algorithms 1-2", "max-iterations", "SmoothFool iterations at most (each a DeepFool run + 2 gradients)",
            thesis: (d, _) => new SmoothFoolOptions { ClipStep = SmoothFoolOptions.ClipStepFor(d) }, aliases: ["sf"]),
        Row<ExpectationPgdOptions>("epgd", "EPGD", o => new ExpectationPgd(o with { Head = Defenses.ExpectationHead.MeanLogits }),
            "PGD on the loss of the mean logits over m noisy copies (a smoothed model's own noise, else σ, m)",
            "Nemcovsky et al. (seed 003) eq. 24", "iterations", "expected gradients per budget (m base gradients each)", budgeted: true,
            thesis: (d, _) => new ExpectationPgdOptions { Epsilons = Budgets.For(d, AttackNorm.L2) }, aliases: ["expectationpgd"]),
        Row<ExpectationPgdOptions>("salman", "Smooth-PGD", o => new ExpectationPgd(o with { Head = Defenses.ExpectationHead.MeanSoftmax }),
            "PGD on the cross-entropy of the mean softmax over m noisy copies (a smoothed model's own noise, else σ, m)",
            "Salman et al. 2019; seed 003 eq. 25", "iterations", "expected gradients per budget (m base gradients each)", budgeted: true,
            defaults: () => new ExpectationPgdOptions { Head = Defenses.ExpectationHead.MeanSoftmax },
            thesis: (d, _) => new ExpectationPgdOptions { Head = Defenses.ExpectationHead.MeanSoftmax, Epsilons = Budgets.For(d, AttackNorm.L2) },
            aliases: ["smoothpgd", "salman-pgd"]),
    ];

    /// <summary>Every canonical name, in table order.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. All.Select(a => a.Name)];

    /// <summary>The row of <paramref name="name"/> (or an alias), null when unknown.</summary>
    public static AttackInfo? Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string key = Key(name);
        return All.FirstOrDefault(a => Key(a.Name) == key || a.Aliases.Any(alias => Key(alias) == key));
    }

    /// <summary>The row of <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">An unknown name (the message lists the known ones).</exception>
    public static AttackInfo Get(string name) =>
        Find(name) ?? throw new ArgumentException($"unknown attack '{name}' (expected one of {string.Join(", ", Names)})", nameof(name));

    /// <summary>
    /// The attack <paramref name="name"/>: its thesis settings for <paramref name="dataset"/> (its
    /// defaults when null), then <paramref name="iterations"/> through the row's iteration option,
    /// then <paramref name="parameters"/> by option name (the row's preset parameter, e.g. cw's
    /// schedule=5x20|1x100, picks the preset first).
    /// </summary>
    /// <exception cref="ArgumentException">An unknown attack, dataset, preset or option, or a value that does not parse or validate.</exception>
    public static IAttack Create(string name, string? dataset, IReadOnlyDictionary<string, string>? parameters = null, int? iterations = null)
    {
        var info = Get(name);
        return info.Construct(Options(info, dataset, parameters, iterations));
    }

    /// <summary>The options <see cref="Create(string, string?, IReadOnlyDictionary{string, string}?, int?)"/> builds the attack with.</summary>
    public static AttackOptions Options(AttackInfo info, string? dataset, IReadOnlyDictionary<string, string>? parameters, int? iterations = null)
    {
        ArgumentNullException.ThrowIfNull(info);
        var rest = new Dictionary<string, string>(parameters ?? new Dictionary<string, string>(), StringComparer.OrdinalIgnoreCase);
        string? preset = null;
        if (info.PresetParameter is not null && rest.Remove(info.PresetParameter, out var p)) preset = p;
        foreach (var other in All.Select(a => a.PresetParameter).OfType<string>().Distinct())
            if (rest.ContainsKey(other))
                throw new ArgumentException($"option '{other}' is only for {string.Join(", ", All.Where(a => a.PresetParameter == other).Select(a => a.Name))}, not {info.Name}");
        if (preset is not null && dataset is null)
            throw new ArgumentException($"{info.PresetParameter}={preset} picks thesis settings and needs a dataset");
        AttackOptions options = dataset is null ? info.Defaults() : info.Thesis(Budgets.DatasetKind(dataset), preset);
        if (iterations is int k)
        {
            if (k < 1) throw new ArgumentException($"--iterations must be >= 1 (got {k})");
            if (info.IterationOption is not null)
                options = AttackOptionText.With(options, info.IterationOption, k.ToString(CultureInfo.InvariantCulture));
        }
        foreach (var (option, value) in rest) options = AttackOptionText.With(options, option, value);
        return options;
    }

    /// <summary>Builds <paramref name="info"/>'s attack from typed options (its defaults when null).</summary>
    /// <exception cref="ArgumentException">Options of another type, or invalid options.</exception>
    public static IAttack Create(AttackInfo info, AttackOptions? options)
    {
        ArgumentNullException.ThrowIfNull(info);
        options ??= info.Defaults();
        if (!info.OptionsType.IsInstanceOfType(options))
            throw new ArgumentException($"attack '{info.Name}' takes {info.OptionsType.Name}, not {options.GetType().Name}", nameof(options));
        return info.Construct(options);
    }

    private static string Key(string name) =>
        name.Trim().ToLowerInvariant().Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal);

    private static AttackInfo Row<TOptions>(string name, string display, Func<TOptions, IAttack> construct, string summary, string paper,
                                            string? iterationOption, string iterationMeaning, bool budgeted = false, bool minimumNorm = false,
                                            Func<TOptions>? defaults = null,
                                            Func<string, string?, TOptions>? thesis = null, string[]? aliases = null,
                                            string? presetParameter = null, string[]? presets = null)
        where TOptions : AttackOptions, new()
    {
        Func<TOptions> make = defaults ?? (() => new TOptions());
        var sample = construct(make()); // the attack itself says which criteria it takes
        return new AttackInfo
        {
            Name = name, Display = display, Aliases = aliases ?? [], OptionsType = typeof(TOptions), Summary = summary, Paper = paper,
            IterationOption = iterationOption, IterationMeaning = iterationMeaning, Budgeted = budgeted, MinimumNorm = minimumNorm,
            SupportsTargeted = sample.SupportsTargeted, SupportsMargin = sample.SupportsMargin, PresetParameter = presetParameter, Presets = presets ?? [],
            Defaults = make,
            Thesis = (dataset, preset) =>
            {
                if (preset is not null && presetParameter is null) throw new ArgumentException($"attack '{name}' has no presets");
                return thesis is null ? make() : thesis(dataset, preset);
            },
            Construct = o => o is TOptions typed
                ? construct(typed)
                : throw new ArgumentException($"attack '{name}' takes {typeof(TOptions).Name}, not {o.GetType().Name}", nameof(o)),
        };
    }
}
