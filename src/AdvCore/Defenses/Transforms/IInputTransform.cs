namespace AdvCore.Defenses;

/// <summary>
/// A deterministic input transform of a defended classifier (feature squeezing, median filter):
/// images in [0, 1], [N, C, H, W] row-major, transformed in place on the host.
/// </summary>
public interface IInputTransform
{
    /// <summary>The transform as the command line writes it, e.g. "bit-depth:1" or "median:2".</summary>
    string Name { get; }

    /// <summary>Transforms <paramref name="count"/> images of <paramref name="shape"/> {C, H, W} in place.</summary>
    void Apply(Span<float> images, int count, IReadOnlyList<int> shape);
}
