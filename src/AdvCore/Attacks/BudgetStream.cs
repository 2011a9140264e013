namespace AdvCore.Attacks;

/// <summary>
/// The random stream of one budget ε of a budgeted attack: a pure function of (seed, ε), so a
/// budget's run draws the same noise whether it runs alone or among others, and the per-budget
/// success matrix equals running each budget by itself. ε's float bits select a disjoint block
/// of 2³² Philox counters above the seed.
/// </summary>
internal static class BudgetStream
{
    internal static ulong Offset(ulong seed, float epsilon) => seed + ((ulong)BitConverter.SingleToUInt32Bits(epsilon) << 32);

    internal static int HostSeed(ulong seed, float epsilon) => unchecked((int)(seed * 0x9E3779B1UL) ^ (int)BitConverter.SingleToUInt32Bits(epsilon));
}
