namespace AdvCore.Attacks;

/// <summary>Checks an attack's inputs once per run (shapes, labels and targets, finite pixels in [0,1]) and returns the images' host copy.</summary>
internal static class InputChecks
{
    internal static float[] Validate(IClassifier model, Tensor images, Criterion criterion)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(criterion);
        ObjectDisposedException.ThrowIf(images.IsDisposed, images);
        if (!ReferenceEquals(images.Context, model.Context))
            throw new ArgumentException("images belong to another context than the model", nameof(images));

        var shape = images.Shape;
        bool fits = images.DType == DType.F32 && shape.Length == model.InputShape.Count + 1;
        for (int i = 0; fits && i < model.InputShape.Count; i++) fits = shape[i + 1] == model.InputShape[i];
        if (!fits)
            throw new ArgumentException(
                $"images must be f32 [N,{string.Join(',', model.InputShape)}] for this model, got {images.DType} [{Tensor.ShapeString(shape)}]",
                nameof(images));
        criterion.Validate(model.Classes, (int)images.BatchSize);

        float[] imagesHost = images.ToArray();
        long d = images.SampleSize;
        for (long j = 0; j < imagesHost.LongLength; j++)
        {
            float v = imagesHost[j];
            if (!(v >= 0 && v <= 1))
                throw new ArgumentOutOfRangeException(nameof(images), v,
                    $"images[{j / d}] holds {v} at element {j % d}: pixels must be finite and in [0, 1]");
        }
        return imagesHost;
    }
}
