namespace AdvCore.Smoothing;

/// <summary>
/// The feature kernel k_f of the pixel graph (thesis eq. 4.1), over all channels of the two
/// neighbouring pixels' values.
/// </summary>
public enum FeatureKernel
{
    /// <summary>exp(−‖x_i − x_j‖₂ / σ_f).</summary>
    Laplacian = 0,

    /// <summary>exp(−‖x_i − x_j‖₂² / (2σ_f²)).</summary>
    Gaussian = 1,
}
