namespace AdvCore.Training;

/// <summary>
/// SplitMix64 (Steele, Lea and Flood 2014): a host random stream that depends on its seed only —
/// not on the .NET version — for shuffles and samplers that must repeat exactly on resume.
/// </summary>
internal struct SplitMix64(ulong seed)
{
    private ulong _state = seed;

    public ulong Next()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, bound) (bound ≥ 1; the modulo bias is below 2⁻³² for bounds under 2³²).</summary>
    public int NextInt(int bound) => (int)(Next() % (ulong)bound);

    /// <summary>Uniform in [0, 1) with 53 bits.</summary>
    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));
}
