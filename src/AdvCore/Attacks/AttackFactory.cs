namespace AdvCore.Attacks;

/// <summary>
/// Creates attacks by name; a thin view of <see cref="AttackRegistry"/>, which holds the only
/// list of attacks. Options may be given as a typed record, or as name=value pairs applied on top
/// of the defaults (or of the thesis settings for a dataset).
/// </summary>
public static class AttackFactory
{
    /// <summary>Every name <see cref="Create(string, AttackOptions?)"/> accepts (the registry's).</summary>
    public static IReadOnlyList<string> Names => AttackRegistry.Names;

    /// <summary>
    /// The attack called <paramref name="name"/> with <paramref name="options"/> (its defaults when
    /// null). The options' type must match the attack (e.g. <see cref="PgdOptions"/> for pgd2).
    /// </summary>
    /// <exception cref="ArgumentException">An unknown name, options of the wrong type, or invalid options.</exception>
    public static IAttack Create(string name, AttackOptions? options = null) => AttackRegistry.Create(AttackRegistry.Get(name), options);

    /// <summary>
    /// The attack called <paramref name="name"/> with the thesis settings for <paramref name="dataset"/>
    /// and then <paramref name="parameters"/> applied by option name,
    /// e.g. {"iterations": "100", "epsilons": "0.1,0.2", "quantize": "false"}.
    /// </summary>
    /// <exception cref="ArgumentException">An unknown name, dataset or option, or a value that does not parse or validate.</exception>
    public static IAttack Create(string name, string? dataset, IReadOnlyDictionary<string, string>? parameters) =>
        AttackRegistry.Create(name, dataset, parameters);

    /// <summary>The default options of an attack.</summary>
    public static AttackOptions DefaultOptions(string name) => AttackRegistry.Get(name).Defaults();

    /// <summary>The thesis settings (§5.3.1) of an attack for a dataset (mnist, fashion-mnist, cifar10).</summary>
    public static AttackOptions ThesisOptions(string name, string dataset) =>
        AttackRegistry.Get(name).Thesis(Budgets.DatasetKind(dataset), null);
}
