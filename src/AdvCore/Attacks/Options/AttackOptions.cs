namespace AdvCore.Attacks;

/// <summary>
/// Settings shared by every attack. Each attack has its own derived record whose defaults are the
/// thesis settings (H. Zhang 2021, §5.3.1) unless noted; <see cref="Validate"/> runs when the
/// attack is created and throws an <see cref="ArgumentException"/> naming the bad option.
/// </summary>
public abstract record AttackOptions
{
    /// <summary>
    /// Return adversarial images on the 8-bit grid {0, 1/255, …, 1} and judge success and
    /// distortion there (thesis Table 5.2). False: real-valued images in [0,1] (Table 5.3); attacks
    /// that round their iterates (DDN, BP) then stop rounding too.
    /// </summary>
    public bool Quantize { get; init; } = true;

    /// <summary>Offset into the context's Philox stream for random starts and noise.</summary>
    public ulong Seed { get; init; }

    /// <summary>Throws an <see cref="ArgumentException"/> (or a subclass) naming the first invalid option.</summary>
    public virtual void Validate() { }
}
