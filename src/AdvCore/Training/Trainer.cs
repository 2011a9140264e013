using System.Diagnostics;
using AdvCore.Data;
using AdvCore.Evaluation;
using AdvCore.Models;
using AdvCore.Nn;

namespace AdvCore.Training;

/// <summary>
/// Minibatch training of a <see cref="Network"/> on labelled images: seeded shuffling, optional
/// Gaussian augmentation and label smoothing, Adam or SGD with momentum. Deterministic: the same
/// options and data give bit-identical weights on the CPU, also across a checkpoint and resume.
/// </summary>
public sealed class Trainer : IDisposable
{
    private readonly Optimizer _optimizer;
    private readonly bool _ownsNetwork;
    private readonly List<EpochReport> _history;
    private readonly Dictionary<int, BatchBuffers> _buffers = [];

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
        int total = Options.MaxImagesPerEpoch > 0 ? Math.Min(Options.MaxImagesPerEpoch, order.Length) : order.Length;
        int batches = (total + Options.BatchSize - 1) / Options.BatchSize;

        var clock = Stopwatch.StartNew();
        double lossSum = 0;
        long correct = 0, seen = 0;
        ulong noiseCounter = NoiseStreamStart(epoch);
        for (int b = 0; b < batches; b++)
        {
            cancel.ThrowIfCancellationRequested();
            int start = b * Options.BatchSize, n = Math.Min(Options.BatchSize, total - start);
            var buffers = Buffers(n, train.ImageSize);
            for (int i = 0; i < n; i++)
            {
                int k = order[start + i];
                buffers.Indices[i] = k % train.Count;
                buffers.NoiseMask[i] = k / train.Count == 0 ? 0f : 1f; // copy 0 is the clean image
            }
            train.CopyBatch(buffers.Indices, buffers.Pixels, buffers.Labels);
            buffers.X.CopyFrom(buffers.Pixels);
            buffers.Y.CopyFrom(buffers.Labels);
            if (Options.NoisyCopies > 0) noiseCounter = AddNoise(buffers, noiseCounter);

            _optimizer.LearningRate = LearningRateSchedule.Rate(Options.LearningRateSchedule, Options.LearningRate,
                                                                (long)epoch * batches + b, (long)Options.Epochs * batches);
            var step = Network.TrainStep(buffers.X, buffers.Y, _optimizer, Options.LabelSmoothing);
            if (!double.IsFinite(step.MeanLoss))
                throw new NonFiniteException($"epoch {epoch + 1}, batch {b + 1}: the loss became {step.MeanLoss}; lower the learning rate");
            lossSum += step.MeanLoss * n;
            correct += step.Correct;
            seen += n;
            progress?.Report(new TrainingProgress(epoch + 1, Options.Epochs, b + 1, batches, lossSum / seen,
                                                  (double)correct / seen, seen / clock.Elapsed.TotalSeconds));
        }
        double seconds = clock.Elapsed.TotalSeconds;
        double? testAccuracy = test is null ? null : Evaluator.Evaluate(Network, test).Accuracy;
        var report = new EpochReport(epoch + 1, lossSum / seen, (double)correct / seen, testAccuracy, (int)seen, seconds);
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

    private ulong AddNoise(BatchBuffers buffers, ulong counter)
    {
        buffers.Noise.FillNormal(0f, Options.NoiseSigma, counter);
        buffers.Mask.CopyFrom(buffers.NoiseMask);
        Ops.BatchAxpy(buffers.Mask, buffers.Noise, buffers.X); // x_i += mask_i · noise_i
        return counter + Tensor.PhiloxCounters(buffers.Noise.Count);
    }

    private BatchBuffers Buffers(int n, int imageSize)
    {
        if (!_buffers.TryGetValue(n, out var buffers))
        {
            buffers = new BatchBuffers(Network.Context, n, Architecture.InputShape, imageSize, Options.NoisyCopies > 0);
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
