namespace AdvCore;

/// <summary>Where a context's tensors live and its kernels run.</summary>
public enum Device
{
    /// <summary>Host memory and the CPU kernels (always available).</summary>
    Cpu = 0,
    /// <summary>An NVIDIA GPU through the CUDA driver, when one answers.</summary>
    Cuda = 1,
}
