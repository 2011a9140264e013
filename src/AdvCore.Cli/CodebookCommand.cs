using System.CommandLine;
using System.Globalization;
using AdvCore.Data;
using AdvCore.Defenses.Patches;
using AdvCore.Models;

namespace AdvCore.Cli;

/// <summary>
/// <c>advcore codebook train</c>: learns a patch-replacement codebook (thesis §6.3.2) for one
/// feature layer of a model from training images only — k-means product quantization, or the E8
/// lattice (nothing to learn; the file records the scale). Progress per iteration; an interrupted
/// run keeps a checkpoint beside the output and the same command resumes it.
/// </summary>
internal static class CodebookCommand
{
    public static Command Create()
    {
        var command = new Command("codebook", "Patch-replacement codebooks (thesis ch. 6)");
        command.Subcommands.Add(Train());
        command.Subcommands.Add(Info());
        return command;
    }

    private static Command Train()
    {
        var model = CommonOptions.ModelFile();
        var dataset = CommonOptions.Dataset();
        var layer = new Option<int>("--layer") { Description = "Feature layer: 0 = the image, L = the output of the L-th convolution block", DefaultValueFactory = _ => 0 };
        var k = new Option<int>("--k") { Description = "Centroids K per slice (k-means)", DefaultValueFactory = _ => 1024 };
        var d = new Option<int>("--d") { Description = "Slice depth d (channels per slice; must divide the layer's channels)", DefaultValueFactory = _ => 1 };
        var patch = new Option<int>("--patch") { Description = "Patch side 2a+1 (odd)", DefaultValueFactory = _ => 3 };
        var stride = new Option<int>("--stride") { Description = "Stride c between patches (c < side: overlapping patches, averaged on rebuild)", DefaultValueFactory = _ => 1 };
        var iterations = new Option<int>("--iterations") { Description = "k-means (Lloyd) iterations", DefaultValueFactory = _ => 20 };
        var perCentroid = new Option<int>("--patches-per-centroid") { Description = "Training patches sampled per centroid and slice", DefaultValueFactory = _ => 256 };
        var seed = new Option<ulong>("--seed") { Description = "Seeds the patch sample and the k-means++ draws", DefaultValueFactory = _ => 0UL };
        var e8 = new Option<bool>("--e8") { Description = "The E8 lattice instead of k-means (d = 8 per pixel; nothing is trained)" };
        var scale = new Option<float>("--scale") { Description = "E8 lattice scale s (smaller: finer)", DefaultValueFactory = _ => 0.5f };
        var output = CommonOptions.Required<string>("--out", "The codebook file (safetensors)");
        var data = CommonOptions.Data();
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();
        var command = new Command("train", "Learn a codebook from the training images' patches at one layer (k-means product quantization, or E8)");
        foreach (var o in new Option[] { model, dataset, layer, k, d, patch, stride, iterations, perCentroid, seed, e8, scale, output, data, device, threads })
            command.Options.Add(o);

        command.SetAction(parse =>
        {
            string outPath = parse.GetValue(output)!;
            int layerIndex = parse.GetValue(layer);
            CommonOptions.Check(layerIndex >= 0, $"--layer must be >= 0 (got {layerIndex})");
            OutputPaths.ProbeFiles(("--out", outPath));
            using var context = CommonOptions.CreateContext(parse.GetValue(device)!, parse.GetValue(threads));
            using var loaded = ModelFile.Load(parse.GetValue(model)!, context);
            var shape = FeatureLayers.Shape(loaded.Network, layerIndex);
            if (parse.GetValue(e8))
            {
                var lattice = PatchCodebook.E8(layerIndex, shape, parse.GetValue(scale));
                lattice.Save(outPath);
                Console.WriteLine($"wrote {outPath}: {lattice.Describe()} for [{string.Join(',', shape)}] maps");
                return 0;
            }
            var options = new CodebookTrainingOptions
            {
                Layer = layerIndex,
                Geometry = new PatchGeometry(parse.GetValue(d), parse.GetValue(patch), parse.GetValue(stride)),
                KMeans = new KMeansOptions { Clusters = parse.GetValue(k), Iterations = parse.GetValue(iterations), Seed = parse.GetValue(seed) },
                PatchesPerCentroid = parse.GetValue(perCentroid),
            };
            options.Validate();
            PatchCodebook.CheckGeometry(layerIndex, options.Geometry, shape);
            string datasetName = DatasetCatalog.Normalize(parse.GetValue(dataset)!);
            var train = DatasetCatalog.Load(datasetName, DatasetSplit.Train, parse.GetValue(data), log: new Progress<string>(Console.WriteLine));
            AttackSetup.CheckShape(new Attacks.NetworkClassifier(loaded.Network), train, parse.GetValue(model)!);
            string checkpoint = outPath + ".partial";
            if (File.Exists(checkpoint)) Console.WriteLine($"resuming from the checkpoint {checkpoint}");
            Interruption.Graceful();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"k-means K={options.KMeans.Clusters} on layer {layerIndex} [{string.Join(',', shape)}]: {shape[0] / options.Geometry.SliceDepth} slice(s) of d={options.Geometry.SliceDepth}, {options.Geometry.Size}x{options.Geometry.Size} patches, stride {options.Geometry.Stride}, {options.KMeans.Iterations} iterations, from {train.Count} {datasetName} training images"));
            PatchCodebook codebook;
            try
            {
                codebook = ProgressLine.Run("codebook", update => CodebookTrainer.Train(loaded.Network, train, options, checkpoint,
                    (status, fraction) => update(fraction, status), Interruption.Token));
            }
            catch (OperationCanceledException)
            {
                // Interrupted while the patches were collected, nothing is saved yet.
                Console.WriteLine(File.Exists(checkpoint)
                    ? $"interrupted: the k-means progress is in {checkpoint}; continue with: {Interruption.ResumeCommand(addFlag: false)}"
                    : "interrupted before the first k-means iteration: nothing was saved");
                return ExitCodes.Interrupted;
            }
            codebook.Save(outPath);
            File.Delete(checkpoint);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {outPath}: {codebook.Describe()}, {codebook.Provenance["patches_per_slice"]} patches per slice, quantization error {double.Parse(codebook.Provenance["error"], CultureInfo.InvariantCulture):G5}, {codebook.Provenance["seconds"]} s"));
            return 0;
        });
        return command;
    }

    private static Command Info()
    {
        var file = new Argument<string>("file") { Description = "A codebook file" };
        var command = new Command("info", "Describe a codebook file");
        command.Arguments.Add(file);
        command.SetAction(parse =>
        {
            var cb = PatchCodebook.Load(parse.GetValue(file)!);
            Console.WriteLine($"{cb.Describe()} for [{string.Join(',', cb.FeatureShape)}] maps, {cb.Slices} slice(s)");
            foreach (var (key, value) in cb.Provenance.OrderBy(p => p.Key, StringComparer.Ordinal)) Console.WriteLine($"  {key}: {value}");
            return 0;
        });
        return command;
    }
}
