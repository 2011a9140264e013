namespace AdvCore;

/// <summary>How a convolution pads its input.</summary>
public enum PaddingMode
{
    /// <summary>No padding: the kernel only visits full windows.</summary>
    Valid = 0,
    /// <summary>TensorFlow 'same': output = ceil(in / stride), the extra row/column going to the bottom/right.</summary>
    Same = 1,
    /// <summary>Explicit rows/columns on each side.</summary>
    Explicit = 2,
}
