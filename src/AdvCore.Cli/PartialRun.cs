using AdvCore.Attacks;
using AdvCore.Data;
using AdvCore.Evaluation;
using AdvCore.IO;

namespace AdvCore.Cli;

/// <summary>
/// What an interrupted attack run leaves for <c>--resume</c>: its partial record at the record's
/// own path (valid, mergeable) and, when images were kept for <c>--save-images</c> or a grid, those
/// images in a side file (<c>RECORD.partial-images.safetensors</c>) that the completed run removes.
/// Resuming checks that the record is this run's (attack, options, model, dataset, image range).
/// </summary>
internal static class PartialRun
{
    /// <summary>The side file holding the kept images of the partial record at <paramref name="recordPath"/>.</summary>
    public static string ImagesPath(string recordPath) => recordPath + ".partial-images.safetensors";

    /// <summary>
    /// The record at <paramref name="recordPath"/> to resume <paramref name="attack"/> over dataset
    /// images [<paramref name="start"/>, start + slice.Count), with the images it kept; null when there is none.
    /// </summary>
    /// <exception cref="ArgumentException">The record is another run's.</exception>
    public static (AttackRunRecord Record, List<AdversarialExample> Examples)? Load(string recordPath, IAttack attack, string? variant, string dataset,
                                                                                  string model, LabeledImages slice, int start)
    {
        if (!File.Exists(recordPath)) return null;
        var record = AttackRunRecord.Load(recordPath);
        string options = Text(AttackOptionText.Describe(attack.Options)), recorded = Text(record.Options);
        if (record.Attack != attack.Name || record.Iterations != attack.Iterations || record.Quantized != attack.Options.Quantize
            || record.Variant != variant || options != recorded)
            throw new ArgumentException($"--resume: {recordPath} is a run of {record.Label} ({recorded}), not of {attack.Name} {attack.Iterations} ({options}); remove it or drop --resume");
        if (record.Model != model || record.Dataset != dataset)
            throw new ArgumentException($"--resume: {recordPath} is a run against {record.Model} on {record.Dataset}, not {model} on {dataset}; remove it or drop --resume");
        int outside = record.Images.Select(i => i.Index).Concat(record.Misclassified).FirstOrDefault(i => i < start || i >= start + slice.Count, -1);
        if (outside >= 0)
            throw new ArgumentException($"--resume: {recordPath} holds test image {outside}, outside --start {start} --count {slice.Count}; remove it or drop --resume");
        return (record, LoadImages(recordPath, record, slice, start));
    }

    /// <summary>Writes the partial record and its kept images (atomically) for a later <c>--resume</c>.</summary>
    public static void Save(string recordPath, AttackRun run, IReadOnlyList<int> shape)
    {
        run.Record.Save(recordPath);
        if (run.Examples.Count > 0) AttackSetup.SaveImages(ImagesPath(recordPath), run.Examples, shape, run.Record);
        else File.Delete(ImagesPath(recordPath));
    }

    /// <summary>Removes the kept-images side file once the run is complete.</summary>
    public static void Complete(string recordPath) => File.Delete(ImagesPath(recordPath));

    // The kept images of a partial run: adversarials from the side file, originals from the dataset, results from the record.
    private static List<AdversarialExample> LoadImages(string recordPath, AttackRunRecord record, LabeledImages slice, int start)
    {
        string path = ImagesPath(recordPath);
        if (!File.Exists(path)) return [];
        var file = SafeTensorFile.Read(path);
        float[] adversarial = file["images"].ToFloat32(path);
        long[] indices = file["indices"].ToInt64(path), advLabels = file["adv_labels"].ToInt64(path);
        int d = slice.ImageSize;
        if (adversarial.Length != indices.Length * d || advLabels.Length != indices.Length)
            throw new InvalidDataException($"{path}: {indices.Length} images do not fit the {d} values per image of {slice.Name}");
        var results = record.Images.ToDictionary(i => i.Index);
        var examples = new List<AdversarialExample>(indices.Length);
        float[] pixels = slice.Pixels.ToArray();
        for (int k = 0; k < indices.Length; k++)
        {
            if (!results.TryGetValue((int)indices[k], out var image))
                throw new InvalidDataException($"{path}: image {indices[k]} is not in {recordPath}");
            examples.Add(new AdversarialExample(image.Index, image.Label, (int)advLabels[k], image.Success, image.L2,
                                                pixels.AsSpan((image.Index - start) * d, d).ToArray(), adversarial.AsSpan(k * d, d).ToArray()));
        }
        return examples;
    }

    private static string Text(IReadOnlyDictionary<string, string> options) =>
        string.Join(", ", options.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
}
