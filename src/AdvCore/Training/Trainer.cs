using System.Diagnostics;
using AdvCore.Data;
using AdvCore.Evaluation;
using AdvCore.Models;
using AdvCore.Nn;

namespace AdvCore.Training;

/// <summary>
/// Minibatch training of a <see cref="Network"/> on labelled images: seeded shuffling, optional
/// Gaussian augmentation, input and weight noise injection (CNI-I, CNI-W), adversarial examples
/// from any registry attack, virtual adversarial training (VAT), label smoothing, Adam or SGD with
/// momentum. Deterministic: the same options and data give bit-identical weights on the CPU, also
/// across a checkpoint and resume.
/// </summary>
public sealed class Trainer : IDisposable
{
    private readonly Optimizer _optimizer;
    private readonly bool _ownsNetwork;
    private readonly List<EpochReport> _history;
    private readonly Dictionary<int, BatchBuffers> _buffers = [];
    private readonly WeightNoise? _weightNoise;
    private readonly VirtualAdversarial? _vat;
    private AdversarialBatches? _adversary;
    private bool _adversaryMade;

    /// <summary>A trainer for a freshly built network; with <paramref name="ownsNetwork"/> it disposes the network too.</summary>
    public Trainer(Network network, ModelArchitecture architecture, TrainingOptions options, bool ownsNetwork = false)
        : this(network, architecture, options, ownsNetwork, [], null, 0) { }

    internal Trainer(Network network, ModelArchitecture architecture, TrainingOptions options, bool ownsNetwork,
                     List<EpochReport> history, IReadOnlyDictionary<string, (long[] Shape, float[] Data)>? optimizerState, long optimizerSteps)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Network = network;
        Architecture = architecture;
        Options = options;
        _ownsNetwork = ownsNetwork;
        _history = history;
        _optimizer = options.CreateOptimizer();
        _weightNoise = options.WeightNoiseScale > 0 ? new WeightNoise(network, options.WeightNoiseScale) : null;
        _vat = VirtualAdversarial.Create(network, options);
        if (optimizerState is not null) _optimizer.LoadState(network.Parameters, optimizerState, optimizerSteps);
    }

    /// <summary>The network being trained.</summary>
    public Network Network { get; }
    /// <summary>The architecture written into the model file.</summary>
    public ModelArchitecture Architecture { get; }
    /// <summary>The options of the run.</summary>
    public TrainingOptions Options { get; }
    /// <summary>One report per finished epoch, resumed epochs included.</summary>
    public IReadOnlyList<EpochReport> History => _history;
    /// <summary>Epochs finished so far.</summary>
    public int CompletedEpochs => _history.Count;
    /// <summary>Whether every epoch of <see cref="TrainingOptions.Epochs"/> is done.</summary>
    public bool Finished => CompletedEpochs >= Options.Epochs;

    /// <summary>
    /// Trains one epoch (the next one), then measures test accuracy when a test set is given.
    /// Throws <see cref="InvalidOperationException"/> once all <see cref="TrainingOptions.Epochs"/> are done.
    /// </summary>
    public EpochReport RunEpoch(LabeledImages train, LabeledImages? test = null,
                                IProgress<TrainingProgress>? progress = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        CheckFits(train);
        if (Finished) throw new InvalidOperationException($"all {Options.Epochs} epochs are done; resume the checkpoint with a larger epoch count to train further");
        int epoch = CompletedEpochs;
        int copies = 1 + Options.NoisyCopies;
        long augmented = (long)train.Count * copies;
        if (augmented > int.MaxValue) throw new InvalidArgumentException($"{train.Count} images × {copies} copies is too many for one epoch");
        int[] order = ShuffleOrder.Permutation((int)augmented, Options.Seed, epoch);
        var adversary = Adversary(train.Name.Split('/')[0]); // "mnist/train" → the dataset's presets
        int total = Options.MaxImagesPerEpoch > 0 ? Math.Min(Options.MaxImagesPerEpoch, order.Length) : order.Length;
        int batches = (total + Options.BatchSize - 1) / Options.BatchSize;

        var clock = Stopwatch.StartNew();
        double lossSum = 0, divergenceSum = 0;
        long correct = 0, seen = 0, adversarialCorrect = 0, adversarialSeen = 0;
        ulong noiseCounter = NoiseStreamStart(epoch), weightCounter = WeightNoiseStreamStart(epoch);
        // VAT's random starts: a fixed stride per batch, so batch b of an epoch always draws the same.
        ulong vatStride = Tensor.PhiloxCounters((long)Options.BatchSize * train.ImageSize);
        for (int b = 0; b < batches; b++)
        {
            cancel.ThrowIfCancellationRequested();
            int start = b * Options.BatchSize, n = Math.Min(Options.BatchSize, total - start);
            var buffers = Buffers(n, train.ImageSize);
            for (int i = 0; i < n; i++)
            {
                int k = order[start + i];
                buffers.Indices[i] = k % train.Count;
                // Gaussian augmentation: copy 0 is the clean image; CNI-I: every image is noisy.
                buffers.NoiseMask[i] = Options.InputNoiseSigma > 0 || k / train.Count != 0 ? 1f : 0f;
            }
            train.CopyBatch(buffers.Indices, buffers.Pixels, buffers.Labels);
            buffers.X.CopyFrom(buffers.Pixels);
            buffers.Y.CopyFrom(buffers.Labels);
            long globalStep = (long)epoch * batches + b;
            int adversarialRows = adversary?.RowsOf(n) ?? 0;
            if (adversary is not null) adversary.Replace(Network, buffers.X, buffers.Labels, adversarialRows, globalStep);
            if (Options.NoisyCopies > 0 || Options.InputNoiseSigma > 0) noiseCounter = AddNoise(buffers, noiseCounter);

            _optimizer.LearningRate = LearningRateSchedule.Rate(Options.LearningRateSchedule, Options.LearningRate,
                                                                globalStep, (long)Options.Epochs * batches);
            if (_weightNoise is not null) weightCounter = _weightNoise.Apply(weightCounter);
            Action? restore = _weightNoise is null ? null : _weightNoise.Restore;
            var step = _vat is null
                ? Network.TrainStep(buffers.X, buffers.Y, _optimizer, Options.LabelSmoothing, adversarialRows, restore)
                : _vat.Step(buffers.X, buffers.Y, _optimizer, Options.LabelSmoothing, adversarialRows, restore, VatStreamStart(epoch) + (ulong)b * vatStride);
            if (!double.IsFinite(step.MeanLoss))
                throw new NonFiniteException($"epoch {epoch + 1}, batch {b + 1}: the loss became {step.MeanLoss}; lower the learning rate");
            lossSum += step.MeanLoss * n;
            if (_vat is not null) divergenceSum += _vat.LastDivergence * n;
            correct += step.Correct;
            seen += n;
            adversarialCorrect += step.FirstCorrect;
            adversarialSeen += adversarialRows;
            var (clean, attacked) = Split(correct, seen, adversarialCorrect, adversarialSeen, adversary is not null);
            progress?.Report(new TrainingProgress(epoch + 1, Options.Epochs, b + 1, batches, lossSum / seen,
                                                  (double)correct / seen, seen / clock.Elapsed.TotalSeconds, clean, attacked,
                                                  _vat is null ? null : divergenceSum / seen));
        }
        double seconds = clock.Elapsed.TotalSeconds;
        double? testAccuracy = test is null ? null : Evaluator.Evaluate(Network, test).Accuracy;
        var (cleanAccuracy, adversarialAccuracy) = Split(correct, seen, adversarialCorrect, adversarialSeen, adversary is not null);
        var report = new EpochReport(epoch + 1, lossSum / seen, (double)correct / seen, testAccuracy, (int)seen, seconds, cleanAccuracy, adversarialAccuracy,
                                     _vat is null ? null : divergenceSum / seen);
        _history.Add(report);
        return report;
    }

    /// <summary>Writes a checkpoint from which <see cref="TrainingCheckpoint.Resume"/> continues exactly.</summary>
    public void SaveCheckpoint(string path) =>
        TrainingCheckpoint.Save(path, Architecture, Network, _optimizer, Options, _history);

    private void CheckFits(LabeledImages data)
    {
        if (!data.Shape.SequenceEqual(Architecture.InputShape))
            throw new ShapeMismatchException($"{data.Name} images are [{string.Join("x", data.Shape)}], the model '{Architecture.Name}' takes [{string.Join("x", Architecture.InputShape)}]");
        if (data.Classes > Network.OutputClasses)
            throw new ShapeMismatchException($"{data.Name} has {data.Classes} classes, the model outputs {Network.OutputClasses}");
    }

    // Noise counters live in their own region per epoch, far from the dropout stream, so that a
    // resumed epoch draws the same noise without replaying earlier epochs.
    private static ulong NoiseStreamStart(int epoch) => ((ulong)(epoch + 1) << 44) ^ 0x5DEECE66DUL;

    // Weight noise: the upper half of the epoch's region (an epoch of input noise uses far fewer than 2⁴³ counters).
    private static ulong WeightNoiseStreamStart(int epoch) => NoiseStreamStart(epoch) + (1UL << 43);

    // VAT's random starts: the top quarter of the epoch's region (weight noise uses far fewer than 2⁴² counters).
    private static ulong VatStreamStart(int epoch) => NoiseStreamStart(epoch) + (3UL << 42);

    // Accuracy on the clean rows and on the adversarial rows (null without an adversary, or without rows of a kind).
    private static (double? Clean, double? Adversarial) Split(long correct, long seen, long adversarialCorrect, long adversarialSeen, bool adversary) =>
        !adversary ? (null, null)
                   : (seen > adversarialSeen ? (double)(correct - adversarialCorrect) / (seen - adversarialSeen) : null,
                      adversarialSeen > 0 ? (double)adversarialCorrect / adversarialSeen : null);

    // Built on first use: the attack presets depend on the dataset.
    private AdversarialBatches? Adversary(string dataset)
    {
        if (!_adversaryMade) { _adversary = AdversarialBatches.Create(Options, dataset); _adversaryMade = true; }
        return _adversary;
    }

    private ulong AddNoise(BatchBuffers buffers, ulong counter)
    {
        buffers.Noise.FillNormal(0f, Options.InputNoiseSigma > 0 ? Options.InputNoiseSigma : Options.NoiseSigma, counter);
        buffers.Mask.CopyFrom(buffers.NoiseMask);
        Ops.BatchAxpy(buffers.Mask, buffers.Noise, buffers.X); // x_i += mask_i · noise_i
        return counter + Tensor.PhiloxCounters(buffers.Noise.Count);
    }

    private BatchBuffers Buffers(int n, int imageSize)
    {
        if (!_buffers.TryGetValue(n, out var buffers))
        {
            buffers = new BatchBuffers(Network.Context, n, Architecture.InputShape, imageSize, Options.NoisyCopies > 0 || Options.InputNoiseSigma > 0);
            _buffers[n] = buffers;
        }
        return buffers;
    }

    /// <summary>Frees the optimizer state, and the network when the trainer owns it.</summary>
    public void Dispose()
    {
        foreach (var buffers in _buffers.Values) buffers.Dispose();
        _buffers.Clear();
        _optimizer.Dispose();
        _weightNoise?.Dispose();
        _vat?.Dispose();
        _adversary?.Dispose();
        if (_ownsNetwork) Network.Dispose();
    }

    private sealed class BatchBuffers : IDisposable
    {
        public BatchBuffers(Context context, int n, IReadOnlyList<int> shape, int imageSize, bool noise)
        {
            long[] dims = [n, .. shape.Select(d => (long)d)];
            Indices = new int[n];
            Labels = new int[n];
            NoiseMask = new float[n];
            Pixels = new float[n * imageSize];
            X = Tensor.Zeros(context, dims);
            Y = Tensor.Zeros(context, [n], DType.I32);
            Noise = noise ? Tensor.Zeros(context, dims) : X;
            Mask = noise ? Tensor.Zeros(context, [n]) : X;
        }

        public int[] Indices { get; }
        public int[] Labels { get; }
        public float[] NoiseMask { get; }
        public float[] Pixels { get; }
        public Tensor X { get; }
        public Tensor Y { get; }
        public Tensor Noise { get; }
        public Tensor Mask { get; }

        public void Dispose()
        {
            X.Dispose();
            Y.Dispose();
            Noise.Dispose();
            Mask.Dispose();
        }
    }
}
