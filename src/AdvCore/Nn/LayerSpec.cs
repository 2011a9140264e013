namespace AdvCore.Nn;

/// <summary>
/// A layer description: pure data that <see cref="Network.Build"/> turns into parameters and
/// kernels. Layers are applied in order; parameter names follow PyTorch's nn.Sequential
/// ("{index}.weight"), so a layer without parameters still takes an index.
/// </summary>
public abstract record LayerSpec;
