namespace AdvCore.Defenses;

/// <summary>
/// The voting functions of seed 003 §3 in float64 on the host, over the logits of noisy copies
/// laid out copy-major (row j·b + r is copy j of image r). Logits are K floats per copy, a small
/// fraction of the input, so they come back and are voted on here; ties break towards the lowest
/// class everywhere (the first maximiser), so a seed gives one answer.
/// </summary>
internal static class Votes
{
    /// <summary>Adds each copy's vote (eq. 10, 11-12 or 13) to scores [b·K] (not divided by m).</summary>
    internal static void Accumulate(ReadOnlySpan<float> logits, int copies, int images, int classes, SmoothingVote vote,
                                    IReadOnlyList<double> rankWeights, Span<double> scores)
    {
        Span<double> p = stackalloc double[classes];
        Span<int> order = stackalloc int[classes];
        for (int j = 0; j < copies; j++)
            for (int r = 0; r < images; r++)
            {
                var z = logits.Slice((j * images + r) * classes, classes);
                var s = scores.Slice(r * classes, classes);
                switch (vote)
                {
                    case SmoothingVote.Prediction:
                        s[ArgMax(z)] += 1;
                        break;
                    case SmoothingVote.Soft:
                        Softmax(z, p);
                        for (int c = 0; c < classes; c++) s[c] += p[c];
                        break;
                    default:
                        Ranks(z, order);
                        for (int rank = 0; rank < Math.Min(rankWeights.Count, classes); rank++) s[order[rank]] += rankWeights[rank];
                        break;
                }
            }
    }

    /// <summary>The first maximiser of a row (lowest class on ties; NaN never wins).</summary>
    internal static int ArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int c = 1; c < row.Length; c++) if (row[c] > row[best]) best = c;
        return best;
    }

    /// <summary>The first maximiser of a row of scores.</summary>
    internal static int ArgMax(ReadOnlySpan<double> row)
    {
        int best = 0;
        for (int c = 1; c < row.Length; c++) if (row[c] > row[best]) best = c;
        return best;
    }

    /// <summary>softmax(z) in float64, shifted by the maximum.</summary>
    internal static void Softmax(ReadOnlySpan<float> z, Span<double> p)
    {
        double max = double.NegativeInfinity;
        foreach (float v in z) max = Math.Max(max, v);
        double sum = 0;
        for (int c = 0; c < z.Length; c++) sum += p[c] = Math.Exp(z[c] - max);
        for (int c = 0; c < z.Length; c++) p[c] /= sum;
    }

    // Classes by decreasing logit; equal logits keep class order (a stable sort).
    private static void Ranks(ReadOnlySpan<float> z, Span<int> order)
    {
        for (int c = 0; c < order.Length; c++) order[c] = c;
        for (int a = 1; a < order.Length; a++)
        {
            int c = order[a], b = a - 1;
            while (b >= 0 && z[order[b]] < z[c]) { order[b + 1] = order[b]; b--; }
            order[b + 1] = c;
        }
    }
}
