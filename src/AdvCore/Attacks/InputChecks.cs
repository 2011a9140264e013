namespace AdvCore.Attacks;

/// <summary>Checks an attack's inputs and returns their host copies.</summary>
internal static class InputChecks
{
    internal static (float[] Images, int[] Labels) Validate(IClassifier model, Tensor images, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        ObjectDisposedException.ThrowIf(images.IsDisposed, images);
        ObjectDisposedException.ThrowIf(labels.IsDisposed, labels);
        if (!ReferenceEquals(images.Context, model.Context))
            throw new ArgumentException("images belong to another context than the model", nameof(images));
        if (!ReferenceEquals(labels.Context, model.Context))
            throw new ArgumentException("labels belong to another context than the model", nameof(labels));

        var shape = images.Shape;
        bool fits = images.DType == DType.F32 && shape.Length == model.InputShape.Count + 1;
        for (int i = 0; fits && i < model.InputShape.Count; i++) fits = shape[i + 1] == model.InputShape[i];
        if (!fits)
            throw new ArgumentException(
                $"images must be f32 [N,{string.Join(',', model.InputShape)}] for this model, got {images.DType} [{Tensor.ShapeString(shape)}]",
                nameof(images));
        if (labels.DType != DType.I32 || labels.Rank != 1)
            throw new ArgumentException($"labels must be an i32 vector, got {labels.DType} [{Tensor.ShapeString(labels.Shape)}]", nameof(labels));
        if (labels.Count != images.BatchSize)
            throw new ArgumentException($"{labels.Count} labels for {images.BatchSize} images", nameof(labels));

        int[] labelsHost = labels.ToInt32Array();
        for (int i = 0; i < labelsHost.Length; i++)
            if ((uint)labelsHost[i] >= (uint)model.Classes)
                throw new ArgumentOutOfRangeException(nameof(labels), labelsHost[i],
                    $"labels[{i}] = {labelsHost[i]} is outside [0, {model.Classes})");

        float[] imagesHost = images.ToArray();
        long d = images.SampleSize;
        for (long j = 0; j < imagesHost.LongLength; j++)
        {
            float v = imagesHost[j];
            if (!(v >= 0 && v <= 1))
                throw new ArgumentOutOfRangeException(nameof(images), v,
                    $"images[{j / d}] holds {v} at element {j % d}: pixels must be finite and in [0, 1]");
        }
        return (imagesHost, labelsHost);
    }
}
