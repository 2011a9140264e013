using AdvCore.Tests.Engine;
using NUnit.Framework;

namespace AdvCore.Tests.Tensors;

/// <summary>
/// The patch operations of the patch-replacement defense (<see cref="Ops.ExtractPatches"/>,
/// <see cref="Ops.RebuildPatches"/>, <see cref="Ops.ApplyPatchStrategy"/>, <see cref="Ops.QuantizeE8"/>,
/// <see cref="PatchGeometry"/>) on the fast and the reference CPU contexts against host loops written here,
/// on random data: extraction exactly equal to a direct indexing loop, extract → rebuild exactly the identity,
/// rebuild of unrelated patches equal to the float64 mean of the covering values, the four strategies against
/// thesis eqs. 6.3–6.5 in float64 (1e-6) and their limits (ε = 0, huge ε, linear ε = 1) exactly, E8 against a
/// brute-force search over the lattice points near each vector, and the typed errors for a bad geometry.
/// </summary>
public class PatchOpsTests
{
    private DualContext _dual = null!;

    [SetUp]
    public void SetUp() => _dual = new DualContext();

    [TearDown]
    public void TearDown() => _dual.Dispose();

    // (N, D, H = W, d, p, c): odd sizes, overlapping and not, with and without a final position at H − p.
    private static IEnumerable<int[]> Geometries() =>
    [
        [2, 3, 13, 1, 3, 2], [1, 16, 28, 8, 5, 2], [3, 8, 9, 4, 3, 3], [1, 1, 7, 1, 1, 1], [2, 64, 13, 8, 5, 5],
        [1, 4, 11, 4, 3, 1],
    ];

    /// <summary>Top-left positions along an extent: 0, c, 2c, … while the patch fits, then extent − p if missed.</summary>
    private static List<int> Positions(int extent, int p, int c)
    {
        var v = new List<int>();
        for (int r = 0; r + p <= extent; r += c) v.Add(r);
        if (v[^1] + p < extent) v.Add(extent - p);
        return v;
    }

    private static float[] HostExtract(float[] f, int n, int depth, int hw, PatchGeometry g)
    {
        var pos = Positions(hw, g.Size, g.Stride);
        var output = new List<float>();
        for (int k = 0; k < depth / g.SliceDepth; k++)
            for (int img = 0; img < n; img++)
                foreach (int y0 in pos)
                    foreach (int x0 in pos)
                        for (int dy = 0; dy < g.Size; dy++)
                            for (int dx = 0; dx < g.Size; dx++)
                                for (int ch = 0; ch < g.SliceDepth; ch++)
                                    output.Add(f[((img * depth + k * g.SliceDepth + ch) * hw + y0 + dy) * hw + x0 + dx]);
        return output.ToArray();
    }

    private static float[] HostRebuild(float[] patches, int n, int depth, int hw, PatchGeometry g)
    {
        var pos = Positions(hw, g.Size, g.Stride);
        int np = pos.Count, dim = g.PatchDim;
        var output = new float[n * depth * hw * hw];
        for (int img = 0; img < n; img++)
            for (int ch = 0; ch < depth; ch++)
                for (int y = 0; y < hw; y++)
                    for (int x = 0; x < hw; x++)
                    {
                        double sum = 0;
                        int count = 0;
                        for (int i = 0; i < np; i++)
                            for (int j = 0; j < np; j++)
                            {
                                int dy = y - pos[i], dx = x - pos[j];
                                if (dy < 0 || dy >= g.Size || dx < 0 || dx >= g.Size) continue;
                                long row = ((long)(ch / g.SliceDepth) * n + img) * np * np + i * np + j;
                                sum += patches[row * dim + (dy * g.Size + dx) * g.SliceDepth + ch % g.SliceDepth];
                                count++;
                            }
                        output[((img * depth + ch) * hw + y) * hw + x] = (float)(sum / count);
                    }
        return output;
    }

    private static long[] PatchShape(int n, int depth, int hw, PatchGeometry g) =>
        [depth / g.SliceDepth, n * g.PatchCount(hw, hw), g.PatchDim];

    [TestCaseSource(nameof(Geometries))]
    public void ExtractMatchesHostLoopAndRebuildInvertsIt(int[] c)
    {
        int n = c[0], depth = c[1], hw = c[2];
        var g = new PatchGeometry(c[3], c[4], c[5]);
        float[] f = TestData.Uniform(101, (long)n * depth * hw * hw);
        float[] expected = HostExtract(f, n, depth, hw, g);
        long[] shape = PatchShape(n, depth, hw, g);
        Assert.That(TestData.Product(shape), Is.EqualTo(expected.Length));
        var features = _dual.Input(f, n, depth, hw, hw);
        var patches = _dual.Zeros(shape);
        var rebuilt = _dual.Zeros(n, depth, hw, hw);
        foreach (var (x, p, r) in new[] { (features.Fast, patches.Fast, rebuilt.Fast), (features.Ref, patches.Ref, rebuilt.Ref) })
        {
            Ops.ExtractPatches(x, g, p);
            Assert.That(p.ToArray(), Is.EqualTo(expected), "extract vs host loop");
            Ops.RebuildPatches(p, g, r);
            Assert.That(r.ToArray(), Is.EqualTo(f), "extract -> rebuild must be the identity");
        }

        float[] unrelated = TestData.Uniform(102, expected.Length);
        var random = _dual.Input(unrelated, shape);
        Ops.RebuildPatches(random.Fast, g, rebuilt.Fast);
        Ops.RebuildPatches(random.Ref, g, rebuilt.Ref);
        float[] mean = HostRebuild(unrelated, n, depth, hw, g);
        Close.Assert(mean, rebuilt.Ref.ToArray(), 0, 1e-7, "rebuild vs float64 mean");
        Assert.That(rebuilt.Fast.ToArray(), Is.EqualTo(rebuilt.Ref.ToArray()), "fast rebuild vs reference");
    }

    [Test]
    public void GeometryCountsAndDims()
    {
        Assert.That(new PatchGeometry(8, 3, 1).PatchDim, Is.EqualTo(72));
        Assert.That(new PatchGeometry(1, 5, 2).PatchCount(28, 28), Is.EqualTo(13 * 13));  // 0, 2, …, 22, then 23
        Assert.That(new PatchGeometry(1, 3, 3).PatchCount(13, 12), Is.EqualTo(5 * 4));    // 0, 3, 6, 9, 10 × 0, 3, 6, 9
        Assert.That(new PatchGeometry(3, 1, 1).PatchCount(7, 5), Is.EqualTo(35));
        foreach (int hw in new[] { 5, 13, 28 })
            for (int p = 1; p <= 5; p++)
                for (int s = 1; s <= p; s++)
                    Assert.That(new PatchGeometry(1, p, s).PatchCount(hw, hw), Is.EqualTo((long)Positions(hw, p, s).Count * Positions(hw, p, s).Count));
    }

    private static float[] HostStrategy(PatchStrategy s, double eps, float[] p, float[] q, int dim)
    {
        var output = new float[p.Length];
        for (int r = 0; r < p.Length / dim; r++)
        {
            double norm = 0;
            for (int j = r * dim; j < (r + 1) * dim; j++) norm += ((double)q[j] - p[j]) * ((double)q[j] - p[j]);
            norm = Math.Sqrt(norm);
            for (int j = r * dim; j < (r + 1) * dim; j++)
            {
                double pv = p[j], qv = q[j];
                output[j] = (float)(s switch
                {
                    PatchStrategy.Plain => qv,
                    PatchStrategy.L2 => norm < eps ? qv : pv + eps * (qv - pv) / norm,
                    PatchStrategy.Linf => pv + Math.Clamp(qv - pv, -eps, eps),
                    _ => pv + eps * (qv - pv),
                });
            }
        }
        return output;
    }

    [TestCase(1), TestCase(27), TestCase(200)]
    public void StrategiesFollowTheEquations(int dim)
    {
        const int rows = 97;
        float[] p = TestData.Uniform(111, rows * dim);
        // Q near P, by an amount that varies over rows: some inside an ε ball/box of ~0.3, some far outside.
        float[] amount = TestData.Uniform(112, rows, 0.001f, 0.2f);
        float[] noise = TestData.Uniform(113, rows * dim);
        float[] q = p.Select((v, i) => v + amount[i / dim] * noise[i]).ToArray();
        var qt = _dual.Input(q, rows, dim);
        foreach (PatchStrategy s in Enum.GetValues<PatchStrategy>())
            foreach (float eps in new[] { 0f, 0.05f, 0.3f, 1f, 1e30f })
            {
                var work = _dual.Input(p, rows, dim);
                Ops.ApplyPatchStrategy(work.Fast, qt.Fast, s, eps);
                Ops.ApplyPatchStrategy(work.Ref, qt.Ref, s, eps);
                Assert.That(work.Fast.ToArray(), Is.EqualTo(work.Ref.ToArray()), $"{s} ε={eps}: fast vs reference");
                float[] got = work.Ref.ToArray();
                if (eps < 1e29f) Close.Assert(HostStrategy(s, eps, p, q, dim), got, 1e-6, 1e-6, $"{s} ε={eps} vs float64");
                // The thesis's limits, exactly.
                if (s == PatchStrategy.Plain || (eps == 1e30f && s != PatchStrategy.Linear) || (eps == 1f && s == PatchStrategy.Linear))
                    Assert.That(got, Is.EqualTo(q), $"{s} ε={eps} must equal plain");
                if (eps == 0f && s != PatchStrategy.Plain)
                    Assert.That(got, Is.EqualTo(p), $"{s} ε=0 must be the identity");
            }
    }

    /// <summary>The nearest E8 point by brute force: integer vectors of even sum within round(u) ± 1, and such vectors + ½ within round(u − ½) ± 1 (enough: E8's covering radius is 1).</summary>
    private static (double[] Best, double Dist, double Second) BruteE8(double[] u)
    {
        double[] best = new double[8];
        double dmin = double.PositiveInfinity, second = double.PositiveInfinity;
        var v = new double[8];
        for (int coset = 0; coset < 2; coset++)
        {
            double shift = coset * 0.5;
            for (int code = 0; code < 6561; code++)
            {
                int c = code;
                double sum = 0, d = 0;
                for (int i = 0; i < 8; i++, c /= 3)
                {
                    v[i] = Math.Round(u[i] - shift) + c % 3 - 1;
                    sum += v[i];
                    d += (u[i] - v[i] - shift) * (u[i] - v[i] - shift);
                }
                if (Math.Abs(sum) % 2 != 0) continue;
                if (d < dmin)
                {
                    second = dmin;
                    dmin = d;
                    for (int i = 0; i < 8; i++) best[i] = v[i] + shift;
                }
                else if (d < second)
                {
                    second = d;
                }
            }
        }
        return (best, dmin, second);
    }

    [TestCase(0.1f), TestCase(0.5f), TestCase(1f)]
    public void E8MatchesBruteForce(float scale)
    {
        const int blocks = 200;
        float[] x = TestData.Uniform(121 + (int)(scale * 10), blocks * 8, -2f, 2f);
        var xt = _dual.Input(x, blocks, 8);
        var output = _dual.Zeros(blocks, 8);
        Ops.QuantizeE8(xt.Fast, scale, output.Fast);
        Ops.QuantizeE8(xt.Ref, scale, output.Ref);
        float[] got = output.Ref.ToArray();
        Assert.That(output.Fast.ToArray(), Is.EqualTo(got), "fast vs reference");
        for (int b = 0; b < blocks; b++)
        {
            double[] u = Enumerable.Range(0, 8).Select(i => (double)x[b * 8 + i] / scale).ToArray();
            var (best, dmin, second) = BruteE8(u);
            // Lattice membership: all coordinates integers or all half-integers, even sum.
            double[] e = Enumerable.Range(0, 8).Select(i => Math.Round(2.0 * got[b * 8 + i] / scale) / 2).ToArray();
            bool half = e[0] != Math.Floor(e[0]);
            Assert.That(e.All(v => (v != Math.Floor(v)) == half) && Math.Abs(e.Sum()) % 2 == 0, Is.True, $"block {b}: [{string.Join(", ", e)}] is not in E8");
            for (int i = 0; i < 8; i++) Assert.That(got[b * 8 + i], Is.EqualTo((float)(scale * e[i])), $"block {b}[{i}]: scale · point");
            double d = u.Select((v, i) => (v - e[i]) * (v - e[i])).Sum();
            Assert.That(d, Is.LessThanOrEqualTo(dmin + 1e-9), $"block {b}: not a nearest point");
            if (second - dmin > 1e-9) Assert.That(e, Is.EqualTo(best), $"block {b}: not the brute-force minimiser");
        }

        // In place gives the same.
        Ops.QuantizeE8(xt.Fast, scale, xt.Fast);
        Assert.That(xt.Fast.ToArray(), Is.EqualTo(got));
    }

    [Test]
    public void E8TiesAreDeterministic()
    {
        // All ¼: the integer point 0 and the half point ½·1 are equally far; the integer coset wins.
        var x = _dual.Input([.. Enumerable.Repeat(0.25f, 8), 0.5f, 0.5f, 0, 0, 0, 0, 0, 0], 2, 8);
        var output = _dual.Zeros(2, 8);
        Ops.QuantizeE8(x.Fast, 1f, output.Fast);
        // (½, ½, 0, …): ties round to the smaller magnitude, so 0 rather than (1, 1, 0, …).
        Assert.That(output.Fast.ToArray(), Is.EqualTo(new float[16]));
    }

    [Test]
    public void BadGeometryAndParametersRaiseTypedErrors()
    {
        var features = _dual.Random(131, 2, 6, 9, 9);
        var good = new PatchGeometry(3, 3, 2);
        var patches = _dual.Zeros(PatchShape(2, 6, 9, good));
        Ops.ExtractPatches(features.Fast, good, patches.Fast);

        var notDividing = Assert.Throws<InvalidArgumentException>(() => Ops.ExtractPatches(features.Fast, new PatchGeometry(4, 3, 2), patches.Fast))!;
        Assert.That(notDividing.Message, Does.Contain("multiple"));
        Assert.That(Assert.Throws<InvalidArgumentException>(() => Ops.ExtractPatches(features.Fast, new PatchGeometry(3, 10, 1), patches.Fast))!.Message,
                    Does.Contain("does not fit"));
        Assert.Throws<InvalidArgumentException>(() => Ops.ExtractPatches(features.Fast, new PatchGeometry(3, 3, 0), patches.Fast));
        Assert.Throws<InvalidArgumentException>(() => Ops.ExtractPatches(features.Fast, new PatchGeometry(3, 3, 4), patches.Fast));
        Assert.Throws<InvalidArgumentException>(() => Ops.RebuildPatches(patches.Fast, new PatchGeometry(0, 3, 2), features.Fast));
        Assert.Throws<InvalidArgumentException>(() => new PatchGeometry(1, 3, 4).PatchCount(9, 9));
        Assert.Throws<InvalidArgumentException>(() => new PatchGeometry(1, 10, 1).PatchCount(9, 9));

        var wrong = _dual.Zeros(2, 31, 27);
        Assert.That(Assert.Throws<ShapeMismatchException>(() => Ops.ExtractPatches(features.Fast, good, wrong.Fast))!.Message,
                    Does.Contain("expected 2x32x27"));
        Assert.Throws<ShapeMismatchException>(() => Ops.RebuildPatches(wrong.Fast, good, features.Fast));

        var q = _dual.Zeros(PatchShape(2, 6, 9, good));
        Assert.Throws<InvalidArgumentException>(() => Ops.ApplyPatchStrategy(patches.Fast, q.Fast, (PatchStrategy)7, 0.1f));
        Assert.Throws<InvalidArgumentException>(() => Ops.ApplyPatchStrategy(patches.Fast, q.Fast, PatchStrategy.L2, -0.1f));
        Assert.Throws<InvalidArgumentException>(() => Ops.ApplyPatchStrategy(patches.Fast, q.Fast, PatchStrategy.Linf, float.NaN));
        Assert.Throws<ShapeMismatchException>(() => Ops.ApplyPatchStrategy(patches.Fast, wrong.Fast, PatchStrategy.Plain, 0f));

        var seven = _dual.Zeros(3, 7);
        Assert.Throws<ShapeMismatchException>(() => Ops.QuantizeE8(seven.Fast, 1f, seven.Fast));
        Assert.Throws<InvalidArgumentException>(() => Ops.QuantizeE8(patches.Fast, 0f, patches.Fast));
        Assert.Throws<InvalidArgumentException>(() => Ops.QuantizeE8(patches.Fast, float.PositiveInfinity, patches.Fast));
    }
}
