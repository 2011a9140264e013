namespace AdvCore.Nn;

/// <summary>
/// The result of one gradient evaluation (<see cref="Network.InputGradient(Tensor, Tensor, LossKind, float)"/>). The tensors are
/// owned by the network and valid until its next call (which overwrites them, or releases them
/// when it evicts this batch size's buffers): copy what must be kept, and never dispose them.
/// </summary>
/// <param name="Loss">Per-sample loss [N].</param>
/// <param name="Logits">Logits [N, K].</param>
/// <param name="Gradient">∂loss_i/∂x_i, the shape of the input.</param>
public readonly record struct GradientResult(Tensor Loss, Tensor Logits, Tensor Gradient);
