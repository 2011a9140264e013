using System.Globalization;
using AdvCore.IO;

namespace AdvCore.Defenses.Patches;

/// <summary>
/// The codebook of one feature layer (thesis §6.3.2): the geometry of its slices and patches, and
/// either K centroids per slice (product quantization by k-means) or the E8 lattice's scale.
/// Saved as safetensors: one tensor "slice.k" [K, dim] per slice, the parameters and how it was
/// trained in the metadata; <see cref="Load"/> refuses anything inconsistent.
/// </summary>
public sealed class PatchCodebook
{
    /// <summary>The metadata 'format' value of a codebook file.</summary>
    public const string Format = "advcore-codebook/1";

    private readonly float[][] _centroids;

    private PatchCodebook(int layer, CodebookKind kind, PatchGeometry geometry, int[] featureShape, int clusters, float scale,
                          float[][] centroids, IReadOnlyDictionary<string, string> provenance)
    {
        Layer = layer;
        Kind = kind;
        Geometry = geometry;
        FeatureShape = Array.AsReadOnly(featureShape);
        Clusters = clusters;
        Scale = scale;
        _centroids = centroids;
        Provenance = provenance;
    }

    /// <summary>The feature layer it quantizes (0 = the image; see <see cref="FeatureLayers"/>).</summary>
    public int Layer { get; }

    /// <summary>k-means product quantization or the E8 lattice.</summary>
    public CodebookKind Kind { get; }

    /// <summary>Slice depth d, patch side p = 2a+1 and stride c.</summary>
    public PatchGeometry Geometry { get; }

    /// <summary>The per-sample shape {D, H, W} of the feature map it was made for.</summary>
    public IReadOnlyList<int> FeatureShape { get; }

    /// <summary>Slices m = D / d.</summary>
    public int Slices => FeatureShape[0] / Geometry.SliceDepth;

    /// <summary>Centroids K per slice (0 for E8).</summary>
    public int Clusters { get; }

    /// <summary>The E8 lattice scale s (0 for k-means).</summary>
    public float Scale { get; }

    /// <summary>How it was trained (model, dataset, seed, iterations, patches, error, seconds) as strings.</summary>
    public IReadOnlyDictionary<string, string> Provenance { get; }

    /// <summary>Slice <paramref name="slice"/>'s centroids, row-major [K, dim] (empty for E8).</summary>
    public ReadOnlySpan<float> Centroids(int slice) => Kind == CodebookKind.E8 ? [] : _centroids[slice];

    /// <summary>"k-means K=3927 d=1 3x3/1 at layer 0" and the like.</summary>
    public string Describe() => Kind == CodebookKind.E8
        ? string.Create(CultureInfo.InvariantCulture, $"E8 s={Scale} at layer {Layer}")
        : string.Create(CultureInfo.InvariantCulture, $"k-means K={Clusters} d={Geometry.SliceDepth} {Geometry.Size}x{Geometry.Size}/{Geometry.Stride} at layer {Layer}");

    /// <summary>A k-means codebook from per-slice centroids [K, dim].</summary>
    /// <exception cref="ArgumentException">The geometry does not fit the map, or a slice's centroids are not K finite rows of dim.</exception>
    public static PatchCodebook KMeans(int layer, PatchGeometry geometry, IReadOnlyList<int> featureShape, IReadOnlyList<float[]> centroids,
                                       IReadOnlyDictionary<string, string>? provenance = null)
    {
        ArgumentNullException.ThrowIfNull(centroids);
        int[] shape = CheckGeometry(layer, geometry, featureShape);
        int dim = geometry.PatchDim, slices = shape[0] / geometry.SliceDepth;
        if (centroids.Count != slices) throw new ArgumentException($"a codebook for {slices} slices got centroids for {centroids.Count}");
        if (centroids[0].Length == 0 || centroids[0].Length % dim != 0) throw new ArgumentException($"centroids must be rows of {dim} values (got {centroids[0].Length})");
        int clusters = centroids[0].Length / dim;
        for (int k = 0; k < slices; k++)
        {
            if (centroids[k].Length != clusters * dim) throw new ArgumentException($"slice {k}: {centroids[k].Length} values, expected {clusters}x{dim}");
            int bad = Array.FindIndex(centroids[k], v => !float.IsFinite(v));
            if (bad >= 0) throw new ArgumentException($"slice {k}: centroid {bad / dim} holds {centroids[k][bad]}: centroids must be finite");
        }
        return new PatchCodebook(layer, CodebookKind.KMeans, geometry, shape, clusters, 0, [.. centroids.Select(c => (float[])c.Clone())],
                                 provenance ?? new Dictionary<string, string>());
    }

    /// <summary>The E8 codebook at scale <paramref name="scale"/> for a map of <paramref name="featureShape"/> (D a multiple of 8).</summary>
    /// <exception cref="ArgumentException">D is not a multiple of 8, or the scale is not positive and finite.</exception>
    public static PatchCodebook E8(int layer, IReadOnlyList<int> featureShape, float scale)
    {
        if (!(scale > 0) || !float.IsFinite(scale)) throw new ArgumentException($"the E8 scale must be positive and finite (got {scale})");
        ArgumentNullException.ThrowIfNull(featureShape);
        if (featureShape.Count == 3 && featureShape[0] % 8 != 0)
            throw new ArgumentException($"the E8 lattice needs slices of d = 8 channels; layer {layer} has {featureShape[0]} channel{(featureShape[0] == 1 ? "" : "s")}");
        var geometry = new PatchGeometry(8, 1, 1);
        return new PatchCodebook(layer, CodebookKind.E8, geometry, CheckGeometry(layer, geometry, featureShape), 0, scale, [],
                                 new Dictionary<string, string>());
    }

    /// <summary>Checks that <paramref name="g"/> fits a layer-<paramref name="layer"/> map of <paramref name="featureShape"/> {D, H, W}; returns a copy of the shape.</summary>
    /// <exception cref="ArgumentException">It does not: the message says why.</exception>
    public static int[] CheckGeometry(int layer, PatchGeometry g, IReadOnlyList<int> featureShape)
    {
        ArgumentNullException.ThrowIfNull(featureShape);
        ArgumentOutOfRangeException.ThrowIfNegative(layer);
        if (featureShape.Count != 3 || featureShape.Any(v => v < 1))
            throw new ArgumentException($"a codebook is for a [D,H,W] feature map (got [{string.Join(',', featureShape)}])");
        if (g.SliceDepth < 1 || featureShape[0] % g.SliceDepth != 0)
            throw new ArgumentException($"slice depth d = {g.SliceDepth} does not divide the {featureShape[0]} channels of layer {layer}");
        if (g.Size < 1 || g.Size % 2 == 0) throw new ArgumentException($"the patch side must be odd, 2a+1 (got {g.Size})");
        if (g.Stride < 1 || g.Stride > g.Size) throw new ArgumentException($"the stride must be in 1..{g.Size} (got {g.Stride})");
        if (g.Size > featureShape[1] || g.Size > featureShape[2])
            throw new ArgumentException($"{g.Size}x{g.Size} patches do not fit the {featureShape[1]}x{featureShape[2]} map of layer {layer}");
        return [.. featureShape];
    }

    // ------------------------------------------------------------------ file

    /// <summary>Writes the codebook atomically.</summary>
    public void Save(string path)
    {
        var writer = new SafeTensorWriter()
            .Metadata("format", Format)
            .Metadata("kind", Kind == CodebookKind.E8 ? "e8" : "kmeans")
            .Metadata("layer", Invariant(Layer))
            .Metadata("slice_depth", Invariant(Geometry.SliceDepth))
            .Metadata("patch_size", Invariant(Geometry.Size))
            .Metadata("stride", Invariant(Geometry.Stride))
            .Metadata("feature_shape", string.Join(',', FeatureShape.Select(Invariant)))
            .Metadata("clusters", Invariant(Clusters))
            .Metadata("scale", Scale.ToString("R", CultureInfo.InvariantCulture));
        foreach (var (key, value) in Provenance) writer.Metadata("train." + key, value);
        for (int k = 0; k < _centroids.Length; k++) writer.Add($"slice.{k}", _centroids[k], Clusters, Geometry.PatchDim);
        writer.Save(path);
    }

    /// <summary>Reads a codebook written by <see cref="Save"/>, exactly.</summary>
    /// <exception cref="SafeTensorsFormatException">Not a codebook file, or inconsistent: the message names the problem.</exception>
    public static PatchCodebook Load(string path)
    {
        var file = SafeTensorFile.Read(path);
        var meta = file.Metadata;
        string Get(string key) => meta.TryGetValue(key, out var v) ? v : throw new SafeTensorsFormatException(path, $"metadata '{key}' is missing");
        int Int(string key) => int.TryParse(Get(key), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v
            : throw new SafeTensorsFormatException(path, $"metadata '{key}' = '{Get(key)}' is not an integer");
        if (!meta.TryGetValue("format", out var format) || format != Format)
            throw new SafeTensorsFormatException(path, $"not an AdvCore codebook (metadata 'format' is {(format is null ? "missing" : $"'{format}'")}, expected '{Format}')");
        var provenance = meta.Where(p => p.Key.StartsWith("train.", StringComparison.Ordinal)).ToDictionary(p => p.Key[6..], p => p.Value);
        try
        {
            int layer = Int("layer");
            int[] shape = [.. Get("feature_shape").Split(',').Select(s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v
                : throw new SafeTensorsFormatException(path, $"metadata 'feature_shape' = '{Get("feature_shape")}' is not D,H,W"))];
            switch (Get("kind"))
            {
                case "e8":
                    if (!float.TryParse(Get("scale"), NumberStyles.Float, CultureInfo.InvariantCulture, out float scale))
                        throw new SafeTensorsFormatException(path, $"metadata 'scale' = '{Get("scale")}' is not a number");
                    var e8 = E8(layer, shape, scale);
                    return new PatchCodebook(layer, CodebookKind.E8, e8.Geometry, shape, 0, scale, [], provenance);
                case "kmeans":
                    var geometry = new PatchGeometry(Int("slice_depth"), Int("patch_size"), Int("stride"));
                    CheckGeometry(layer, geometry, shape);
                    int clusters = Int("clusters"), slices = shape[0] / geometry.SliceDepth;
                    var centroids = new float[slices][];
                    for (int k = 0; k < slices; k++)
                    {
                        var t = file[$"slice.{k}"];
                        if (t.Shape.Length != 2 || t.Shape[0] != clusters || t.Shape[1] != geometry.PatchDim)
                            throw new SafeTensorsFormatException(path, $"slice.{k} has shape [{string.Join(',', t.Shape)}], expected [{clusters},{geometry.PatchDim}]");
                        centroids[k] = t.ToFloat32(path);
                    }
                    return KMeans(layer, geometry, shape, centroids, provenance);
                default:
                    throw new SafeTensorsFormatException(path, $"metadata 'kind' = '{Get("kind")}' (expected kmeans or e8)");
            }
        }
        catch (ArgumentException e)
        {
            throw new SafeTensorsFormatException(path, e.Message.Split(" (Parameter")[0]);
        }
    }

    private static string Invariant(int v) => v.ToString(CultureInfo.InvariantCulture);
}
