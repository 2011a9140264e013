using System.Globalization;
using AdvCore.Attacks;
using AdvCore.Nn;

namespace AdvCore.Training;

/// <summary>
/// Adversarial training (Goodfellow et al. 2015; Madry et al. 2018; seed 003 eq. 23): for every
/// batch, a registry attack on the network being trained replaces the batch's first
/// ⌊ratio·n⌉ rows (the batch is shuffled) with adversarial examples. Budgeted attacks (FGSM, PGD,
/// EPGD, …) take one budget and return their last iterate for every image — the strongest point
/// of the ball, as Madry trains — by running under an unreachable margin; minimum-norm attacks
/// (DDN, BP, …) return their least-distorted success as usual. The attack's seed moves with the
/// step, so random starts differ per batch and a resumed epoch draws the same ones.
/// </summary>
internal sealed class AdversarialBatches : IDisposable
{
    // No logit gap reaches this: every image "fails" and returns the attack's last iterate.
    private const float Unreachable = float.MaxValue;

    private readonly AttackInfo _info;
    private readonly AttackOptions _options;
    private readonly float _ratio;
    private Tensor? _rows;

    private AdversarialBatches(AttackInfo info, AttackOptions options, float ratio)
    {
        _info = info;
        _options = options;
        _ratio = ratio;
    }

    /// <summary>
    /// The attack of <paramref name="options"/> with the presets of <paramref name="dataset"/>'s kind
    /// (the attack's defaults for other data), or null when adversarial training is off.
    /// </summary>
    /// <exception cref="ArgumentException">An unknown attack, a bad parameter, or a budgeted attack with other than one budget.</exception>
    public static AdversarialBatches? Create(TrainingOptions options, string dataset)
    {
        if (options.Adversary is not { } name) return null;
        var info = AttackRegistry.Get(name);
        var attackOptions = AttackRegistry.Options(info, Budgets.TryDatasetKind(dataset), Parse(options.AdversaryParameters), options.AdversaryIterations);
        if (info.Budgeted && attackOptions.GetType().GetProperty("Epsilons")?.GetValue(attackOptions) is IReadOnlyList<float> { Count: not 1 } budgets)
            throw new ArgumentException($"adversarial training with {info.Name} needs one budget (got {budgets.Count}: " +
                                        $"{string.Join(", ", budgets.Select(b => b.ToString(CultureInfo.InvariantCulture)))}); give it as epsilons=E");
        if (info.Budgeted && !info.Construct(attackOptions).SupportsMargin)
            throw new ArgumentException($"adversarial training with {info.Name}: the attack cannot return its last iterate (no margin support)");
        return new AdversarialBatches(info, attackOptions, options.AdversaryRatio);
    }

    /// <summary>The attack's registry name.</summary>
    public string Name => _info.Name;

    /// <summary>Adversarial rows of a batch of <paramref name="n"/> images (at least one).</summary>
    public int RowsOf(int n) => Math.Clamp((int)Math.Round(_ratio * n, MidpointRounding.AwayFromZero), 1, n);

    /// <summary>Replaces rows [0, <paramref name="rows"/>) of <paramref name="x"/> by the attack's images against <paramref name="network"/>.</summary>
    public void Replace(Network network, Tensor x, int[] labels, int rows, long step)
    {
        long[] shape = x.ShapeArray();
        shape[0] = rows;
        if (_rows is null || !_rows.HasShape(shape))
        {
            _rows?.Dispose();
            _rows = Tensor.Zeros(network.Context, shape);
        }
        _rows.CopySamples(0, x, 0, rows);
        var attack = _info.Construct(_options with { Seed = _options.Seed + (ulong)step * 0x9E3779B97F4A7C15UL });
        var criterion = Criterion.Misclassification(labels[..rows], _info.Budgeted ? Unreachable : 0f);
        using var result = attack.Run(new NetworkClassifier(network), _rows, criterion);
        x.CopySamples(0, result.Adversarials, 0, rows);
    }

    // "name=value;name=value" (the CLI's --adversary-options).
    internal static Dictionary<string, string> Parse(string text)
    {
        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string pair in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0) throw new ArgumentException($"adversary option '{pair}' is not name=value");
            parameters[pair[..eq].Trim()] = pair[(eq + 1)..].Trim();
        }
        return parameters;
    }

    public void Dispose() => _rows?.Dispose();
}
