namespace AdvCore.Evaluation;

/// <summary>
/// One attacked image of a run (an image of X: correctly classified without attack).
/// <see cref="L2"/>, <see cref="Linf"/>, <see cref="L0"/> are the distortions of the returned image
/// (the best success, or the last attempt of a failure).
/// </summary>
/// <param name="Index">Index of the image in its dataset split.</param>
/// <param name="Label">True label.</param>
/// <param name="Success">Whether the returned image is misclassified.</param>
/// <param name="L2">‖y − x‖₂.</param>
/// <param name="AdvLabel">Predicted class of the returned image.</param>
/// <param name="Linf">‖y − x‖∞.</param>
/// <param name="L0">Number of changed elements.</param>
/// <param name="Gradients">Gradient evaluations (one forward + one backward each) charged to the image.</param>
/// <param name="Forwards">Forward-only passes charged to the image.</param>
/// <param name="Target">The target label of a targeted run, −1 when untargeted.</param>
/// <param name="QueryBestL2">With query tracking: L2 of the least-distorted query point that met the criterion (null: not tracked or none).</param>
/// <param name="Omega">Roughness Ω(r; h) = ‖r − r∗h‖₂² of r = y − x (SmoothFool eq. 4; h Gaussian σ_h = 1, <see cref="Smoothing.Roughness"/>); null when not measured (older records, non-image inputs).</param>
/// <param name="OmegaN">Normalised roughness Ω_n = Ω / ‖r‖₂²; null when not measured or r = 0.</param>
public sealed record ImageRecord(int Index, int Label, bool Success, double L2, int AdvLabel, double Linf = 0, int L0 = 0, long Gradients = 0,
                                 long Forwards = 0, int Target = -1, double? QueryBestL2 = null, double? Omega = null, double? OmegaN = null);
