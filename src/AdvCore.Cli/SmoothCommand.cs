using System.CommandLine;
using System.Globalization;
using AdvCore.Attacks;
using AdvCore.Data;
using AdvCore.Defenses;
using AdvCore.Models;

namespace AdvCore.Cli;

/// <summary><c>advcore smooth eval</c>: clean and attacked accuracy of a randomized-smoothing classifier (seed 003).</summary>
internal static class SmoothCommand
{
    public static Command Create()
    {
        var model = CommonOptions.ModelFile();
        var dataset = new Option<string>("--dataset") { Description = "mnist, fashion-mnist or cifar10", DefaultValueFactory = _ => "mnist" };
        var sigma = new Option<float>("--sigma") { Description = "Noise σ of the copies", DefaultValueFactory = _ => 0.25f };
        var samples = new Option<int>("--samples") { Description = "Noisy copies m per image", DefaultValueFactory = _ => 32 };
        var vote = new Option<string>("--vote") { Description = "prediction, soft or weighted", DefaultValueFactory = _ => "prediction" };
        var attack = new Option<string?>("--attack") { Description = "Also attack the smoothed model: epgd, salman, pgd2, … (registry name)" };
        var epsilon = new Option<float>("--epsilon") { Description = "L2 budget of the attack", DefaultValueFactory = _ => 1.5f };
        var iterations = new Option<int>("--iterations") { Description = "Attack iterations", DefaultValueFactory = _ => 10 };
        var count = new Option<int>("--count") { Description = "First N test images", DefaultValueFactory = _ => 500 };
        var batch = new Option<int>("--batch") { Description = "Images per batch", DefaultValueFactory = _ => 100 };
        var seed = new Option<ulong>("--seed") { Description = "Noise stream seed", DefaultValueFactory = _ => 0UL };
        var data = CommonOptions.Data();
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();
        var eval = new Command("eval", "Clean (and attacked) accuracy of the smoothed classifier");
        foreach (var o in new Option[] { model, dataset, sigma, samples, vote, attack, epsilon, iterations, count, batch, seed, data, device, threads }) eval.Options.Add(o);
        eval.SetAction(parse =>
        {
            var options = new SmoothingOptions
            {
                Sigma = parse.GetValue(sigma), Samples = parse.GetValue(samples), Vote = SmoothingOptions.ParseVote(parse.GetValue(vote)!),
                Seed = parse.GetValue(seed),
            };
            options.Validate();
            int n = parse.GetValue(count), b = parse.GetValue(batch);
            CommonOptions.Check(n >= 1 && b >= 1, "--count and --batch must be >= 1");
            using var context = CommonOptions.CreateContext(parse.GetValue(device)!, parse.GetValue(threads));
            using var loaded = ModelFile.Load(parse.GetValue(model)!, context);
            string name = DatasetCatalog.Normalize(parse.GetValue(dataset)!);
            var test = DatasetCatalog.Load(name, DatasetSplit.Test, parse.GetValue(data));
            test = test.Take(0, Math.Min(n, test.Count));
            IAttack? chosen = parse.GetValue(attack) is { } a
                ? AttackRegistry.Create(a, name, new Dictionary<string, string> { ["epsilons"] = parse.GetValue(epsilon).ToString(CultureInfo.InvariantCulture) }, parse.GetValue(iterations))
                : null;
            var r = SmoothedEvaluation.Run(new NetworkClassifier(loaded.Network), test, options, chosen, b);
            string attacked = chosen is null ? "" : FormattableString.Invariant($", under {chosen.Name} ε {parse.GetValue(epsilon)} × {parse.GetValue(iterations)}: {r.Attacked:F4}");
            Console.WriteLine(FormattableString.Invariant(
                $"smoothed {loaded.Architecture.Name} on {name} ({r.Count} images, σ {options.Sigma}, m {options.Samples}, {options.Vote}): clean accuracy {r.Clean:F4}{attacked} ({r.Seconds:F1} s)"));
            return 0;
        });
        var command = new Command("smooth", "Randomized smoothing (seed 003): smoothed inference and attacks on it");
        command.Subcommands.Add(eval);
        return command;
    }
}

/// <summary>Clean and attacked accuracy of one smoothed classifier over a test slice.</summary>
internal static class SmoothedEvaluation
{
    internal readonly record struct Result(int Count, double Clean, double? Attacked, double Seconds);

    internal static Result Run(IClassifier net, LabeledImages test, SmoothingOptions options, IAttack? attack, int batch)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var smoothed = new SmoothedClassifier(net, options);
        int clean = 0, robust = 0;
        for (int start = 0; start < test.Count; start += batch)
        {
            var slice = test.Take(start, Math.Min(batch, test.Count - start));
            int[] labels = slice.Labels.ToArray();
            using var x = Tensor.FromArray(net.Context, slice.Pixels.ToArray(), [slice.Count, .. slice.Shape.Select(v => (long)v)]);
            int[] p = smoothed.Predict(x);
            clean += p.Zip(labels).Count(t => t.First == t.Second);
            if (attack is null) continue;
            // Attacked accuracy: the share of all images the attack does not make misclassified
            // (the harness's fresh smoothed prediction on the returned image decides).
            var result = attack.Run(smoothed, x, labels);
            robust += result.Success.Count(s => !s);
            result.Adversarials.Dispose();
            result.Raw.Dispose();
        }
        return new Result(test.Count, (double)clean / test.Count, attack is null ? null : (double)robust / test.Count, clock.Elapsed.TotalSeconds);
    }
}
