using System.Diagnostics;
using AdvCore.Attacks;
using AdvCore.Data;
using AdvCore.Smoothing;

namespace AdvCore.Evaluation;

/// <summary>
/// Runs an attack over a slice of a dataset the way the thesis evaluates (§3.3): in batches,
/// predicting each image first and attacking only those classified correctly (the set X), then
/// producing the <see cref="AttackRunRecord"/>. It reports progress after every batch, stops
/// between batches when cancelled, and resumes from a partial record by skipping the images it
/// already holds.
/// </summary>
public sealed class AttackRunner
{
    private readonly IClassifier _model;
    private readonly IAttack _attack;
    private readonly AttackRunnerOptions _options;

    /// <summary>A runner of <paramref name="attack"/> against <paramref name="model"/>.</summary>
    public AttackRunner(IClassifier model, IAttack attack, AttackRunnerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(attack);
        _options = options ?? new AttackRunnerOptions();
        _options.Validate();
        _model = model;
        _attack = attack;
    }

    /// <summary>
    /// Runs the thesis protocol over a dataset slice and returns its record, whose
    /// <see cref="AttackRunRecord.PSuc"/> and <see cref="AttackRunRecord.MeanL2"/> are the protocol's
    /// P_suc and D̄: every image is predicted first and only the correctly classified ones (the set
    /// X, <see cref="AttackRunRecord.Correct"/> of them) are attacked; P_suc = successes / |X|, D̄ =
    /// mean L2 over the successes. Image i of <paramref name="images"/> is recorded as dataset index
    /// <paramref name="firstIndex"/> + i (pass the start of a <see cref="LabeledImages.Take"/> slice
    /// so shards agree). <see cref="IAttack.Run"/> differs: it attacks every image it is given, even
    /// misclassified ones, counts success over all of them and writes no record.
    /// </summary>
    /// <exception cref="ArgumentException">Images of another shape than the model's input, or a resume record of another attack.</exception>
    public AttackRun Run(LabeledImages images, int firstIndex = 0, AttackRunRecord? resume = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentOutOfRangeException.ThrowIfNegative(firstIndex);
        if (!images.Shape.SequenceEqual(_model.InputShape))
            throw new ArgumentException($"{images.Name} images are [{string.Join(',', images.Shape)}], the model takes [{string.Join(',', _model.InputShape)}]", nameof(images));
        if (images.Classes > _model.Classes)
            throw new ArgumentException($"{images.Name} has {images.Classes} classes, the model outputs {_model.Classes}", nameof(images));
        int[] indices = [.. Enumerable.Range(firstIndex, images.Count)];
        var run = Run(images.Pixels.ToArray(), images.Labels.ToArray(), indices, resume, cancel);
        return _options.Dataset is null && resume?.Dataset is null ? run with { Record = run.Record with { Dataset = images.Name } } : run;
    }

    /// <summary>
    /// Attacks the images of <paramref name="images"/> (N′ images of the model's input shape,
    /// flattened, pixels in [0,1]) with labels <paramref name="labels"/>; <paramref name="indices"/>
    /// gives their dataset indices (default 0…N′−1). With <paramref name="resume"/>, images already
    /// in that record are skipped and its results carried over.
    /// </summary>
    /// <exception cref="ArgumentException">Sizes that do not fit, or a resume record of another attack.</exception>
    public AttackRun Run(float[] images, int[] labels, int[]? indices = null, AttackRunRecord? resume = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        int d = _model.InputShape.Aggregate(1, (a, b) => a * b);
        if (images.Length != labels.Length * d)
            throw new ArgumentException($"{images.Length} pixels do not hold {labels.Length} images of {d} values", nameof(images));
        indices ??= Enumerable.Range(0, labels.Length).ToArray();
        if (indices.Length != labels.Length)
            throw new ArgumentException($"{indices.Length} indices for {labels.Length} images", nameof(indices));
        if (indices.Distinct().Count() != indices.Length)
            throw new ArgumentException("indices repeat an image", nameof(indices));
        var options = AttackOptionText.Describe(_attack.Options);
        string criterion = Criterion();
        if (resume is not null && (resume.Attack != _attack.Name || resume.Quantized != _attack.Options.Quantize || resume.Iterations != _attack.Iterations))
            throw new ArgumentException($"cannot resume a {resume.Label} run with {_attack.Name} {_attack.Iterations}", nameof(resume));
        if (resume is not null && resume.Criterion != criterion)
            throw new ArgumentException($"cannot resume a {resume.Criterion} run as {criterion}", nameof(resume));

        var done = new HashSet<int>();
        var records = new List<ImageRecord>();
        var skipped = new List<int>();
        double seconds = 0;
        if (resume is not null)
        {
            records.AddRange(resume.Images);
            skipped.AddRange(resume.Misclassified);
            done.UnionWith(resume.Images.Select(i => i.Index));
            done.UnionWith(resume.Misclassified);
            seconds = resume.Seconds;
        }
        var todo = Enumerable.Range(0, labels.Length).Where(i => !done.Contains(indices[i])).ToArray();
        var examples = new List<AdversarialExample>();
        var clock = Stopwatch.StartNew();
        bool completed = true;

        for (int start = 0; start < todo.Length; start += _options.BatchSize)
        {
            if (cancel.IsCancellationRequested)
            {
                completed = false;
                break;
            }
            var batch = todo.AsSpan(start, Math.Min(_options.BatchSize, todo.Length - start)).ToArray();
            seconds += RunBatch(images, labels, indices, batch, d, records, skipped, examples);
            int processed = labels.Length - todo.Length + start + batch.Length;
            _options.Progress?.Invoke(new AttackProgress(processed, labels.Length, records.Count, records.Count(r => r.Success), clock.Elapsed));
        }
        var record = AttackRunRecord.Create(_attack.Name, options, _options.Dataset ?? resume?.Dataset, _options.Model ?? resume?.Model,
                                            _attack.Iterations, _attack.Options.Quantize, _options.UpperDistortion, seconds, records, skipped)
                     with { Planned = _attack.Cost(_model.Classes, d), Criterion = criterion, Run = RunProvenance.Capture(_model.Context) };
        return new AttackRun(record, examples, completed);
    }

    // Rows `rows` of x into a new tensor, contiguous runs in one copy each.
    private static Tensor Gather(Tensor x, List<int> rows, long[] shape)
    {
        long[] gatheredShape = [.. shape];
        gatheredShape[0] = rows.Count;
        var result = Tensor.Zeros(x.Context, gatheredShape);
        for (int j = 0; j < rows.Count;)
        {
            int run = 1;
            while (j + run < rows.Count && rows[j + run] == rows[j] + run) run++;
            result.CopySamples(j, x, rows[j], run);
            j += run;
        }
        return result;
    }

    private string Criterion() =>
        _options.Targets.Describe() + (_options.Margin > 0 ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $", margin {_options.Margin:R}") : "");

    // Predicts a batch, attacks its correctly classified images; returns the attack's seconds.
    private double RunBatch(float[] images, int[] labels, int[] indices, int[] batch, int d,
                            List<ImageRecord> records, List<int> skipped, List<AdversarialExample> examples)
    {
        long[] shape = [batch.Length, .. _model.InputShape.Select(v => (long)v)];
        var pixels = new float[batch.Length * d];
        for (int i = 0; i < batch.Length; i++) Array.Copy(images, (long)batch[i] * d, pixels, (long)i * d, d);
        // One upload per batch: the clean prediction and the attack read the same device images.
        int k = _model.Classes;
        using var x = Tensor.FromArray(_model.Context, pixels, shape);
        float[] logits = _model.Logits(x).ToArray();

        // The set X: correctly classified images (and, with a fixed target, not of that class).
        var attacked = new List<int>();
        var targets = new List<int>();
        for (int i = 0; i < batch.Length; i++)
        {
            var row = logits.AsSpan(i * k, k);
            int predicted = Attacks.Criterion.ArgMax(row);
            int label = labels[batch[i]];
            if (predicted != label)
            {
                skipped.Add(indices[batch[i]]);
                continue;
            }
            int target = _options.Targets.For(indices[batch[i]], label, row);
            if (_options.Targets.Mode != TargetMode.None && target < 0) continue; // already the target class: nothing to attack
            attacked.Add(i);
            targets.Add(target);
        }
        if (attacked.Count == 0) return 0;

        var ys = new int[attacked.Count];
        for (int j = 0; j < attacked.Count; j++) ys[j] = labels[batch[attacked[j]]];
        var criterion = _options.Targets.Mode == TargetMode.None
            ? Attacks.Criterion.Misclassification(ys, _options.Margin)
            : Attacks.Criterion.TargetedMisclassification(ys, [.. targets], _options.Margin);
        // The attacked rows, gathered on the device (no copy when every image is attacked).
        using var gathered = attacked.Count == batch.Length ? null : Gather(x, attacked, shape);
        using var result = _attack.Run(_model, gathered ?? x, criterion, _options.AttackSettings);
        // The attacked subset has a one-off size (the chunk less its misclassified images): drop
        // the network's buffers for it, so at most the chunk's and one such set live and memory
        // does not grow with the number of batches.
        if (gathered is not null && _model is NetworkClassifier network) network.Network.ReleaseBuffers(attacked.Count);
        float[]? adversarial = examples.Count < _options.KeepExamples ? result.CopyAdversarials() : null;
        // Roughness Ω, Ω_n (σ_h = 1) of the returned image's perturbation, for every attack.
        (double[]? omega, double[]? omegaN) = shape.Length >= 3 ? Roughness.Measure(gathered ?? x, result.Adversarials) : (null, null);
        for (int j = 0; j < attacked.Count; j++)
        {
            int index = indices[batch[attacked[j]]];
            records.Add(new ImageRecord(index, ys[j], result.Success[j], result.L2[j], result.AdversarialLabels[j],
                                        result.Linf[j], result.L0[j], result.Gradients[j], result.Forwards[j], targets[j],
                                        result.QueryBestL2 is { } q && double.IsFinite(q[j]) ? q[j] : null,
                                        omega is null ? null : omega[j], omegaN is null || double.IsNaN(omegaN[j]) ? null : omegaN[j]));
            if (adversarial is not null && examples.Count < _options.KeepExamples)
                examples.Add(new AdversarialExample(index, ys[j], result.AdversarialLabels[j], result.Success[j], result.L2[j],
                                                    pixels.AsSpan(attacked[j] * d, d).ToArray(), adversarial.AsSpan(j * d, d).ToArray()));
        }
        return result.Elapsed.TotalSeconds;
    }
}
