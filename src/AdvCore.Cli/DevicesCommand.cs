using System.CommandLine;

namespace AdvCore.Cli;

/// <summary><c>advcore devices</c>: which backends exist here, and why CUDA is or is not available.</summary>
internal static class DevicesCommand
{
    public static Command Create()
    {
        var command = new Command("devices", "List the compute backends on this machine and why CUDA is or is not available");
        command.SetAction(_ =>
        {
            Console.WriteLine($"AdvCore engine {Context.EngineVersion}");
            foreach (var device in new[] { Device.Cpu, Device.Cuda })
            {
                bool available = Context.IsAvailable(device, out var reason);
                if (device == Device.Cpu && available)
                {
                    using var ctx = Context.Create(Device.Cpu);
                    Console.WriteLine($"cpu   available ({ctx.Threads} threads, OpenBLAS + OpenMP kernels; reference kernels on request)");
                }
                else
                {
                    Console.WriteLine($"{device.ToString().ToLowerInvariant(),-5} {(available ? "available" : "unavailable")}{(string.IsNullOrEmpty(reason) ? "" : ": " + reason)}");
                }
            }
            return 0;
        });
        return command;
    }
}
