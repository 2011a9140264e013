using System.Globalization;
using NUnit.Framework;

namespace AdvCore.Tests.Engine;

/// <summary>Element-wise comparison with an explicit tolerance |a − e| ≤ atol + rtol·|e|, reporting the worst element.</summary>
internal static class Close
{
    public static void Assert(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double atol, double rtol, string what)
    {
        NUnit.Framework.Assert.That(actual.Length, Is.EqualTo(expected.Length), $"{what}: length");
        int worst = -1;
        double worstExcess = 0, maxError = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            if (double.IsNaN(a) != double.IsNaN(e))
                NUnit.Framework.Assert.Fail($"{what}: element {i} is {a}, expected {e}");
            double error = Math.Abs(a - e);
            maxError = Math.Max(maxError, error);
            double excess = error - (atol + rtol * Math.Abs(e));
            if (excess > worstExcess)
            {
                worstExcess = excess;
                worst = i;
            }
        }
        if (worst >= 0)
            NUnit.Framework.Assert.Fail(string.Create(CultureInfo.InvariantCulture,
                $"{what}: element {worst} is {actual[worst]:R}, expected {expected[worst]:R} (atol {atol}, rtol {rtol}; max abs error {maxError:G3})"));
    }

    /// <summary>Tolerance relative to the largest magnitude: |a − e| ≤ rel·(1 + max|e|).</summary>
    public static void AssertScaled(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double rel, string what)
    {
        double scale = 0;
        foreach (float v in expected) scale = Math.Max(scale, Math.Abs(v));
        Assert(expected, actual, rel * (1 + scale), 0, what);
    }

    public static void AssertExact(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        NUnit.Framework.Assert.That(actual.Length, Is.EqualTo(expected.Length), $"{what}: length");
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                NUnit.Framework.Assert.Fail($"{what}: element {i} is {actual[i]:R}, expected exactly {expected[i]:R}");
    }
}
