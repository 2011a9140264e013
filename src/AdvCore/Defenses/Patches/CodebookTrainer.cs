using System.Diagnostics;
using System.Globalization;
using AdvCore.Data;
using AdvCore.IO;
using AdvCore.Nn;
using AdvCore.Training;

namespace AdvCore.Defenses.Patches;

/// <summary>
/// Learns a product-quantization codebook for one feature layer from training images only
/// (thesis §6.3.2): the images go once through the network up to that layer, a seeded sample of
/// their patches is kept per slice (the same positions in every slice), and each slice gets its
/// own k-means. A checkpoint after every iteration lets an interrupted run resume to the same result.
/// </summary>
public static class CodebookTrainer
{
    /// <summary>
    /// Trains the codebook. With <paramref name="checkpoint"/> set, the state after each k-means
    /// iteration is written there (atomically) and an existing one for the same settings is resumed.
    /// </summary>
    /// <exception cref="ArgumentException">Bad options, a layer the network lacks, or K above the patches there are.</exception>
    /// <exception cref="OperationCanceledException">Interrupted; the checkpoint holds the progress.</exception>
    public static PatchCodebook Train(Network network, LabeledImages train, CodebookTrainingOptions options, string? checkpoint = null,
                                      Action<string, double>? progress = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var shape = FeatureLayers.Shape(network, options.Layer);
        var g = options.Geometry;
        PatchCodebook.CheckGeometry(options.Layer, g, shape);
        int slices = shape[0] / g.SliceDepth, dim = g.PatchDim, k = options.KMeans.Clusters;
        long perImage = g.PatchCount(shape[1], shape[2]);
        long available = perImage * train.Count;
        if (available < k) throw new ArgumentException($"K = {k} exceeds the {available} training patches of layer {options.Layer}");
        var clock = Stopwatch.StartNew();

        var state = checkpoint is not null && File.Exists(checkpoint) ? CheckpointState.Load(checkpoint, options, shape) : new CheckpointState(slices);
        float[][] points = Collect(network, train, options, shape, perImage, progress, cancel);
        int n = points[0].Length / dim;
        for (int s = state.Done.Count; s < slices; s++)
        {
            int slice = s;
            var kmeans = options.KMeans with { Seed = options.KMeans.Seed + (ulong)slice };
            float[] centroids = KMeans.Train(network.Context, points[slice], dim, kmeans, state.Current, state.CurrentIterations,
                (step, c) =>
                {
                    progress?.Invoke(string.Create(CultureInfo.InvariantCulture,
                        $"slice {slice + 1}/{slices} iteration {step.Iteration}/{step.Iterations}: error {step.Error:G5}{(step.Reseeded > 0 ? $", {step.Reseeded} empty re-seeded" : "")}"),
                        0.1 + 0.9 * (slice + (double)step.Iteration / Math.Max(1, step.Iterations)) / slices);
                    state.LastError = step.Error;
                    if (checkpoint is not null) state.Save(checkpoint, options, shape, c, step.Iteration);
                }, cancel);
            state.Done.Add(centroids);
            state.Current = null;
            state.CurrentIterations = 0;
            if (checkpoint is not null) state.Save(checkpoint, options, shape, null, 0);
        }
        var provenance = new Dictionary<string, string>
        {
            ["seed"] = options.KMeans.Seed.ToString(CultureInfo.InvariantCulture),
            ["iterations"] = options.KMeans.Iterations.ToString(CultureInfo.InvariantCulture),
            ["patches_per_slice"] = n.ToString(CultureInfo.InvariantCulture),
            ["training_images"] = train.Count.ToString(CultureInfo.InvariantCulture),
            ["dataset"] = train.Name,
            ["error"] = state.LastError.ToString("R", CultureInfo.InvariantCulture),
            ["seconds"] = clock.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture),
        };
        return PatchCodebook.KMeans(options.Layer, g, shape, state.Done, provenance);
    }

    // A seeded sample of the layer's patches, per slice [n, dim]: r random positions per image.
    private static float[][] Collect(Network network, LabeledImages train, CodebookTrainingOptions options, IReadOnlyList<int> shape, long perImage,
                                     Action<string, double>? progress, CancellationToken cancel)
    {
        var g = options.Geometry;
        int dim = g.PatchDim, slices = shape[0] / g.SliceDepth;
        long wanted = (long)options.PatchesPerCentroid * options.KMeans.Clusters;
        int r = (int)Math.Min(perImage, Math.Max(1, (wanted + train.Count - 1) / train.Count));
        long total = (long)r * train.Count;
        if (total * dim > Array.MaxLength) throw new ArgumentException($"{total} patches of {dim} values do not fit one array; lower the patches per centroid");
        var points = new float[slices][];
        for (int s = 0; s < slices; s++) points[s] = new float[total * dim];
        int node = FeatureLayers.NodeIndex(network, options.Layer);
        var random = new SplitMix64(options.KMeans.Seed ^ 0xBB67AE8584CAA73BUL);
        int batch = options.Batch, imageSize = train.ImageSize;
        var pixels = new float[batch * imageSize];
        var positions = new int[perImage];
        float[]? host = null;
        for (int start = 0; start < train.Count; start += batch)
        {
            cancel.ThrowIfCancellationRequested();
            int count = Math.Min(batch, train.Count - start);
            train.Pixels.Span.Slice(start * imageSize, count * imageSize).CopyTo(pixels);
            using var x = Tensor.FromSpan(network.Context, pixels.AsSpan(0, count * imageSize), [count, .. train.Shape.Select(v => (long)v)]);
            Tensor features = node < 0 ? x : network.Features(x, node);
            long rows = count * perImage;
            using var patches = Tensor.Zeros(network.Context, [slices, rows, dim]);
            Ops.ExtractPatches(features, g, patches);
            if (host is null || host.Length != patches.Count) host = new float[patches.Count];
            patches.CopyTo(host);
            for (int i = 0; i < count; i++)
            {
                // A partial Fisher-Yates picks r distinct positions of image start + i.
                for (int p = 0; p < perImage; p++) positions[p] = p;
                for (int j = 0; j < r; j++)
                {
                    int swap = j + random.NextInt((int)(perImage - j));
                    (positions[j], positions[swap]) = (positions[swap], positions[j]);
                }
                long target = ((long)(start + i) * r) * dim;
                for (int j = 0; j < r; j++)
                    for (int s = 0; s < slices; s++)
                        Array.Copy(host, ((long)s * rows + (long)i * perImage + positions[j]) * dim, points[s], target + (long)j * dim, dim);
            }
            progress?.Invoke($"patches of {start + count}/{train.Count} training images", 0.1 * (start + count) / train.Count);
        }
        return points;
    }

    /// <summary>Finished slices, and the slice in progress after some iterations.</summary>
    private sealed class CheckpointState(int slices)
    {
        public List<float[]> Done { get; } = new(slices);
        public float[]? Current { get; set; }
        public int CurrentIterations { get; set; }
        public double LastError { get; set; } = double.NaN;

        public void Save(string path, CodebookTrainingOptions o, IReadOnlyList<int> shape, float[]? current, int iterations)
        {
            var writer = new SafeTensorWriter().Metadata("format", "advcore-codebook-checkpoint/1").Metadata("settings", Settings(o, shape))
                .Metadata("done", Done.Count.ToString(CultureInfo.InvariantCulture))
                .Metadata("iterations", iterations.ToString(CultureInfo.InvariantCulture))
                .Metadata("error", LastError.ToString("R", CultureInfo.InvariantCulture));
            int dim = o.Geometry.PatchDim, k = o.KMeans.Clusters;
            for (int s = 0; s < Done.Count; s++) writer.Add($"done.{s}", Done[s], k, dim);
            if (current is not null) writer.Add("current", current, k, dim);
            writer.Save(path);
        }

        public static CheckpointState Load(string path, CodebookTrainingOptions o, IReadOnlyList<int> shape)
        {
            var file = SafeTensorFile.Read(path);
            if (!file.Metadata.TryGetValue("format", out var f) || f != "advcore-codebook-checkpoint/1")
                throw new SafeTensorsFormatException(path, "not a codebook-training checkpoint");
            if (!file.Metadata.TryGetValue("settings", out var settings) || settings != Settings(o, shape))
                throw new SafeTensorsFormatException(path, $"the checkpoint is for other settings ({settings}); delete it or train with those settings");
            var state = new CheckpointState(shape[0] / o.Geometry.SliceDepth);
            int done = int.Parse(file.Metadata["done"], CultureInfo.InvariantCulture);
            for (int s = 0; s < done; s++) state.Done.Add(file[$"done.{s}"].ToFloat32(path));
            if (file.Contains("current"))
            {
                state.Current = file["current"].ToFloat32(path);
                state.CurrentIterations = int.Parse(file.Metadata["iterations"], CultureInfo.InvariantCulture);
            }
            state.LastError = double.Parse(file.Metadata["error"], CultureInfo.InvariantCulture);
            return state;
        }

        private static string Settings(CodebookTrainingOptions o, IReadOnlyList<int> shape) => string.Create(CultureInfo.InvariantCulture,
            $"layer={o.Layer} d={o.Geometry.SliceDepth} p={o.Geometry.Size} c={o.Geometry.Stride} K={o.KMeans.Clusters} iterations={o.KMeans.Iterations} seed={o.KMeans.Seed} per_centroid={o.PatchesPerCentroid} seeding={o.KMeans.SeedingSamplesPerCentroid} shape={string.Join(',', shape)}");
    }
}
