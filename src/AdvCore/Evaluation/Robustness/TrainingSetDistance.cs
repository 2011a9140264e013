namespace AdvCore.Evaluation;

/// <summary>
/// Exact nearest-neighbour L2 distance from query images to a training set (seed 002's
/// "training set distance"). Squared distances are screened with ‖a‖² − 2aᵀb + ‖b‖²: the products
/// aᵀb are one engine GEMM (<see cref="Ops.LinearForward"/>, float32) per tile of training rows and
/// block of queries, the squared norms are float64. A float32 dot product of D terms is off by at
/// most γ·‖a‖‖b‖ (γ = (D+1)u/(1 − (D+1)u), u = 2⁻²⁴, any summation order), so every training row
/// whose screened value lies within 4γ·‖a‖·max‖b‖ of the best one is kept as a candidate, and the
/// candidates' distances are then recomputed directly in float64: the neighbour returned is the
/// true nearest (ties: the lowest index) and its distance is exact. Memory stays bounded by one tile
/// of training rows, the queries and one [block × tile] product.
/// </summary>
public static class TrainingSetDistance
{
    /// <summary>Training rows per GEMM tile.</summary>
    public const int TileRows = 4096;

    /// <summary>Query rows per GEMM.</summary>
    public const int QueryRows = 256;

    /// <summary>
    /// For each of the <paramref name="queries"/> rows (D = <paramref name="dimension"/> values
    /// each): the index of its nearest row of <paramref name="train"/> and the L2 distance to it.
    /// </summary>
    /// <exception cref="ShapeMismatchException">A length that is not a multiple of D, or an empty training set.</exception>
    public static (double[] Distance, int[] Index) Nearest(Context context, ReadOnlySpan<float> queries, ReadOnlyMemory<float> train, int dimension)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (dimension < 1 || queries.Length % dimension != 0 || train.Length % dimension != 0 || train.Length == 0)
            throw new ShapeMismatchException($"{queries.Length} query and {train.Length} training values are not non-empty rows of {dimension}");
        int q = queries.Length / dimension, m = train.Length / dimension;
        var all = train.Span;
        double[] trainNorms = SquaredNorms(all, dimension), queryNorms = SquaredNorms(queries, dimension);
        double u = Math.Pow(2, -24), gamma = (dimension + 1) * u / (1 - (dimension + 1) * u);
        double maxTrain = Math.Sqrt(trainNorms.Max());
        var slack = queryNorms.Select(a => 4 * gamma * Math.Sqrt(a) * maxTrain).ToArray();
        var best = new double[q];
        Array.Fill(best, double.PositiveInfinity);
        var candidates = Enumerable.Range(0, q).Select(_ => new List<(double D2, int Index)>()).ToArray();
        var blocks = new List<Tensor>();
        try
        {
            for (int q0 = 0; q0 < q; q0 += QueryRows)
                blocks.Add(Tensor.FromSpan(context, queries.Slice(q0 * dimension, Math.Min(QueryRows, q - q0) * dimension),
                                           [Math.Min(QueryRows, q - q0), dimension]));
            for (int t0 = 0; t0 < m; t0 += TileRows)
            {
                int tn = Math.Min(TileRows, m - t0);
                using var b = Tensor.FromSpan(context, all.Slice(t0 * dimension, tn * dimension), [tn, dimension]);
                for (int block = 0; block < blocks.Count; block++)
                {
                    int q0 = block * QueryRows, qn = checked((int)blocks[block].BatchSize);
                    using var dot = Tensor.Zeros(context, [qn, tn]);
                    Ops.LinearForward(blocks[block], b, null, dot);
                    float[] products = dot.ToArray();
                    for (int i = 0; i < qn; i++)
                        Screen(candidates[q0 + i], ref best[q0 + i], slack[q0 + i], queryNorms[q0 + i], products.AsSpan(i * tn, tn), trainNorms, t0);
                }
            }
        }
        finally
        {
            foreach (var t in blocks) t.Dispose();
        }
        var distance = new double[q];
        var index = new int[q];
        for (int i = 0; i < q; i++)
        {
            var x = queries.Slice(i * dimension, dimension);
            (distance[i], index[i]) = (double.PositiveInfinity, -1);
            foreach (var (d2, j) in candidates[i])
            {
                if (d2 > best[i] + slack[i]) continue;
                double s = SquaredDistance(x, all.Slice(j * dimension, dimension));
                if (s < distance[i] || (s == distance[i] && j < index[i])) (distance[i], index[i]) = (s, j);
            }
            distance[i] = Math.Sqrt(distance[i]);
        }
        return (distance, index);
    }

    /// <summary>Keeps the rows of one tile whose screened squared distance is within slack of the best so far.</summary>
    private static void Screen(List<(double D2, int Index)> kept, ref double best, double slack, double queryNorm, ReadOnlySpan<float> products,
                               double[] trainNorms, int t0)
    {
        for (int j = 0; j < products.Length; j++)
        {
            double d2 = queryNorm - 2.0 * products[j] + trainNorms[t0 + j];
            if (d2 > best + slack) continue;
            kept.Add((d2, t0 + j));
            if (d2 < best)
            {
                best = d2;
                double limit = best + slack;
                if (kept.Count > 64) kept.RemoveAll(c => c.D2 > limit);
            }
        }
    }

    private static double SquaredDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double s = 0;
        for (int k = 0; k < a.Length; k++)
        {
            double d = (double)a[k] - b[k];
            s += d * d;
        }
        return s;
    }

    private static double[] SquaredNorms(ReadOnlySpan<float> rows, int dimension)
    {
        var norms = new double[rows.Length / dimension];
        for (int i = 0; i < norms.Length; i++)
        {
            double s = 0;
            foreach (float v in rows.Slice(i * dimension, dimension)) s += (double)v * v;
            norms[i] = s;
        }
        return norms;
    }
}
