namespace AdvCore.Tests.Engine;

/// <summary>Deterministic random host data for tests (never all zeros).</summary>
internal static class TestData
{
    public static float[] Uniform(int seed, long count, float lo = -1f, float hi = 1f)
    {
        var random = new Random(seed);
        var data = new float[count];
        for (long i = 0; i < count; i++) data[i] = lo + (hi - lo) * (float)random.NextDouble();
        return data;
    }

    public static float[] Normal(int seed, long count, double std = 1.0)
    {
        var random = new Random(seed);
        var data = new float[count];
        for (long i = 0; i < count; i++)
        {
            double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
            data[i] = (float)(std * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        return data;
    }

    public static int[] Labels(int seed, int count, int classes)
    {
        var random = new Random(seed);
        var labels = new int[count];
        for (int i = 0; i < count; i++) labels[i] = random.Next(classes);
        return labels;
    }

    public static long Product(ReadOnlySpan<long> shape)
    {
        long p = 1;
        foreach (long d in shape) p *= d;
        return p;
    }
}
