namespace AdvCore;

/// <summary>Element type of a tensor.</summary>
public enum DType
{
    /// <summary>32-bit float (images, weights, activations).</summary>
    F32 = 0,
    /// <summary>32-bit signed integer (labels, predictions).</summary>
    I32 = 1,
}
