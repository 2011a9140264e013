namespace AdvCore.Evaluation;

/// <summary>
/// What <see cref="MinimalFgsm"/> found for a batch of N images of D values each.
/// </summary>
/// <param name="Epsilon">Per image: the smallest ε found that flips the label (0 for an image already misclassified); for an image that never flipped, the largest ε tried.</param>
/// <param name="Flipped">Per image: whether the image at <paramref name="Epsilon"/> is misclassified (a fresh prediction on <paramref name="Adversarial"/>).</param>
/// <param name="Unflipped">Per image: the largest ε known not to flip the label (the bisection's lower end; 0 when the first grid step flips it).</param>
/// <param name="Predicted">Per image: the predicted class of the returned image.</param>
/// <param name="Adversarial">The images clip(x + ε·sign ∇ₓJ), row-major [N·D] (not quantized).</param>
public sealed record MinimalPerturbation(float[] Epsilon, bool[] Flipped, float[] Unflipped, int[] Predicted, float[] Adversarial);
