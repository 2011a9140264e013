using AdvCore.Tests.Engine;

namespace AdvCore.Tests.Nn;

/// <summary>Small generated datasets for network tests.</summary>
internal static class TinyData
{
    /// <summary>
    /// A separable 3-class set of 1×8×8 images: class c has a bright horizontal bar on rows
    /// 2c+1..2c+2, on top of uniform noise in [0, 0.3).
    /// </summary>
    public static (float[] Images, int[] Labels) Bars(int seed, int n, int classes = 3)
    {
        var random = new Random(seed);
        var images = new float[n * 64];
        var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            int c = i % classes;
            labels[i] = c;
            for (int p = 0; p < 64; p++)
            {
                int row = p / 8;
                float bar = row == 2 * c + 1 || row == 2 * c + 2 ? 0.7f : 0f;
                images[i * 64 + p] = bar + 0.3f * (float)random.NextDouble();
            }
        }
        return (images, labels);
    }

    /// <summary>Images in [0,1] of <paramref name="shape"/> [N,C,H,W].</summary>
    public static float[] Images(int seed, params long[] shape) => TestData.Uniform(seed, TestData.Product(shape), 0f, 1f);
}
