namespace AdvCore.Defenses.Patches;

/// <summary>
/// Applies one <see cref="PatchReplacement"/> to batches of feature maps on the device (thesis
/// §6.3): cut into slices and patches, replace each patch by its strategy towards its nearest
/// codeword (exact k-NN per slice, or the E8 lattice), rebuild the map averaging overlaps.
/// Buffers are kept for the last batch size; the result belongs to the quantizer.
/// </summary>
public sealed class PatchQuantizer : IDisposable
{
    private readonly Tensor[] _codebooks = [];
    private readonly Tensor[] _norms = [];
    private Buffers? _buffers;

    /// <summary>Uploads <paramref name="replacement"/>'s codebook to <paramref name="context"/>.</summary>
    public PatchQuantizer(Context context, PatchReplacement replacement)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(replacement);
        replacement.Validate();
        Context = context;
        Replacement = replacement;
        var codebook = replacement.Codebook;
        if (codebook.Kind != CodebookKind.KMeans) return;
        int dim = codebook.Geometry.PatchDim;
        _codebooks = new Tensor[codebook.Slices];
        _norms = new Tensor[codebook.Slices];
        for (int k = 0; k < codebook.Slices; k++)
        {
            _codebooks[k] = Tensor.FromSpan(context, codebook.Centroids(k), [codebook.Clusters, dim]);
            _norms[k] = Tensor.Zeros(context, [codebook.Clusters]);
            Ops.RowSqNorms(_codebooks[k], _norms[k]);
        }
    }

    /// <summary>The context the codebook lives on.</summary>
    public Context Context { get; }

    /// <summary>What it applies.</summary>
    public PatchReplacement Replacement { get; }

    /// <summary>Q(F) for feature maps <paramref name="features"/> [N, D, H, W] of the codebook's shape.</summary>
    /// <exception cref="ShapeMismatchException">The maps are not of the shape the codebook was made for.</exception>
    public Tensor Apply(Tensor features)
    {
        ArgumentNullException.ThrowIfNull(features);
        var codebook = Replacement.Codebook;
        var shape = codebook.FeatureShape;
        if (features.Rank != 4 || features.Shape[1] != shape[0] || features.Shape[2] != shape[1] || features.Shape[3] != shape[2])
            throw new ShapeMismatchException(
                $"a codebook for layer {codebook.Layer} maps of [{string.Join(',', shape)}] cannot quantize [{Tensor.ShapeString(features.Shape)}]");
        var b = Prepare(features.BatchSize);
        var g = codebook.Geometry;
        Ops.ExtractPatches(features, g, b.Patches);
        if (codebook.Kind == CodebookKind.E8)
            Ops.QuantizeE8(b.Patches, codebook.Scale, b.Quantized);
        else
            Quantize(b);
        Ops.ApplyPatchStrategy(b.Patches, b.Quantized, Replacement.Strategy, Replacement.Epsilon);
        Ops.RebuildPatches(b.Patches, g, b.Output);
        return b.Output;
    }

    // Nearest codeword of every patch, slice by slice (each slice its own codebook).
    private void Quantize(Buffers b)
    {
        int slices = _codebooks.Length;
        long rows = b.Rows;
        for (int k = 0; k < slices; k++)
        {
            Tensor queries = b.PatchRows, target = b.QuantizedRows;
            if (slices > 1)
            {
                b.SliceQueries!.CopySamples(0, b.PatchRows, k * rows, rows);
                queries = b.SliceQueries;
                target = b.SliceQuantized!;
            }
            Ops.Knn(queries, _codebooks[k], _norms[k], 1, b.Indices, b.Distances);
            Ops.GatherRows(_codebooks[k], b.IndexVector, target);
            if (slices > 1) b.QuantizedRows.CopySamples(k * rows, target, 0, rows);
        }
    }

    private Buffers Prepare(long n)
    {
        if (_buffers?.N == n) return _buffers;
        _buffers?.Dispose();
        _buffers = null;
        _buffers = new Buffers(Context, Replacement.Codebook, n);
        return _buffers;
    }

    /// <summary>Releases the codebook and the buffers.</summary>
    public void Dispose()
    {
        _buffers?.Dispose();
        foreach (var t in _codebooks) t.Dispose();
        foreach (var t in _norms) t.Dispose();
    }

    private sealed class Buffers : IDisposable
    {
        private readonly List<Tensor> _all = [];

        public Buffers(Context context, PatchCodebook codebook, long n)
        {
            N = n;
            var shape = codebook.FeatureShape;
            var g = codebook.Geometry;
            int m = codebook.Slices, dim = g.PatchDim;
            Rows = n * g.PatchCount(shape[1], shape[2]);
            try
            {
                Patches = Add(Tensor.Zeros(context, [m, Rows, dim]));
                Quantized = Add(Tensor.Zeros(context, [m, Rows, dim]));
                PatchRows = Add(Patches.View(m * Rows, dim));
                QuantizedRows = Add(Quantized.View(m * Rows, dim));
                Output = Add(Tensor.Zeros(context, [n, shape[0], shape[1], shape[2]]));
                if (codebook.Kind == CodebookKind.E8) return;
                Indices = Add(Tensor.Zeros(context, [Rows, 1], DType.I32));
                IndexVector = Add(Indices.View(Rows));
                Distances = Add(Tensor.Zeros(context, [Rows, 1]));
                if (m == 1) return;
                SliceQueries = Add(Tensor.Zeros(context, [Rows, dim]));
                SliceQuantized = Add(Tensor.Zeros(context, [Rows, dim]));
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        public long N { get; }
        public long Rows { get; }
        public Tensor Patches { get; } = null!;
        public Tensor Quantized { get; } = null!;
        public Tensor PatchRows { get; } = null!;
        public Tensor QuantizedRows { get; } = null!;
        public Tensor Output { get; } = null!;
        public Tensor Indices { get; } = null!;
        public Tensor IndexVector { get; } = null!;
        public Tensor Distances { get; } = null!;
        public Tensor? SliceQueries { get; }
        public Tensor? SliceQuantized { get; }

        private Tensor Add(Tensor t)
        {
            _all.Add(t);
            return t;
        }

        public void Dispose()
        {
            foreach (var t in _all) t.Dispose();
        }
    }
}
