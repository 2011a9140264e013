namespace AdvCore.Training;

/// <summary>
/// The visiting order of an epoch: a Fisher-Yates permutation driven by SplitMix64 keyed by
/// (seed, epoch), so the order depends on nothing else — not the .NET version, not how many
/// epochs ran before a resume.
/// </summary>
internal static class ShuffleOrder
{
    public static int[] Permutation(int count, ulong seed, int epoch)
    {
        var order = new int[count];
        for (int i = 0; i < count; i++) order[i] = i;
        ulong state = seed ^ (0xD1B54A32D192ED03UL * (ulong)(epoch + 1));
        for (int i = count - 1; i > 0; i--)
        {
            int j = (int)(Next(ref state) % (ulong)(i + 1));
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    private static ulong Next(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
