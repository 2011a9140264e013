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
        var random = new SplitMix64(seed ^ (0xD1B54A32D192ED03UL * (ulong)(epoch + 1)));
        for (int i = count - 1; i > 0; i--)
        {
            int j = random.NextInt(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }
}
