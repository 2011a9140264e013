using System.CommandLine;
using System.Globalization;
using System.Reflection;
using AdvCore.Evaluation;

namespace AdvCore.Cli;

/// <summary>
/// The command line being run, so every JSON result can say how it was made: the command and
/// every one of its options with the value it had (defaults included) go into the record's
/// <see cref="RunProvenance"/> beside the version, device, threads and seed the library fills in.
/// </summary>
internal static class Invocation
{
    // Async-local rather than static: tests run several command lines in one process.
    private static readonly AsyncLocal<ParseResult?> Current = new();

    private static readonly MethodInfo GetValue = typeof(ParseResult).GetMethods()
        .Single(m => m.Name == nameof(ParseResult.GetValue) && m.IsGenericMethodDefinition
                     && m.GetParameters() is [{ ParameterType: { IsGenericType: true } t }] && t.GetGenericTypeDefinition() == typeof(Option<>));

    private static readonly MethodInfo GetArgument = typeof(ParseResult).GetMethods()
        .Single(m => m.Name == nameof(ParseResult.GetValue) && m.IsGenericMethodDefinition
                     && m.GetParameters() is [{ ParameterType: { IsGenericType: true } t }] && t.GetGenericTypeDefinition() == typeof(Argument<>));

    /// <summary>Sets the command line of this invocation (CommandLine.Run does, before running the action).</summary>
    public static void Set(ParseResult parse) => Current.Value = parse;

    /// <summary>"advcore attack", or null outside a command line.</summary>
    public static string? CommandName
    {
        get
        {
            var parse = Current.Value;
            if (parse is null) return null;
            var names = new List<string>();
            for (var r = parse.CommandResult; r is not null; r = r.Parent as System.CommandLine.Parsing.CommandResult)
                names.Add(r.Parent is null ? "advcore" : r.Command.Name);
            names.Reverse();
            return string.Join(' ', names);
        }
    }

    /// <summary>Every option and argument of the running command with its value as text (defaults included).</summary>
    public static IReadOnlyDictionary<string, string> Settings()
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var parse = Current.Value;
        if (parse is null) return result;
        var command = parse.CommandResult.Command;
        foreach (var option in command.Options)
        {
            if (option is System.CommandLine.Help.HelpOption or VersionOption) continue;
            result[option.Name.TrimStart('-')] = Text(GetValue.MakeGenericMethod(option.ValueType).Invoke(parse, [option]));
        }
        foreach (var argument in command.Arguments)
            result[argument.Name] = Text(GetArgument.MakeGenericMethod(argument.ValueType).Invoke(parse, [argument]));
        return result;
    }

    /// <summary><paramref name="run"/> with this command line's name and settings (unchanged outside a command line).</summary>
    public static RunProvenance? Stamp(RunProvenance? run) =>
        run is null || Current.Value is null ? run : run with { Command = CommandName, Settings = Settings() };

    private static string Text(object? value) => value switch
    {
        null => "",
        string s => s,
        bool b => b ? "true" : "false",
        System.Collections.IEnumerable list => string.Join(",", list.Cast<object?>().Select(Text)),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
