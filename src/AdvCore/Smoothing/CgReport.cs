namespace AdvCore.Smoothing;

/// <summary>
/// Per-system outcome of one batched conjugate-gradient call: the iterations done and the final
/// relative residual ‖b − L_α x‖₂ / ‖b‖₂ (0 when b = 0). System index = image·C + channel
/// (for <see cref="GraphSmoother.OnesReport"/>: the image).
/// </summary>
public sealed record CgReport(int[] Iterations, float[] Residuals)
{
    /// <summary>The most iterations any system took.</summary>
    public int MaxIterations => Iterations.Length == 0 ? 0 : Iterations.Max();

    /// <summary>The largest final relative residual.</summary>
    public float MaxResidual => Residuals.Length == 0 ? 0f : Residuals.Max();
}
