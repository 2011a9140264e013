namespace AdvCore.Bench;

/// <summary>The backends a benchmark runs on: "cpu" always, "cuda" only where a GPU answers.</summary>
public static class Backends
{
    public static IEnumerable<string> Available()
    {
        yield return "cpu";
        if (Context.IsAvailable(Device.Cuda, out _)) yield return "cuda";
    }

    public static Device Parse(string name) => name switch
    {
        "cpu" => Device.Cpu,
        "cuda" => Device.Cuda,
        _ => throw new ArgumentException($"unknown backend '{name}' (cpu | cuda)"),
    };
}
