using System.CommandLine;

namespace AdvCore.Cli;

/// <summary>Options several commands share (data folder, device, threads), and what they build.</summary>
internal static class CommonOptions
{
    public static Option<string?> Data() => new("--data")
    {
        Description = "Folder holding the datasets (mnist/, fashion-mnist/, cifar10/); default: $ADVCORE_DATA, ~/.cache/advcore/datasets",
    };

    public static Option<string> Device() => new("--device")
    {
        Description = "Compute backend: cpu or cuda",
        DefaultValueFactory = _ => "cpu",
    };

    public static Option<int> Threads() => new("--threads")
    {
        Description = "CPU threads (0 = all cores)",
        DefaultValueFactory = _ => 0,
    };

    public static Option<T> Required<T>(string name, string description) => new(name) { Description = description, Required = true };

    /// <summary>--model: a model file written by advcore train.</summary>
    public static Option<string> ModelFile() => Required<string>("--model", "Model file (safetensors written by advcore train, or an .onnx model)");

    /// <summary>--dataset: mnist, fashion-mnist or cifar10.</summary>
    public static Option<string> Dataset() => Required<string>("--dataset", "mnist, fashion-mnist or cifar10");

    /// <summary>--batch of the attack commands.</summary>
    public static Option<int> AttackBatch() => new("--batch") { Description = "Images per attack batch", DefaultValueFactory = _ => 100 };

    /// <summary>--squeeze: input transforms of a defended model (repeatable, applied in order).</summary>
    public static Option<string[]> Squeeze() => new("--squeeze")
    {
        Description = "Defend the model with input transforms, applied in order: bit-depth:B (feature squeezing to B bits), median:K (K×K median filter), deflection[:N[:W]] (pixel deflection + wavelet denoising). Attacks get BPDA gradients (identity through the transform)",
    };

    /// <summary>The model defended by the <c>--squeeze</c> transforms, or the model itself when there are none.</summary>
    public static Attacks.IClassifier Defend(Attacks.IClassifier model, string[]? squeeze) =>
        squeeze is { Length: > 0 } ? new Defenses.TransformedClassifier(model, [.. squeeze.Select(s => Defenses.InputTransforms.Parse(s, model.InputShape))]) : model;

    public static Context CreateContext(string device, int threads, ulong seed = 0)
    {
        var chosen = device.ToLowerInvariant() switch
        {
            "cpu" => AdvCore.Device.Cpu,
            "cuda" or "gpu" => AdvCore.Device.Cuda,
            _ => throw new ArgumentException($"unknown device '{device}' (expected cpu or cuda)"),
        };
        if (threads < 0) throw new ArgumentException($"--threads must be >= 0 (got {threads})");
        return Context.Create(chosen, CapThreads(threads), seed);
    }

    // More threads than cores only adds contention (and a huge count can exhaust the process), so
    // cap it, but say so: a silently changed setting would make timings misleading.
    private static int CapThreads(int threads)
    {
        int cores = Environment.ProcessorCount;
        if (threads <= cores) return threads;
        Console.Error.WriteLine($"advcore: warning: --threads {threads} is more than the {cores} cores of this machine; using {cores}");
        return cores;
    }

    /// <summary>Refuses a value outside its range with one clear line.</summary>
    public static void Check(bool ok, string message)
    {
        if (!ok) throw new ArgumentException(message);
    }
}
