namespace AdvCore.Nn;

/// <summary>
/// Replaces the output of top-level layer <paramref name="layer"/> of a network pass by another
/// tensor of the same shape (a feature-map defense such as patch replacement). The rest of the
/// network runs on the returned tensor; the backward pass treats the replacement as the identity
/// (BPDA, Athalye et al. 2018). Return <paramref name="output"/> itself to leave a layer as is.
/// </summary>
/// <param name="layer">Index into <see cref="Network.Layers"/> of the layer that produced <paramref name="output"/>.</param>
/// <param name="output">That layer's output [N, ...].</param>
public delegate Tensor FeatureHook(int layer, Tensor output);
