namespace AdvCore.Defenses;

/// <summary>
/// Builds the base-model batch of a smoothed query on the device: rows j·b + r = x_{i0+r} + δ_{j,i0+r}
/// for copies j ∈ [j0, j0 + c) of images [i0, i0 + b), δ ~ N(0, σ²I) from the context's Philox
/// stream. The noise of (copy j, image i) of a query over N images starting at counter B always
/// comes from counters B + (j·N + i)·⌈d/4⌉, so it does not depend on how the query is chunked:
/// a plain loop over the m copies, or another memory bound, draws the very same noise.
/// </summary>
internal sealed class NoisyCopies : IDisposable
{
    private readonly Context _context;
    private readonly long[] _sampleShape;
    private readonly long _d;
    private readonly Dictionary<long, (Tensor Batch, Tensor Noise)> _buffers = [];
    private readonly Dictionary<long, Tensor> _single = [];

    internal NoisyCopies(Context context, IReadOnlyList<int> inputShape)
    {
        _context = context;
        _sampleShape = [.. inputShape.Select(v => (long)v)];
        _d = _sampleShape.Aggregate(1L, (a, v) => a * v);
    }

    /// <summary>Philox counters of one noisy copy of one image.</summary>
    internal ulong CountersPerImage => (ulong)((_d + 3) / 4);

    /// <summary>The noisy batch [c·b, ...] (owned here, valid until the next call with the same row count).</summary>
    internal Tensor Build(Tensor x, int i0, int b, int j0, int c, float sigma, ulong start)
    {
        int n = (int)x.BatchSize;
        long rows = (long)b * c;
        var (batch, noise) = Buffers(rows);
        for (int j = 0; j < c; j++) batch.CopySamples((long)j * b, x, i0, b);
        if (sigma == 0) return batch;
        ulong s = CountersPerImage;
        if (_d % 4 == 0 && b == n)
            noise.FillNormal(0f, sigma, start + (ulong)j0 * (ulong)n * s); // c whole copies are contiguous
        else
            for (int j = 0; j < c; j++)
                if (_d % 4 == 0)
                {
                    var block = Single(b);
                    block.FillNormal(0f, sigma, start + ((ulong)(j0 + j) * (ulong)n + (ulong)i0) * s);
                    noise.CopySamples((long)j * b, block, 0, b);
                }
                else
                    for (int r = 0; r < b; r++)
                    {
                        var one = Single(1);
                        one.FillNormal(0f, sigma, start + ((ulong)(j0 + j) * (ulong)n + (ulong)(i0 + r)) * s);
                        noise.CopySamples((long)j * b + r, one, 0, 1);
                    }
        Ops.Add(batch, noise, batch);
        return batch;
    }

    /// <summary>A scratch tensor of <paramref name="rows"/> images (shared with the noise fills: valid until the next <see cref="Build"/>).</summary>
    internal Tensor Block(long rows) => Single(rows);

    private (Tensor, Tensor) Buffers(long rows)
    {
        if (!_buffers.TryGetValue(rows, out var pair))
        {
            if (_buffers.Count >= 3) Release(_buffers);
            pair = (Tensor.Zeros(_context, [rows, .. _sampleShape]), Tensor.Zeros(_context, [rows, .. _sampleShape]));
            _buffers[rows] = pair;
        }
        return pair;
    }

    private Tensor Single(long rows)
    {
        if (!_single.TryGetValue(rows, out var t))
        {
            if (_single.Count >= 3) { foreach (var v in _single.Values) v.Dispose(); _single.Clear(); }
            t = Tensor.Zeros(_context, [rows, .. _sampleShape]);
            _single[rows] = t;
        }
        return t;
    }

    private static void Release(Dictionary<long, (Tensor Batch, Tensor Noise)> buffers)
    {
        foreach (var (a, b) in buffers.Values) { a.Dispose(); b.Dispose(); }
        buffers.Clear();
    }

    public void Dispose()
    {
        Release(_buffers);
        foreach (var v in _single.Values) v.Dispose();
        _single.Clear();
    }
}
