using System.Diagnostics;
using AdvCore.Training;

namespace AdvCore.Defenses.Patches;

/// <summary>
/// k-means on the rows of a host matrix [n, dim]: k-means++ seeding (Arthur and Vassilvitskii
/// 2007) on a seeded subsample, then Lloyd iterations whose assignment step is the engine's exact
/// batched k-NN (<see cref="Ops.Knn"/>) on the context's device and whose update is a mean in
/// float64. An empty cluster takes the point farthest from its centroid (which can only lower the
/// error), so the error never rises and a run depends on the seed alone.
/// </summary>
public static class KMeans
{
    /// <summary>
    /// Trains K centroids [K, dim] on <paramref name="points"/>. Pass <paramref name="start"/> and
    /// <paramref name="done"/> (the centroids after that many iterations) to resume a run: the result
    /// equals the uninterrupted one.
    /// </summary>
    /// <exception cref="ArgumentException">Fewer points than K, or a bad option.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancel"/> fired between iterations (<paramref name="step"/> saw the last one).</exception>
    public static float[] Train(Context context, ReadOnlySpan<float> points, int dim, KMeansOptions options, float[]? start = null, int done = 0,
                                Action<KMeansStep, float[]>? step = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(dim, 1);
        if (points.Length % dim != 0) throw new ArgumentException($"k-means points hold {points.Length} values, not rows of {dim}");
        int n = points.Length / dim, k = options.Clusters;
        if (n < k) throw new ArgumentException($"K = {k} centroids need at least as many training patches; there are {n}");
        if (start is not null && start.Length != k * dim) throw new ArgumentException($"resumed centroids hold {start.Length} values, expected {k}x{dim}");

        float[] centroids = start is null ? Seed(points, dim, options) : (float[])start.Clone();
        using var assigner = new Assigner(context, points, dim, k);
        var clock = Stopwatch.StartNew();
        if (done < options.Iterations) assigner.Assign(centroids);
        for (int t = done; t < options.Iterations; t++)
        {
            cancel.ThrowIfCancellationRequested();
            int reseeded = Update(points, dim, centroids, assigner.Nearest, assigner.Distances);
            double error = assigner.Assign(centroids); // also the next iteration's assignment
            step?.Invoke(new KMeansStep(t + 1, options.Iterations, error, reseeded, clock.Elapsed.TotalSeconds), centroids);
        }
        return centroids;
    }

    /// <summary>Mean squared distance of every point to its nearest centroid.</summary>
    public static double Error(Context context, ReadOnlySpan<float> points, int dim, float[] centroids)
    {
        using var assigner = new Assigner(context, points, dim, centroids.Length / dim);
        return assigner.Assign(centroids);
    }

    // k-means++: each next seed is a point drawn with probability ∝ its squared distance to the
    // nearest seed so far, over a subsample of SeedingSamplesPerCentroid × K points.
    private static float[] Seed(ReadOnlySpan<float> points, int dim, KMeansOptions options)
    {
        int n = points.Length / dim, k = options.Clusters;
        var random = new SplitMix64(options.Seed ^ 0x6A09E667F3BCC909UL);
        int m = (int)Math.Min(n, (long)k * options.SeedingSamplesPerCentroid);
        int[] sample = SampleWithoutReplacement(n, m, ref random);
        var rows = new float[(long)m * dim];
        for (int i = 0; i < m; i++) points.Slice(sample[i] * dim, dim).CopyTo(rows.AsSpan(i * dim, dim));
        var centroids = new float[k * dim];
        var nearest = new double[m];
        Array.Fill(nearest, double.PositiveInfinity);
        int chosen = random.NextInt(m);
        for (int c = 0; c < k; c++)
        {
            rows.AsSpan(chosen * dim, dim).CopyTo(centroids.AsSpan(c * dim, dim));
            if (c == k - 1) break;
            double total = UpdateNearest(rows, dim, centroids.AsSpan(c * dim, dim).ToArray(), nearest);
            chosen = total > 0 ? Draw(nearest, total, random.NextDouble()) : random.NextInt(m);
        }
        return centroids;
    }

    // nearest[i] = min(nearest[i], ‖row_i − seed‖²); returns Σ nearest (blocks summed in a fixed order).
    private static double UpdateNearest(float[] rows, int dim, float[] seed, double[] nearest)
    {
        const int Block = 4096;
        int m = nearest.Length, blocks = (m + Block - 1) / Block;
        var partial = new double[blocks];
        Parallel.For(0, blocks, block =>
        {
            int end = Math.Min(m, (block + 1) * Block);
            double sum = 0;
            for (int i = block * Block; i < end; i++)
            {
                double d = SquaredDistance(rows.AsSpan(i * dim, dim), seed);
                if (d < nearest[i]) nearest[i] = d;
                sum += nearest[i];
            }
            partial[block] = sum;
        });
        double total = 0;
        foreach (double p in partial) total += p;
        return total;
    }

    private static int Draw(double[] weights, double total, double u)
    {
        double target = u * total, acc = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            acc += weights[i];
            if (acc > target && weights[i] > 0) return i;
        }
        return Array.FindLastIndex(weights, w => w > 0);
    }

    private static int[] SampleWithoutReplacement(int n, int m, ref SplitMix64 random)
    {
        if (m == n) return [.. Enumerable.Range(0, n)];
        var picked = new HashSet<int>(m); // Floyd's algorithm: m draws, no n-sized array
        for (int j = n - m; j < n; j++)
        {
            int t = random.NextInt(j + 1);
            picked.Add(picked.Contains(t) ? j : t);
        }
        int[] sample = [.. picked];
        Array.Sort(sample);
        return sample;
    }

    // Moves each centroid to the mean of its points; empty ones take the farthest points.
    private static int Update(ReadOnlySpan<float> points, int dim, float[] centroids, int[] nearest, float[] distances)
    {
        int k = centroids.Length / dim, n = nearest.Length;
        var sums = new double[k * dim];
        var counts = new int[k];
        for (int i = 0; i < n; i++)
        {
            int c = nearest[i];
            counts[c]++;
            var row = points.Slice(i * dim, dim);
            for (int j = 0; j < dim; j++) sums[c * dim + j] += row[j];
        }
        int empty = 0;
        for (int c = 0; c < k; c++)
        {
            if (counts[c] == 0) { empty++; continue; }
            for (int j = 0; j < dim; j++) centroids[c * dim + j] = (float)(sums[c * dim + j] / counts[c]);
        }
        if (empty == 0) return 0;
        // The farthest points, by distance then index, one per empty cluster.
        int[] order = [.. Enumerable.Range(0, n).OrderByDescending(i => distances[i]).ThenBy(i => i).Take(empty)];
        int next = 0;
        for (int c = 0; c < k; c++)
            if (counts[c] == 0) points.Slice(order[next++] * dim, dim).CopyTo(centroids.AsSpan(c * dim, dim));
        return empty;
    }

    private static double SquaredDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double s = 0;
        for (int j = 0; j < a.Length; j++)
        {
            double d = a[j] - b[j];
            s += d * d;
        }
        return s;
    }

    /// <summary>The points on the device, and the nearest centroid of each.</summary>
    private sealed class Assigner : IDisposable
    {
        private readonly Tensor _points, _centroids, _norms, _indices, _distances;
        private readonly int _n;

        public Assigner(Context context, ReadOnlySpan<float> points, int dim, int k)
        {
            _n = points.Length / dim;
            _points = Tensor.FromSpan(context, points, [_n, dim]);
            _centroids = Tensor.Zeros(context, [k, dim]);
            _norms = Tensor.Zeros(context, [k]);
            _indices = Tensor.Zeros(context, [_n, 1], DType.I32);
            _distances = Tensor.Zeros(context, [_n, 1]);
            Nearest = new int[_n];
            Distances = new float[_n];
        }

        public int[] Nearest { get; }
        public float[] Distances { get; }

        public double Assign(float[] centroids)
        {
            _centroids.CopyFrom(centroids);
            Ops.RowSqNorms(_centroids, _norms);
            Ops.Knn(_points, _centroids, _norms, 1, _indices, _distances);
            _indices.CopyTo(Nearest);
            _distances.CopyTo(Distances);
            double sum = 0;
            foreach (float d in Distances) sum += d;
            return sum / _n;
        }

        public void Dispose()
        {
            _points.Dispose();
            _centroids.Dispose();
            _norms.Dispose();
            _indices.Dispose();
            _distances.Dispose();
        }
    }
}
