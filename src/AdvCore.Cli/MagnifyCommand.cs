using System.CommandLine;
using System.Globalization;
using AdvCore.Attacks;
using AdvCore.Data;
using AdvCore.Evaluation;
using AdvCore.Models;

namespace AdvCore.Cli;

/// <summary>
/// <c>advcore magnify</c>: attacks the first test images with one or more registry attacks (as
/// <c>attack</c> does: thesis settings, then --iterations and --param) and writes a PNG grid that
/// shows what adversarial magnification (thesis §4.5, eq. 4.16) reveals — rows original,
/// adversarial, perturbation, mag(original), mag(adversarial); one block of columns per attack.
/// Bad options (anything decided before the model and data are read, and a slice beyond the test
/// set) exit with 2 and one line; a failure later (a file, the device) with 1.
/// </summary>
internal static class MagnifyCommand
{
    /// <summary>Most columns per attack: beyond this a grid is no longer a picture one reads.</summary>
    public const int MaxCount = 64;

    public static Command Create()
    {
        var model = CommonOptions.ModelFile();
        var dataset = new Option<string>("--dataset") { Description = "mnist, fashion-mnist or cifar10", DefaultValueFactory = _ => "mnist" };
        var attacks = new Option<string>("--attacks", "--attack")
        {
            Description = $"Attack, or several separated by commas (one block of columns each): {AttacksCommand.Names}",
            Required = true,
        };
        var count = new Option<int>("--count") { Description = $"Attack the first N test images from --start (one column each, at most {MaxCount})", DefaultValueFactory = _ => 8 };
        var start = new Option<int>("--start", "--first") { Description = "Index of the first test image", DefaultValueFactory = _ => 0 };
        var iterations = new Option<int?>("--iterations") { Description = "The attacks' iteration count (advcore attacks says what it means for each). Default: the thesis setting" };
        var parameters = new Option<string[]>("--param")
        {
            Description = "Attack option key=value for every listed attack, or ATTACK:key=value for one (repeatable), e.g. cw:schedule=1x100",
            AllowMultipleArgumentsPerToken = false,
        };
        var noQuantize = new Option<bool>("--no-quantize") { Description = "Real-valued adversarial images instead of the 8-bit grid" };
        var batch = CommonOptions.AttackBatch();
        var defaults = new MagnificationOptions();
        var beta = new Option<double>("--beta") { Description = "β of eq. 4.16: weight of the local standard deviation against the global one, in [0,1]", DefaultValueFactory = _ => defaults.Beta };
        var sigmaDomain = new Option<double>("--sigma-domain") { Description = "Domain-kernel σ of the bilateral filters, in pixels", DefaultValueFactory = _ => defaults.SigmaDomain };
        var sigmaRange = new Option<double>("--sigma-range") { Description = "Range-kernel σ of the bilateral filters, in 8-bit grey levels (0-255)", DefaultValueFactory = _ => defaults.SigmaRange };
        var radius = new Option<int?>("--radius") { Description = "Filter window radius in pixels (default ⌈3·sigma-domain⌉)" };
        var border = new Option<string>("--border") { Description = "Filter border: clip (renormalise over the pixels inside) or reflect", DefaultValueFactory = _ => "clip" };
        var displayRange = new Option<double>("--display-range") { Description = "Magnified values in [-R, R] are drawn black to white", DefaultValueFactory = _ => defaults.DisplayRange };
        var scale = new Option<int>("--scale") { Description = "Pixel enlargement in the PNG, 1-64", DefaultValueFactory = _ => 4 };
        var output = CommonOptions.Required<string>("--out", "PNG grid to write");
        var data = CommonOptions.Data();
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();

        var command = new Command("magnify", "Attack the first test images and write a PNG grid of originals, adversarials and their adversarial magnification (thesis §4.5)");
        foreach (var o in new Option[] { model, dataset, attacks, count, start, iterations, parameters, noQuantize, batch, beta, sigmaDomain, sigmaRange, radius, border,
                                         displayRange, scale, output, data, device, threads })
            command.Options.Add(o);

        command.SetAction(parse =>
        {
            // Phase 1: everything the options decide, so a bad one costs nothing and exits with 2.
            string datasetName = "";
            int n = 0, first = 0, enlarge = 0, batchSize = 0;
            var built = new List<IAttack>();
            var magnification = defaults;
            if (Usage(() =>
            {
                datasetName = DatasetCatalog.Normalize(parse.GetValue(dataset)!);
                n = parse.GetValue(count);
                first = parse.GetValue(start);
                enlarge = parse.GetValue(scale);
                batchSize = parse.GetValue(batch);
                CommonOptions.Check(n is >= 1 and <= MaxCount, $"--count must be in [1, {MaxCount}] (got {n})");
                CommonOptions.Check(first >= 0, $"--start must be >= 0 (got {first})");
                CommonOptions.Check(enlarge is >= 1 and <= 64, $"--scale must be in [1, 64] (got {enlarge})");
                CommonOptions.Check(batchSize >= 1, $"--batch must be >= 1 (got {batchSize})");
                magnification = new MagnificationOptions
                {
                    Beta = parse.GetValue(beta),
                    SigmaDomain = parse.GetValue(sigmaDomain),
                    SigmaRange = parse.GetValue(sigmaRange),
                    Radius = parse.GetValue(radius),
                    Border = ParseBorder(parse.GetValue(border)!),
                    DisplayRange = parse.GetValue(displayRange),
                };
                Prefix("--beta / --sigma-domain / --sigma-range / --radius / --display-range", magnification.Validate);
                var names = ParseAttacks(parse.GetValue(attacks)!);
                var scoped = ScopedParameters(parse.GetValue(parameters), names);
                foreach (string name in names)
                    built.Add(AttackSetup.Build(name, datasetName, parse.GetValue(iterations), !parse.GetValue(noQuantize), scoped[name]));
            }) is int code) return code;

            string modelPath = parse.GetValue(model)!, outPath = parse.GetValue(output)!;
            OutputPaths.ProbeFiles(("--out", outPath));
            using var context = CommonOptions.CreateContext(parse.GetValue(device)!, parse.GetValue(threads));
            using var loaded = ModelFile.Load(modelPath, context);
            var test = DatasetCatalog.Load(datasetName, DatasetSplit.Test, parse.GetValue(data), log: new Progress<string>(Console.WriteLine));
            LabeledImages slice = null!;
            if (Usage(() => slice = AttackSetup.Slice(test, first, n)) is int sliceCode) return sliceCode;
            var classifier = new NetworkClassifier(loaded.Network);
            AttackSetup.CheckShape(classifier, slice, modelPath);
            Console.WriteLine($"magnify: {string.Join(", ", built.Select(a => a.Name))} against {loaded.Architecture.Name} on {datasetName} test images {first}..{first + n - 1}");

            var blocks = new List<MagnifiedGridBlock>();
            foreach (var attack in built)
            {
                var run = AttackSetup.Run(classifier, attack, slice, first, batchSize, datasetName, Path.GetFileName(modelPath), null, n, $"{attack.Name} {attack.Iterations}");
                Console.WriteLine($"{run.Record.Label}: {AttackSetup.Summary(run.Record)}");
                if (run.Examples.Count == 0) continue;
                Console.WriteLine($"  {Energies(run.Examples, slice.Shape, magnification)}");
                blocks.Add(new MagnifiedGridBlock(run.Record.Label, run.Examples));
            }
            if (blocks.Count == 0)
                throw new InvalidOperationException($"the model misclassifies all {n} images from {first}: nothing was attacked, {outPath} not written");
            AttackSetup.EnsureFolder(outPath);
            MagnifiedGrid.Save(outPath, blocks, slice.Shape, magnification, enlarge);
            Console.WriteLine($"wrote {outPath} ({blocks.Sum(b => b.Examples.Count)} columns in {blocks.Count} block(s); rows {string.Join(" / ", MagnifiedGrid.RowNames)})");
            return 0;
        });
        return command;
    }

    /// <summary>Runs <paramref name="step"/>; an ArgumentException becomes one line on stderr and exit code 2.</summary>
    private static int? Usage(Action step)
    {
        try
        {
            step();
            return null;
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"advcore: {CliErrors.Describe(e)}");
            return 2;
        }
    }

    private static void Prefix(string options, Action validate)
    {
        try
        {
            validate();
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{options}: {CliErrors.Describe(e)}", e);
        }
    }

    private static FilterBorder ParseBorder(string value) => value.Trim().ToLowerInvariant() switch
    {
        "clip" => FilterBorder.Clip,
        "reflect" => FilterBorder.Reflect,
        _ => throw new ArgumentException($"--border must be clip or reflect (got '{value}')"),
    };

    /// <summary>The canonical names of a comma-separated list (registry errors list the known ones).</summary>
    internal static IReadOnlyList<string> ParseAttacks(string list)
    {
        var names = list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                        .Select(a => AttackRegistry.Get(a).Name).ToList();
        if (names.Count == 0) throw new ArgumentException("--attacks needs at least one attack name");
        if (names.Distinct().Count() != names.Count) throw new ArgumentException($"--attacks names an attack twice ({list})");
        return names;
    }

    /// <summary>--param values per attack: key=value goes to every attack, ATTACK:key=value to that one.</summary>
    private static Dictionary<string, Dictionary<string, string>> ScopedParameters(string[]? pairs, IReadOnlyList<string> names)
    {
        var result = names.ToDictionary(n => n, _ => new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase));
        foreach (string pair in pairs ?? [])
        {
            int eq = pair.IndexOf('=', StringComparison.Ordinal), colon = pair.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && (eq < 0 || colon < eq))
            {
                string name = AttackRegistry.Get(pair[..colon].Trim()).Name;
                if (!result.TryGetValue(name, out var own))
                    throw new ArgumentException($"--param {pair}: {name} is not one of --attacks ({string.Join(", ", names)})");
                foreach (var (k, v) in AttackSetup.ParseParameters([pair[(colon + 1)..]])) own[k] = v;
            }
            else
                foreach (var (k, v) in AttackSetup.ParseParameters([pair]))
                    foreach (var own in result.Values) own[k] = v;
        }
        return result;
    }

    /// <summary>Mean over the examples of the mean square of mag(x) and mag(y) per pixel: how much the magnification lights up.</summary>
    private static string Energies(IReadOnlyList<AdversarialExample> examples, IReadOnlyList<int> shape, MagnificationOptions options)
    {
        int d = shape.Aggregate(1, (a, b) => a * b), m = examples.Count;
        var batch = new float[2 * m * d];
        for (int i = 0; i < m; i++)
        {
            examples[i].Original.CopyTo(batch, i * d);
            examples[i].Adversarial.CopyTo(batch, (m + i) * d);
        }
        var mag = AdversarialMagnification.Magnify(batch, [2 * m, .. shape], options);
        double original = 0, adversarial = 0;
        for (int j = 0; j < m * d; j++)
        {
            original += (double)mag[j] * mag[j];
            adversarial += (double)mag[m * d + j] * mag[m * d + j];
        }
        return string.Create(CultureInfo.InvariantCulture,
            $"mean mag² per pixel over {m} images: original {original / (m * d):F4}, adversarial {adversarial / (m * d):F4}");
    }
}
