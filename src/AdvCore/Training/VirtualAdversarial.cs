using AdvCore.Nn;

namespace AdvCore.Training;

/// <summary>
/// Virtual adversarial training (Miyato et al. 2015, 2018; a comparison defense of seed 002 with
/// ε = 2.1). A batch's loss is CE(x, y) + α·KL(p(·|x) ‖ p(·|x + r_vadv)), p(·|x) held constant,
/// with r_vadv = ε·g/‖g‖₂ per image and g found by power iteration: d a random unit vector, then
/// Ip times g = ∇_r KL(p(·|x) ‖ p(·|x + r)) at r = ξd and d = g/‖g‖₂.
/// <para>
/// The power iteration runs in eval mode (no dropout, batch norm on its running statistics: the
/// network's gradient passes are eval-mode); the loss runs in train mode on one batch of 2N rows,
/// [x; x + r_vadv], so p(·|x) is the train-mode softmax of the clean rows of the same pass, as
/// Miyato's code takes it. A network with batch norm therefore normalizes clean and perturbed
/// rows together (Miyato keeps the perturbed rows out of the running statistics); C4 and seed
/// 002's CNN have none. x + r_vadv is not clipped to [0, 1]: Miyato adds r_vadv as it is.
/// </para>
/// </summary>
internal sealed class VirtualAdversarial : IDisposable
{
    /// <summary>
    /// The default ξ, the L2 length of the probe ξd. Miyato's 1e-6 assumes exact arithmetic: in
    /// float32 a probe of 1e-6 spread over 784 pixels (≈ 4e-8 each) is below the spacing of pixel
    /// values near 1 (6e-8), and its logit change is below the logits' own rounding, so q − p is
    /// mostly rounding noise. Measured on a trained C4 (128 MNIST test images, one iteration from
    /// one start; docs/vat.md): directions for ξ from 1e-3 to 1e-2 agree with each other (mean
    /// cosine ≥ 0.999), ξ = 1e-6 gives a mean cosine of 0.17 with them, 3e-4 already 0.98 with
    /// single images at 0, and from 5e-2 the network's curvature bends the direction. 5e-3 sits
    /// in the plateau, on the larger side because rounding grows as training makes logits larger.
    /// </summary>
    public const float DefaultXi = 5e-3f;

    private readonly Network _network;
    private readonly float _epsilon, _xi, _weight;
    private readonly int _iterations, _classes;
    private readonly Dictionary<long, Buffers> _buffers = [];
    private readonly Action<Tensor, Tensor> _probeGradient, _lossGradient;
    private Buffers _batch = null!;
    private Tensor _labels = null!;
    private float _labelSmoothing;
    private int _firstRows;
    private StepSums _sums;

    public VirtualAdversarial(Network network, float epsilon, float xi, int iterations, float weight)
    {
        ArgumentNullException.ThrowIfNull(network);
        _network = network;
        _epsilon = epsilon;
        _xi = xi;
        _iterations = iterations;
        _weight = weight;
        _classes = network.OutputClasses;
        // Made once: a method group converted at each call would allocate a delegate per batch.
        _probeGradient = ProbeGradient;
        _lossGradient = LossGradient;
    }

    /// <summary>The VAT of <paramref name="options"/>, or null when it is off.</summary>
    public static VirtualAdversarial? Create(Network network, TrainingOptions options) =>
        options.VatEpsilon is float epsilon
            ? new VirtualAdversarial(network, epsilon, options.VatXi, options.VatPowerIterations, options.VatWeight)
            : null;

    /// <summary>The mean KL term of the last <see cref="Step"/> (before α).</summary>
    public double LastDivergence { get; private set; }

    /// <summary>A one-line description for progress output and the model's training record.</summary>
    public static string Describe(TrainingOptions o) => o.VatEpsilon is not float e ? "" : string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"epsilon {e} xi {o.VatXi} iterations {o.VatPowerIterations} weight {o.VatWeight}");

    /// <summary>
    /// One VAT step on the batch <paramref name="x"/> with <paramref name="labels"/> (i32 [N]):
    /// finds r_vadv, then trains on CE(x, y) (with <paramref name="labelSmoothing"/>) + α·KL.
    /// The random start comes from the Philox stream at <paramref name="counter"/>.
    /// </summary>
    public TrainStepResult Step(Tensor x, Tensor labels, Optimizer optimizer, float labelSmoothing, int firstRows, Action? beforeUpdate, ulong counter)
    {
        var b = Prepare(x, labels);
        long n = x.BatchSize;
        Tensor perturbed = Perturbed(x, counter);
        b.Both.CopySamples(0, x, 0, n);
        b.Both.CopySamples(n, perturbed, 0, n);
        (_labels, _labelSmoothing, _firstRows, _sums) = (labels, labelSmoothing, firstRows, default);
        _network.TrainStepWithLogitGradient(b.Both, _lossGradient, optimizer, beforeUpdate);
        LastDivergence = _sums.Divergence / n;
        return new TrainStepResult((_sums.CrossEntropy + _weight * _sums.Divergence) / n, _sums.Correct, (int)n, _sums.FirstCorrect);
    }

    /// <summary>x + r_vadv for the batch <paramref name="x"/> (owned by this object, overwritten by the next call).</summary>
    public Tensor Perturbed(Tensor x, ulong counter)
    {
        var b = Prepare(x, null);
        RandomDirection(b.D, counter);
        PowerIterate(x, b.D, _iterations);
        b.X.CopyFrom(x);
        Ops.BatchAxpy(b.Epsilon, b.D, b.X); // x_i + ε·d_i, unclipped (Miyato)
        return b.X;
    }

    /// <summary>Fills <paramref name="d"/> with one random unit vector per row from the Philox stream at <paramref name="counter"/>.</summary>
    public void RandomDirection(Tensor d, ulong counter)
    {
        d.FillNormal(0f, 1f, counter);
        Normalize(d, d);
    }

    /// <summary>
    /// <paramref name="iterations"/> power iterations from the unit rows of <paramref name="d"/> at
    /// <paramref name="x"/>; d ends as each image's unit VAT direction (a zero row where the KL is
    /// flat to double precision, so that image gets no perturbation, as Miyato's normalization
    /// of a zero gradient gives).
    /// </summary>
    public void PowerIterate(Tensor x, Tensor d, int iterations)
    {
        var b = Prepare(x, null);
        if (!d.HasShape(x.Shape)) throw new ShapeMismatchException($"direction must be [{Tensor.ShapeString(x.Shape)}], got [{Tensor.ShapeString(d.Shape)}]");
        _network.Forward(x).CopyTo(b.Logits.AsSpan(0, b.N * _classes));
        for (int i = 0; i < b.N; i++) Softmax(b.Logits.AsSpan(i * _classes, _classes), b.P.AsSpan(i * _classes, _classes));
        for (int k = 0; k < iterations; k++)
        {
            b.X.CopyFrom(x);
            Ops.BatchAxpy(b.Xi, d, b.X); // the probe x + ξd
            var g = _network.InputGradientOfLogits(b.X, _probeGradient);
            Normalize(g.Gradient, d);
        }
    }

    // ∇_z KL(p ‖ softmax(z)) = softmax(z) − p at the probe's logits z; each row is scaled to a
    // largest entry of 1 first (only the direction matters, and tiny differences of a confident
    // softmax would underflow in float32 on the way back to the input).
    private void ProbeGradient(Tensor logits, Tensor dlogits)
    {
        var b = _batch;
        int k = _classes;
        logits.CopyTo(b.Logits.AsSpan(0, b.N * k));
        Span<double> q = stackalloc double[k];
        for (int i = 0; i < b.N; i++)
        {
            Softmax(b.Logits.AsSpan(i * k, k), q);
            double largest = 0;
            for (int c = 0; c < k; c++) largest = Math.Max(largest, Math.Abs(q[c] - b.P[i * k + c]));
            for (int c = 0; c < k; c++) b.Gradient[i * k + c] = largest > 0 ? (float)((q[c] - b.P[i * k + c]) / largest) : 0f;
        }
        dlogits.CopyFrom(b.Gradient.AsSpan(0, b.N * k));
    }

    // Rows [0, N) of the 2N-row batch are clean, [N, 2N) perturbed: CE with the labels on the
    // first (Ops.Loss, label smoothing included), α·KL(p ‖ q) on the second with p the clean
    // rows' softmax as a constant; both as means over the N images.
    private void LossGradient(Tensor logits, Tensor dlogits)
    {
        var b = _batch;
        int k = _classes, n = b.N;
        b.CleanLogits.CopySamples(0, logits, 0, n);
        Ops.Loss(LossKind.CrossEntropy, _labelSmoothing, b.CleanLogits, _labels, b.Loss, b.CrossEntropyGradient);
        b.Loss.CopyTo(b.LossHost);
        b.CrossEntropyGradient.CopyTo(b.Gradient.AsSpan(0, n * k));
        logits.CopyTo(b.Logits);
        Span<double> p = stackalloc double[k], q = stackalloc double[k];
        double scale = 1.0 / n;
        for (int i = 0; i < n; i++)
        {
            var clean = b.Logits.AsSpan(i * k, k);
            LogSoftmax(clean, p);
            LogSoftmax(b.Logits.AsSpan((n + i) * k, k), q);
            double divergence = 0;
            for (int c = 0; c < k; c++)
            {
                double pc = Math.Exp(p[c]), qc = Math.Exp(q[c]);
                if (pc > 0) divergence += pc * (p[c] - q[c]);
                b.Gradient[i * k + c] = (float)(b.Gradient[i * k + c] * scale);
                b.Gradient[(n + i) * k + c] = (float)(_weight * (qc - pc) * scale);
            }
            _sums.CrossEntropy += b.LossHost[i];
            _sums.Divergence += divergence;
            if (ArgMax(clean) != b.LabelsHost[i]) continue;
            _sums.Correct++;
            if (i < _firstRows) _sums.FirstCorrect++;
        }
        dlogits.CopyFrom(b.Gradient);
    }

    // Each row of src divided by its L2 norm into dst (a zero or non-finite norm gives a zero row).
    private void Normalize(Tensor src, Tensor dst)
    {
        var b = BuffersFor(src);
        Ops.BatchL2Norm(src, b.Norms);
        b.Norms.CopyTo(b.NormsHost);
        for (int i = 0; i < b.N; i++)
        {
            float norm = b.NormsHost[i];
            b.NormsHost[i] = norm > 0 && float.IsFinite(norm) ? 1f / norm : 0f;
        }
        b.Norms.CopyFrom(b.NormsHost);
        if (!ReferenceEquals(src, dst)) dst.CopyFrom(src);
        Ops.BatchScale(b.Norms, dst);
    }

    private Buffers BuffersFor(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (!_buffers.TryGetValue(x.BatchSize, out var b))
        {
            b = new Buffers(_network.Context, x.ShapeArray(), _classes, _epsilon, _xi);
            _buffers[x.BatchSize] = b;
        }
        return b;
    }

    // The batch's buffers become the current ones (the logit callbacks read them); labels are checked before anything runs.
    private Buffers Prepare(Tensor x, Tensor? labels)
    {
        var b = BuffersFor(x);
        _batch = b;
        if (labels is null) return b;
        if (labels.DType != DType.I32 || !labels.HasShape([x.BatchSize]))
            throw new ShapeMismatchException($"labels must be i32 [{x.BatchSize}], got {labels.DType} [{Tensor.ShapeString(labels.Shape)}]");
        labels.CopyTo(b.LabelsHost);
        for (int i = 0; i < b.N; i++)
            if ((uint)b.LabelsHost[i] >= (uint)_classes)
                throw new LabelOutOfRangeException($"labels[{i}] = {b.LabelsHost[i]} is outside [0, {_classes})");
        return b;
    }

    /// <summary>softmax(z) in float64, shifted by the maximum.</summary>
    internal static void Softmax(ReadOnlySpan<float> z, Span<double> p)
    {
        LogSoftmax(z, p);
        for (int c = 0; c < z.Length; c++) p[c] = Math.Exp(p[c]);
    }

    private static void LogSoftmax(ReadOnlySpan<float> z, Span<double> logp)
    {
        double max = double.NegativeInfinity, sum = 0;
        foreach (float v in z) max = Math.Max(max, v);
        for (int c = 0; c < z.Length; c++) sum += Math.Exp(z[c] - max);
        double log = max + Math.Log(sum);
        for (int c = 0; c < z.Length; c++) logp[c] = z[c] - log;
    }

    // The first maximiser, as Ops.ArgMax takes it.
    private static int ArgMax(ReadOnlySpan<float> z)
    {
        int best = 0;
        for (int c = 1; c < z.Length; c++) if (z[c] > z[best]) best = c;
        return best;
    }

    public void Dispose()
    {
        foreach (var b in _buffers.Values) b.Dispose();
        _buffers.Clear();
    }

    private struct StepSums
    {
        public double CrossEntropy, Divergence;
        public int Correct, FirstCorrect;
    }

    // Everything one batch size needs, so steady-state steps allocate nothing.
    private sealed class Buffers : IDisposable
    {
        public Buffers(Context context, long[] shape, int classes, float epsilon, float xi)
        {
            N = checked((int)shape[0]);
            long[] both = (long[])shape.Clone();
            both[0] = 2 * shape[0];
            D = Tensor.Zeros(context, shape);
            X = Tensor.Zeros(context, shape);
            Both = Tensor.Zeros(context, both);
            Epsilon = Tensor.Zeros(context, [N]);
            Epsilon.Fill(epsilon);
            Xi = Tensor.Zeros(context, [N]);
            Xi.Fill(xi);
            Norms = Tensor.Zeros(context, [N]);
            CleanLogits = Tensor.Zeros(context, [N, classes]);
            Loss = Tensor.Zeros(context, [N]);
            CrossEntropyGradient = Tensor.Zeros(context, [N, classes]);
            Logits = new float[2 * N * classes];
            Gradient = new float[2 * N * classes];
            P = new double[N * classes];
            NormsHost = new float[N];
            LossHost = new float[N];
            LabelsHost = new int[N];
        }

        public int N { get; }
        public Tensor D { get; }
        public Tensor X { get; }
        public Tensor Both { get; }
        public Tensor Epsilon { get; }
        public Tensor Xi { get; }
        public Tensor Norms { get; }
        public Tensor CleanLogits { get; }
        public Tensor Loss { get; }
        public Tensor CrossEntropyGradient { get; }
        public float[] Logits { get; }
        public float[] Gradient { get; }
        public double[] P { get; }
        public float[] NormsHost { get; }
        public float[] LossHost { get; }
        public int[] LabelsHost { get; }

        public void Dispose()
        {
            foreach (var t in new[] { D, X, Both, Epsilon, Xi, Norms, CleanLogits, Loss, CrossEntropyGradient }) t.Dispose();
        }
    }
}
