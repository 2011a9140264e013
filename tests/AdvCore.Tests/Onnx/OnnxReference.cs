using AdvCore.Nn;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace AdvCore.Tests.Onnx;

/// <summary>ONNX Runtime (the reference implementation) and the comparisons the ONNX tests share.</summary>
internal static class OnnxReference
{
    /// <summary>Logits ONNX Runtime computes for <paramref name="x"/> [N, ...shape] with the model in <paramref name="model"/>.</summary>
    public static float[] Logits(byte[] model, float[] x, int[] shape)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(model, options);
        string input = session.InputMetadata.Keys.Single();
        var tensor = new DenseTensor<float>(x, shape);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(input, tensor)]);
        return results.Single().AsEnumerable<float>().ToArray();
    }

    /// <summary>Our eval-mode logits for <paramref name="x"/> [N, ...InputShape].</summary>
    public static float[] Logits(Network network, float[] x)
    {
        long n = x.Length / network.InputShape.Aggregate(1, (a, d) => a * d);
        using var tensor = Tensor.FromArray(network.Context, x, [n, .. network.InputShape.Select(d => (long)d)]);
        return network.Forward(tensor).ToArray();
    }

    public static double MaxAbsDiff(float[] a, float[] b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"lengths differ: {a.Length} vs {b.Length}");
        double max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs((double)a[i] - b[i]));
        return max;
    }

    /// <summary>Argmax of each row of [N, K] logits.</summary>
    public static int[] Classes(float[] logits, int k) =>
        Enumerable.Range(0, logits.Length / k).Select(i =>
        {
            var row = logits.AsSpan(i * k, k);
            int best = 0;
            for (int j = 1; j < k; j++) if (row[j] > row[best]) best = j;
            return best;
        }).ToArray();

    /// <summary>Uniform [0, 1) values, as image pixels.</summary>
    public static float[] Uniform(int count, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)rng.NextDouble()).ToArray();
    }

    /// <summary>
    /// Replaces zero biases and the identity batch-norm statistics of a freshly built network by
    /// random values, so that every tensor of the export is exercised (never zeros).
    /// </summary>
    public static void Randomize(Network network, int seed)
    {
        var rng = new Random(seed);
        float U(double lo, double hi) => (float)(lo + (hi - lo) * rng.NextDouble());
        var state = new Dictionary<string, (long[] Shape, float[] Data)>();
        foreach (var (name, (shape, data)) in network.GetState())
        {
            float[] values = name.EndsWith(".running_var", StringComparison.Ordinal) ? data.Select(_ => U(0.5, 2)).ToArray()
                : name.EndsWith(".running_mean", StringComparison.Ordinal) ? data.Select(_ => U(-0.2, 0.2)).ToArray()
                : name.EndsWith(".bias", StringComparison.Ordinal) ? data.Select(_ => U(-0.2, 0.2)).ToArray()
                : IsBatchNormWeight(network, name) ? data.Select(_ => U(0.5, 1.5)).ToArray()
                : data;
            state[name] = (shape, values);
        }
        network.LoadState(state);
    }

    private static bool IsBatchNormWeight(Network network, string name) =>
        name.EndsWith(".weight", StringComparison.Ordinal) && network.GetState().ContainsKey(name[..^"weight".Length] + "running_mean");
}
