using AdvCore.Nn;

namespace AdvCore.Attacks;

/// <summary>
/// Gradient evaluations on the live images of a batch only. Attacks that stop images one by one
/// (DeepFool, JSMA, SmoothFool) would otherwise pay the whole batch's forward and backward until
/// the slowest image finishes: here the live rows are gathered into a smaller batch (its size
/// rounded up to a power of two, padded with copies of a live row, so the network keeps only a
/// few batch sizes' buffers), evaluated, and the results scattered back into full-size tensors
/// whose other rows are zero. Per-sample results do not depend on the batch around them
/// (inference-mode layers), so the live rows get what the full batch would give them, up to the
/// float rounding of differently blocked matrix products.
/// </summary>
internal sealed class LiveRows : IDisposable
{
    private readonly Context _context;
    private readonly long[] _imageShape;
    private readonly int _n, _classes;
    private readonly Dictionary<int, (Tensor X, Tensor Labels)> _compact = [];
    private Tensor? _gradient, _logits, _loss;

    internal LiveRows(Tensor images, int classes)
    {
        _context = images.Context;
        _imageShape = images.ShapeArray();
        _n = (int)images.BatchSize;
        _classes = classes;
    }

    /// <summary>The compact batch for <paramref name="live"/> live rows of <paramref name="n"/>: the next power of two, or null when that is the whole batch.</summary>
    internal static int? CompactSize(int live, int n)
    {
        int size = 1;
        while (size < live) size <<= 1;
        return size < n ? size : null;
    }

    /// <summary>
    /// The gradient (as <paramref name="evaluate"/> computes it) at the rows of <paramref name="y"/> listed in
    /// <paramref name="rows"/> (ascending), through <paramref name="evaluate"/> on the compact batch.
    /// </summary>
    internal GradientResult Gradient(Tensor y, Tensor labels, int[] rows, int size, Func<Tensor, Tensor, GradientResult> evaluate)
    {
        var (x, compactLabels) = Compact(size);
        Gather(x, y, rows, size);
        Gather(compactLabels, labels, rows, size);
        var result = evaluate(x, compactLabels);
        _gradient ??= Tensor.Zeros(_context, _imageShape);
        _logits ??= Tensor.Zeros(_context, [_n, _classes]);
        _loss ??= Tensor.Zeros(_context, [_n]); // per-image losses, as IClassifier.Gradient returns them
        _gradient.Fill(0f);
        _logits.Fill(0f);
        _loss.Fill(0f);
        Scatter(_gradient, result.Gradient, rows);
        Scatter(_logits, result.Logits, rows);
        Scatter(_loss, result.Loss, rows);
        return new GradientResult(_loss, _logits, _gradient);
    }

    private (Tensor X, Tensor Labels) Compact(int size)
    {
        if (!_compact.TryGetValue(size, out var buffers))
        {
            long[] shape = (long[])_imageShape.Clone();
            shape[0] = size;
            buffers = (Tensor.Zeros(_context, shape), Tensor.Zeros(_context, [size], DType.I32));
            _compact[size] = buffers;
        }
        return buffers;
    }

    // Row j of the compact batch ← row rows[j] of the source (runs of consecutive rows in one copy);
    // the padding repeats the last live row.
    private static void Gather(Tensor compact, Tensor source, int[] rows, int size)
    {
        ForEachRun(rows, (at, first, count) => compact.CopySamples(at, source, first, count));
        for (int j = rows.Length; j < size; j++) compact.CopySamples(j, source, rows[^1], 1);
    }

    private static void Scatter(Tensor full, Tensor compact, int[] rows) =>
        ForEachRun(rows, (at, first, count) => full.CopySamples(first, compact, at, count));

    // Calls action(compactStart, sourceStart, count) for each run of consecutive entries of rows.
    private static void ForEachRun(int[] rows, Action<int, int, int> action)
    {
        for (int j = 0; j < rows.Length;)
        {
            int end = j + 1;
            while (end < rows.Length && rows[end] == rows[end - 1] + 1) end++;
            action(j, rows[j], end - j);
            j = end;
        }
    }

    public void Dispose()
    {
        foreach (var (x, labels) in _compact.Values)
        {
            x.Dispose();
            labels.Dispose();
        }
        _compact.Clear();
        _gradient?.Dispose();
        _logits?.Dispose();
        _loss?.Dispose();
    }
}
