using AdvCore.Attacks;
using AdvCore.Nn;

namespace AdvCore.Defenses;

/// <summary>
/// Randomized smoothing at inference (seed 003 §3; Cohen et al. 2019): any classifier evaluated
/// on m noisy copies x + N(0, σ²I) drawn from the context's Philox stream on the device, as one
/// large batch cut into chunks of at most <see cref="SmoothingOptions.MaxBatch"/> base inputs.
/// <see cref="Logits"/> returns the vote scores (prediction: vote shares; soft: mean
/// probabilities; weighted: mean rank weights), whose first maximiser is the smoothed prediction.
/// <see cref="Gradient(Tensor, Tensor, LossKind, float)"/> differentiates <see cref="SmoothingOptions.Head"/> (EPGD's mean logits,
/// Salman et al.'s mean softmax, or the mean loss) on fresh noise, so every gradient attack can
/// attack the defense. Each call draws new noise; the stream position is reproducible by seed
/// (<see cref="StreamPosition"/> can be saved and restored).
/// </summary>
public sealed class SmoothedClassifier : IClassifier, IDisposable
{
    private readonly NoisyCopies _copies;
    private readonly int _k;
    private Tensor? _scores, _loss, _logits, _gradient, _acc, _alpha, _labels, _logitGrad, _rowGrad;

    /// <summary>Wraps <paramref name="baseClassifier"/> (not owned) with <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">Invalid options.</exception>
    public SmoothedClassifier(IClassifier baseClassifier, SmoothingOptions options)
    {
        ArgumentNullException.ThrowIfNull(baseClassifier);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Base = baseClassifier;
        Options = options;
        _k = baseClassifier.Classes;
        _copies = new NoisyCopies(baseClassifier.Context, baseClassifier.InputShape);
        StreamPosition = StreamStart(options.Seed);
    }

    /// <summary>The classifier under the noise.</summary>
    public IClassifier Base { get; }

    /// <summary>σ, m, voting, head, seed, memory bound.</summary>
    public SmoothingOptions Options { get; }

    /// <summary>The next Philox counter the noise is drawn from; restoring it replays the same noise.</summary>
    public ulong StreamPosition { get; set; }

    /// <inheritdoc />
    public Context Context => Base.Context;

    /// <inheritdoc />
    public IReadOnlyList<int> InputShape => Base.InputShape;

    /// <inheritdoc />
    public int Classes => _k;

    /// <inheritdoc />
    public int PassesPerImage => Options.Samples * Base.PassesPerImage;

    /// <inheritdoc />
    public int GradientPassesPerImage => Options.CopiesPerGradient * Base.GradientPassesPerImage;

    /// <summary>Where the noise of a classifier with <paramref name="seed"/> starts: its own block of 2⁴⁰ counters, high in the stream.</summary>
    public static ulong StreamStart(ulong seed) => (0xC5UL << 56) + (seed << 40);

    /// <summary>Vote scores [N, K] of x [N, ...InputShape] over m fresh noisy copies (owned here; overwritten by the next call).</summary>
    public Tensor Logits(Tensor x)
    {
        int n = CheckInput(x);
        var scores = Scores(x, Options.Samples, Options.Vote);
        var host = new float[(long)n * _k];
        for (int i = 0; i < host.Length; i++) host[i] = (float)(scores[i] / Options.Samples);
        _scores = Sized(_scores, [n, _k]);
        _scores.CopyFrom(host);
        return _scores;
    }

    /// <summary>Smoothed predictions of x (first maximiser of the scores: the lowest class wins a tie).</summary>
    public int[] Predict(Tensor x)
    {
        int n = CheckInput(x);
        var scores = Scores(x, Options.Samples, Options.Vote);
        var predictions = new int[n];
        for (int i = 0; i < n; i++) predictions[i] = Votes.ArgMax(scores.AsSpan(i * _k, _k));
        return predictions;
    }

    /// <summary>
    /// Counts [N·K] of the base argmax over <paramref name="samples"/> fresh noisy copies per image
    /// (what Cohen et al.'s PREDICT and CERTIFY sample); memory stays bounded for any count.
    /// </summary>
    public long[] SampleCounts(Tensor x, long samples)
    {
        int n = CheckInput(x);
        if (samples < 1) throw new ArgumentOutOfRangeException(nameof(samples), samples, $"samples must be >= 1 (got {samples})");
        var counts = new long[(long)n * _k];
        var scores = new double[(long)n * _k];
        ForEachChunk(x, samples, (logits, i0, b, c) =>
        {
            Array.Clear(scores);
            Votes.Accumulate(logits, c, b, _k, SmoothingVote.Prediction, Options.RankWeights, scores.AsSpan(i0 * _k, b * _k));
            for (int t = i0 * _k; t < (i0 + b) * _k; t++) counts[t] += (long)scores[t];
        });
        return counts;
    }

    /// <inheritdoc />
    /// <remarks>
    /// MeanLogits (EPGD): one pass for the mean logits z̄, the loss at z̄ and v = ∂loss/∂z̄, then
    /// a vector-Jacobian product with v/m per copy on the same noise (so one extra forward per
    /// copy; the base must provide <see cref="IClassifier.GradientOfLogits"/>). MeanSoftmax
    /// (Salman et al.): loss = −log p̄_y with p̄ the mean softmax, whose gradient is Σ_j w_j ∇CE_j
    /// with w_j = p_j(y)/Σ_k p_k(y) — exact from the per-copy cross-entropies; returned logits
    /// are log p̄. MeanLoss: the mean of the per-copy losses, gradients and logits.
    /// </remarks>
    public GradientResult Gradient(Tensor x, Tensor labels, LossKind loss, float lossParam = 0) =>
        Gradient(x, labels, loss, lossParam, Options.Head);

    /// <summary>The gradient of <paramref name="head"/> instead of the configured one (what EPGD and Salman et al.'s attack ask for).</summary>
    public GradientResult Gradient(Tensor x, Tensor labels, LossKind loss, float lossParam, ExpectationHead head)
    {
        OptionChecks.Defined(head, nameof(head));
        int n = CheckInput(x);
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.DType != DType.I32 || labels.Rank != 1 || labels.Count != n)
            throw new ShapeMismatchException($"labels must be i32 [{n}], got {labels.DType} [{Tensor.ShapeString(labels.Shape)}]");
        if (head == ExpectationHead.MeanSoftmax && loss != LossKind.CrossEntropy)
            throw new ArgumentException($"the mean-softmax head (Salman et al.) is a cross-entropy; loss {loss} is not supported");
        _gradient = Sized(_gradient, x.Shape);
        _loss = Sized(_loss, [n]);
        _logits = Sized(_logits, [n, _k]);
        return head switch
        {
            ExpectationHead.MeanLogits => MeanLogitsGradient(x, labels, loss, lossParam),
            _ => PerCopyGradient(x, labels.ToInt32Array(), loss, lossParam, head == ExpectationHead.MeanSoftmax),
        };
    }

    private GradientResult MeanLogitsGradient(Tensor x, Tensor labels, LossKind loss, float lossParam)
    {
        int n = (int)x.BatchSize, m = Options.CopiesPerGradient;
        ulong start = StreamPosition;
        var mean = new double[(long)n * _k];
        ForEachChunk(x, m, (logits, i0, b, c) =>
        {
            for (int j = 0; j < c; j++)
                for (int r = 0; r < b; r++)
                    for (int t = 0; t < _k; t++) mean[(i0 + r) * _k + t] += logits[(j * b + r) * _k + t];
        }, start);
        StreamPosition += (ulong)m * (ulong)n * _copies.CountersPerImage;
        var meanHost = new float[mean.Length];
        for (int t = 0; t < mean.Length; t++) meanHost[t] = (float)(mean[t] / m);
        _logits!.CopyFrom(meanHost);
        _logitGrad = Sized(_logitGrad, [n, _k]);
        Ops.Loss(loss, lossParam, _logits, labels, _loss!, _logitGrad);
        float[] v = _logitGrad.ToArray();
        for (int t = 0; t < v.Length; t++) v[t] /= m;
        // Second pass on the same noise: the vector-Jacobian product with v/m for every copy.
        int b0 = ImagesPerChunk(m, n);
        for (int i0 = 0; i0 < n; i0 += b0)
        {
            int b = Math.Min(b0, n - i0);
            var batch = _copies.Build(x, i0, b, 0, m, Options.Sigma, start);
            var rows = new float[(long)m * b * _k];
            for (int j = 0; j < m; j++) Array.Copy(v, (long)i0 * _k, rows, (long)j * b * _k, (long)b * _k);
            var vt = Scratch(ref _rowGrad, [(long)m * b, _k]);
            vt.CopyFrom(rows);
            var g = Base.GradientOfLogits(batch, vt);
            SumCopies(g.Gradient, m, b, i0, null);
        }
        return new GradientResult(_loss!, _logits, _gradient!);
    }

    private GradientResult PerCopyGradient(Tensor x, int[] labelHost, LossKind loss, float lossParam, bool softmax)
    {
        int n = (int)x.BatchSize, m = Options.CopiesPerGradient;
        ulong start = StreamPosition;
        StreamPosition += (ulong)m * (ulong)n * _copies.CountersPerImage;
        var lossHost = new float[n];
        var logitsHost = new float[(long)n * _k];
        int b0 = ImagesPerChunk(m, n);
        Span<double> p = stackalloc double[_k];
        for (int i0 = 0; i0 < n; i0 += b0)
        {
            int b = Math.Min(b0, n - i0);
            var batch = _copies.Build(x, i0, b, 0, m, Options.Sigma, start);
            var rowLabels = new int[m * b];
            for (int j = 0; j < m; j++) Array.Copy(labelHost, i0, rowLabels, j * b, b);
            var lt = ScratchI32(m * b);
            lt.CopyFrom(rowLabels);
            var g = Base.Gradient(batch, lt, loss, lossParam);
            float[] l = g.Loss.ToArray(), z = g.Logits.ToArray();
            var weights = new float[(long)m * b];
            for (int r = 0; r < b; r++)
            {
                var mean = new double[_k];
                for (int j = 0; j < m; j++)
                {
                    var zr = z.AsSpan((j * b + r) * _k, _k);
                    if (softmax) { Votes.Softmax(zr, p); for (int t = 0; t < _k; t++) mean[t] += p[t] / m; }
                    else for (int t = 0; t < _k; t++) mean[t] += (double)zr[t] / m;
                }
                if (softmax)
                {
                    // w_j ∝ p_j(y) = exp(−CE_j), shifted by the smallest loss for range.
                    double lmin = double.PositiveInfinity, sum = 0;
                    for (int j = 0; j < m; j++) lmin = Math.Min(lmin, l[j * b + r]);
                    for (int j = 0; j < m; j++) sum += Math.Exp(-(l[j * b + r] - lmin));
                    for (int j = 0; j < m; j++) weights[j * b + r] = (float)(Math.Exp(-(l[j * b + r] - lmin)) / sum);
                    lossHost[i0 + r] = (float)(lmin - Math.Log(sum / m));
                    for (int t = 0; t < _k; t++) logitsHost[(i0 + r) * _k + t] = (float)Math.Log(Math.Max(mean[t], double.Epsilon));
                }
                else
                {
                    double sum = 0;
                    for (int j = 0; j < m; j++) { sum += l[j * b + r]; weights[j * b + r] = 1f / m; }
                    lossHost[i0 + r] = (float)(sum / m);
                    for (int t = 0; t < _k; t++) logitsHost[(i0 + r) * _k + t] = (float)mean[t];
                }
            }
            SumCopies(g.Gradient, m, b, i0, weights);
        }
        _loss!.CopyFrom(lossHost);
        _logits!.CopyFrom(logitsHost);
        return new GradientResult(_loss, _logits, _gradient!);
    }

    // gradient[i0 + r] = Σ_j w[j·b + r]·g[j·b + r] (w = 1 when null), on the device.
    private void SumCopies(Tensor g, int m, int b, int i0, float[]? weights)
    {
        long[] shape = [b, .. InputShape.Select(v => (long)v)];
        var acc = Scratch(ref _acc, shape);
        var block = _copies.Block(b);
        var alpha = Scratch(ref _alpha, [b]);
        acc.Fill(0f);
        var w = new float[b];
        for (int j = 0; j < m; j++)
        {
            block.CopySamples(0, g, (long)j * b, b);
            if (weights is null) Array.Fill(w, 1f);
            else Array.Copy(weights, j * b, w, 0, b);
            alpha.CopyFrom(w);
            Ops.BatchAxpy(alpha, block, acc);
        }
        _gradient!.CopySamples(i0, acc, 0, b);
    }

    // Runs the base over `samples` noisy copies of every image in chunks and hands each chunk's
    // host logits (copy-major rows) to `sink` with its image range and copy count.
    private void ForEachChunk(Tensor x, long samples, Action<float[], int, int, int> sink, ulong? start = null)
    {
        int n = (int)x.BatchSize;
        ulong s0 = start ?? StreamPosition;
        if (start is null) StreamPosition += (ulong)samples * (ulong)n * _copies.CountersPerImage;
        int max = Options.MaxBatch;
        if (samples <= max)
        {
            int b0 = (int)Math.Max(1, Math.Min(n, max / samples));
            for (int i0 = 0; i0 < n; i0 += b0)
            {
                int b = Math.Min(b0, n - i0);
                sink(Base.Logits(_copies.Build(x, i0, b, 0, (int)samples, Options.Sigma, s0)).ToArray(), i0, b, (int)samples);
            }
            return;
        }
        // More copies than one pass holds: one image at a time, its copies in chunks.
        for (int i = 0; i < n; i++)
            for (long j0 = 0; j0 < samples; j0 += max)
            {
                int c = (int)Math.Min(max, samples - j0);
                sink(Base.Logits(_copies.Build(x, i, 1, (int)j0, c, Options.Sigma, s0)).ToArray(), i, 1, c);
            }
    }

    private double[] Scores(Tensor x, int samples, SmoothingVote vote)
    {
        int n = (int)x.BatchSize;
        var scores = new double[(long)n * _k];
        ForEachChunk(x, samples, (logits, i0, b, c) =>
            Votes.Accumulate(logits, c, b, _k, vote, Options.RankWeights, scores.AsSpan(i0 * _k, b * _k)));
        return scores;
    }

    // Images per chunk when each image brings all m copies (gradients need them together).
    private int ImagesPerChunk(int m, int n) => Math.Max(1, Math.Min(n, Options.MaxBatch / m));

    private int CheckInput(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        ObjectDisposedException.ThrowIf(x.IsDisposed, x);
        if (!ReferenceEquals(x.Context, Context))
            throw new InvalidArgumentException("the input tensor belongs to another context than the smoothed classifier");
        var shape = x.Shape;
        if (x.DType != DType.F32 || shape.Length != InputShape.Count + 1 || !shape[1..].SequenceEqual(InputShape.Select(v => (long)v).ToArray()))
            throw new ShapeMismatchException($"smoothed classifier input must be f32 [N,{string.Join(',', InputShape)}], got {x.DType} [{Tensor.ShapeString(shape)}]");
        if (shape[0] > int.MaxValue / Math.Max(1, _k)) throw new InvalidArgumentException($"batch of {shape[0]} images is too large");
        return (int)shape[0];
    }

    private Tensor Sized(Tensor? t, ReadOnlySpan<long> shape) => Scratch(ref t, shape);

    private Tensor Scratch(ref Tensor? t, ReadOnlySpan<long> shape)
    {
        if (t is not null && t.HasShape(shape)) return t;
        t?.Dispose();
        t = Tensor.Zeros(Context, shape);
        return t;
    }

    private Tensor ScratchI32(int count)
    {
        if (_labels is not null && _labels.Count == count) return _labels;
        _labels?.Dispose();
        _labels = Tensor.Zeros(Context, [count], DType.I32);
        return _labels;
    }

    /// <summary>Releases the classifier's buffers (not the base classifier).</summary>
    public void Dispose()
    {
        _copies.Dispose();
        foreach (var t in new[] { _scores, _loss, _logits, _gradient, _acc, _alpha, _labels, _logitGrad, _rowGrad }) t?.Dispose();
    }
}
