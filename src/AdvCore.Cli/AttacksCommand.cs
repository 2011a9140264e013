using System.CommandLine;
using System.Text;
using AdvCore.Attacks;

namespace AdvCore.Cli;

/// <summary><c>advcore attacks</c>: the registry — every attack, what it does, its paper, its options and defaults.</summary>
internal static class AttacksCommand
{
    public static Command Create()
    {
        var verbose = new Option<bool>("--options") { Description = "Also list every option with its default" };
        var command = new Command("attacks", "List the attacks (the registry): names, papers, what --iterations means, criteria, options");
        command.Options.Add(verbose);
        command.SetAction(parse =>
        {
            Console.Write(Render(parse.GetValue(verbose)));
            return 0;
        });
        return command;
    }

    /// <summary>The listing, one block per registry row.</summary>
    internal static string Render(bool options)
    {
        var text = new StringBuilder();
        foreach (var a in AttackRegistry.All)
        {
            var kinds = new List<string>();
            if (a.Budgeted) kinds.Add("budgeted");
            if (a.MinimumNorm) kinds.Add("minimum-norm");
            if (a.SupportsTargeted) kinds.Add("targeted");
            if (a.SupportsMargin) kinds.Add("margin");
            text.AppendLine($"{a.Name,-10} {a.Display}: {a.Summary}");
            text.AppendLine($"{"",-10} {a.Paper}; --iterations: {(a.IterationOption is null ? "not used" : $"{a.IterationOption} ({a.IterationMeaning})")}; {string.Join(", ", kinds.DefaultIfEmpty("untargeted only"))}");
            if (a.Aliases.Count > 0) text.AppendLine($"{"",-10} also: {string.Join(", ", a.Aliases)}");
            if (a.PresetParameter is not null) text.AppendLine($"{"",-10} --param {a.PresetParameter}={string.Join("|", a.Presets)} (thesis presets)");
            if (!options) continue;
            var defaults = a.Defaults();
            foreach (var p in AttackOptionText.Properties(a.OptionsType))
                text.AppendLine($"{"",-12} --param {AttackOptionText.CliName(p)}=  (default {AttackOptionText.Format(p.GetValue(defaults))})");
        }
        return text.ToString();
    }

    /// <summary>
    /// The block <c>attack --help</c> shows: per attack, the iteration count of the thesis settings
    /// (§5.3.1) on MNIST and on CIFAR-10 (what --iterations replaces; "—" for single-step attacks),
    /// and the keys --param takes (the options record's names, kebab-case).
    /// </summary>
    internal static string HelpTable()
    {
        var text = new StringBuilder();
        text.AppendLine("Attacks (--attack NAME): thesis iterations on mnist / cifar10 (--iterations replaces them), then the --param keys:");
        foreach (var a in AttackRegistry.All)
        {
            string iterations = a.IterationOption is null ? "—" : $"{ThesisIterations(a, "mnist")} / {ThesisIterations(a, "cifar10")}";
            var keys = AttackOptionText.Properties(a.OptionsType).Select(AttackOptionText.CliName).ToList();
            if (a.PresetParameter is not null) keys.Insert(0, $"{a.PresetParameter}={string.Join("|", a.Presets)}");
            text.AppendLine($"  {a.Name,-10} {iterations,-11} {string.Join(", ", keys)}");
        }
        return text.ToString().TrimEnd();
    }

    // The value of the row's iteration option in the thesis settings for a dataset.
    private static string ThesisIterations(AttackInfo a, string dataset)
    {
        var options = AttackOptionText.Describe(AttackRegistry.Options(a, dataset, null));
        // An empty value is an option whose default is derived from the image (jsma: ⌈γ·d/2⌉·⌈1/|θ|⌉).
        return options.TryGetValue(a.IterationOption!.Replace('-', '_'), out var value) ? (value.Length == 0 ? "auto" : value) : "?";
    }

    /// <summary>One line for --attack's help: every name.</summary>
    internal static string Names => string.Join(", ", AttackRegistry.Names);
}
