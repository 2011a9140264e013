using NUnit.Framework;

namespace AdvCore.Tests.Engine;

/// <summary>
/// <see cref="Ops.Knn"/>, <see cref="Ops.RowSqNorms"/> and <see cref="Ops.GatherRows"/> on the fast and the
/// reference CPU contexts against a float64 brute force written here: random data (top-1 and top-5), exact
/// duplicate codebook rows (ties to the lower index), row gathers, and the typed errors for a bad k and a bad
/// index. Indices must equal the brute force wherever the gaps around a true distance exceed 1e-4 relative;
/// distances agree within 1e-5 relative.
/// </summary>
public class KnnOpsTests
{
    private DualContext _dual = null!;

    [SetUp]
    public void SetUp() => _dual = new DualContext();

    [TearDown]
    public void TearDown() => _dual.Dispose();

    /// <summary>Per query: the float64 distance to every codebook row and the rows in (distance, index) order.</summary>
    private static (double[] Dist, int[] Order)[] BruteForce(float[] q, float[] c, int n, int kRows, int d)
    {
        var result = new (double[], int[])[n];
        for (int i = 0; i < n; i++)
        {
            var dist = new double[kRows];
            for (int j = 0; j < kRows; j++)
            {
                double s = 0;
                for (int e = 0; e < d; e++)
                {
                    double diff = (double)q[i * d + e] - c[j * d + e];
                    s += diff * diff;
                }
                dist[j] = s;
            }
            int[] order = Enumerable.Range(0, kRows).OrderBy(j => dist[j]).ThenBy(j => j).ToArray();
            result[i] = (dist, order);
        }
        return result;
    }

    private (int[] Indices, float[] Distances) RunKnn(Context context, float[] q, float[] c, int n, int kRows, int d, int k)
    {
        using var queries = Tensor.FromArray(context, q, n, d);
        using var codebook = Tensor.FromArray(context, c, kRows, d);
        using var norms = Tensor.Zeros(context, [kRows]);
        using var indices = Tensor.Zeros(context, [n, k], DType.I32);
        using var distances = Tensor.Zeros(context, [n, k]);
        Ops.RowSqNorms(codebook, norms);
        Ops.Knn(queries, codebook, norms, k, indices, distances);
        return (indices.ToInt32Array(), distances.ToArray());
    }

    private static void AssertMatchesBruteForce((int[] Indices, float[] Distances) got, (double[] Dist, int[] Order)[] truth, int k, string what)
    {
        int kRows = truth[0].Dist.Length;
        int checkedCount = 0;
        for (int i = 0; i < truth.Length; i++)
        {
            var (dist, order) = truth[i];
            for (int s = 0; s < k; s++)
            {
                int gi = got.Indices[i * k + s];
                double gd = got.Distances[i * k + s];
                Assert.That(gi, Is.InRange(0, kRows - 1), $"{what}: query {i} slot {s} index");
                double want = dist[order[s]];
                Assert.That(gd, Is.EqualTo(want).Within(1e-5 * Math.Max(want, 1e-30)), $"{what}: query {i} slot {s} distance");
                Assert.That(gd, Is.EqualTo(dist[gi]).Within(1e-6 * Math.Max(dist[gi], 1e-30)), $"{what}: query {i} slot {s} distance of its own row");
                if (s > 0)
                {
                    float prev = got.Distances[i * k + s - 1];
                    Assert.That(prev < got.Distances[i * k + s] || (prev == got.Distances[i * k + s] && got.Indices[i * k + s - 1] < gi),
                                $"{what}: query {i} slots {s - 1},{s} not in (distance, index) order");
                }
                double tol = 1e-4 * Math.Max(want, 1e-30);
                double below = s == 0 ? double.PositiveInfinity : want - dist[order[s - 1]];
                double above = s + 1 >= kRows ? double.PositiveInfinity : dist[order[s + 1]] - want;
                if (below > tol && above > tol)
                {
                    checkedCount++;
                    Assert.That(gi, Is.EqualTo(order[s]), $"{what}: query {i} slot {s} index");
                }
            }
        }
        Assert.That(checkedCount, Is.GreaterThanOrEqualTo(truth.Length * k * 9 / 10), $"{what}: too few unambiguous positions");
    }

    [TestCase(37, 1000, 9, 1)]
    [TestCase(37, 1000, 9, 5)]
    [TestCase(300, 5000, 9, 1)]
    [TestCase(300, 5000, 9, 5)]
    [TestCase(1, 20000, 72, 5)]
    [TestCase(13, 64, 16, 64)]
    public void KnnMatchesFloat64BruteForce(int n, int kRows, int d, int k)
    {
        float[] q = TestData.Uniform(101 + n, (long)n * d), c = TestData.Uniform(202 + kRows, (long)kRows * d);
        var truth = BruteForce(q, c, n, kRows, d);
        var fast = RunKnn(_dual.Fast, q, c, n, kRows, d, k);
        var reference = RunKnn(_dual.Reference, q, c, n, kRows, d, k);
        AssertMatchesBruteForce(fast, truth, k, "fast");
        AssertMatchesBruteForce(reference, truth, k, "reference");
    }

    [Test]
    public void DuplicateRowsGoToTheLowerIndex()
    {
        const int kRows = 5000, d = 9, n = 4;
        float[] c = TestData.Uniform(303, (long)kRows * d);
        int[] copies = [17, 2047, 2048, 4999];
        const int source = 3000;
        foreach (int t in copies) Array.Copy(c, source * d, c, t * d, d);
        float[] q = new float[n * d];
        float[] noise = TestData.Uniform(304, n * d, -1e-3f, 1e-3f);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++)
                q[i * d + j] = c[source * d + j] + (i == 0 ? 0f : noise[i * d + j]);
        int[] wantOrder = [17, 2047, 2048, 3000, 4999];
        foreach (var context in new[] { _dual.Fast, _dual.Reference })
        {
            foreach (int k in new[] { 1, 3, 5, 8 })
            {
                var (indices, distances) = RunKnn(context, q, c, n, kRows, d, k);
                for (int i = 0; i < n; i++)
                    for (int s = 0; s < Math.Min(k, wantOrder.Length); s++)
                        Assert.That(indices[i * k + s], Is.EqualTo(wantOrder[s]), $"k={k} query {i} slot {s}");
                Assert.That(distances[0], Is.EqualTo(0f), "a query on the row itself");
            }
        }
    }

    [Test]
    public void RowSqNormsAndGatherRows()
    {
        const int kRows = 123, d = 11, n = 77;
        float[] table = TestData.Uniform(401, (long)kRows * d);
        int[] picks = TestData.Labels(402, n, kRows);
        var x = _dual.Input(table, kRows, d);
        var norms = _dual.Zeros(kRows);
        Ops.RowSqNorms(x.Fast, norms.Fast);
        Ops.RowSqNorms(x.Ref, norms.Ref);
        float[] expected = Enumerable.Range(0, kRows).Select(i => (float)Enumerable.Range(0, d).Sum(j => (double)table[i * d + j] * table[i * d + j])).ToArray();
        Close.Assert(expected, norms.Fast.ToArray(), 0, 1e-7, "fast norms vs float64");
        Close.Assert(expected, norms.Ref.ToArray(), 0, 1e-7, "reference norms vs float64");

        var idx = _dual.Input(picks, n);
        var output = _dual.Zeros(n, d);
        Ops.GatherRows(x.Fast, idx.Fast, output.Fast);
        Ops.GatherRows(x.Ref, idx.Ref, output.Ref);
        float[] want = picks.SelectMany(r => table.Skip(r * d).Take(d)).ToArray();
        Assert.That(output.Fast.ToArray(), Is.EqualTo(want));
        Assert.That(output.Ref.ToArray(), Is.EqualTo(want));
    }

    [Test]
    public void BadKAndBadIndicesRaiseTypedErrors()
    {
        var context = _dual.Fast;
        using var queries = Tensor.FromArray(context, TestData.Uniform(501, 5 * 3), 5, 3);
        using var codebook = Tensor.FromArray(context, TestData.Uniform(502, 10 * 3), 10, 3);
        using var norms = Tensor.Zeros(context, [10]);
        Ops.RowSqNorms(codebook, norms);
        foreach (int k in new[] { 0, 11, 65 })
        {
            using var indices = Tensor.Zeros(context, [5, Math.Max(k, 1)], DType.I32);
            using var distances = Tensor.Zeros(context, [5, Math.Max(k, 1)]);
            var e = Assert.Throws<InvalidArgumentException>(() => Ops.Knn(queries, codebook, norms, k, indices, distances))!;
            Assert.That(e.Message, Does.Contain($"k = {k}").And.Contain("1..10"));
        }
        using (var wrongIndices = Tensor.Zeros(context, [5, 2]))  // f32, not i32
        using (var distances = Tensor.Zeros(context, [5, 2]))
        {
            var e = Assert.Throws<ShapeMismatchException>(() => Ops.Knn(queries, codebook, norms, 2, wrongIndices, distances))!;
            Assert.That(e.Message, Does.Contain("indices must be i32"));
        }

        using var picks = Tensor.FromArray(context, new[] { 1, 9, 10, 2 }, 4);
        using var output = Tensor.Zeros(context, [4, 3]);
        var range = Assert.Throws<LabelOutOfRangeException>(() => Ops.GatherRows(codebook, picks, output))!;
        Assert.That(range.Message, Does.Contain("indices[2] = 10").And.Contain("0..9"));
        using var negative = Tensor.FromArray(context, new[] { -1 }, 1);
        using var one = Tensor.Zeros(context, [1, 3]);
        Assert.Throws<LabelOutOfRangeException>(() => Ops.GatherRows(codebook, negative, one));
        using var wrongShape = Tensor.Zeros(context, [4, 4]);
        Assert.Throws<ShapeMismatchException>(() => Ops.GatherRows(codebook, picks, wrongShape));
    }
}
