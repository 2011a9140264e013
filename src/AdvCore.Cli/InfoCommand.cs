using System.CommandLine;
using AdvCore.Models;

namespace AdvCore.Cli;

/// <summary><c>advcore info</c>: a model file's layers, parameters, MACs per image and training record.</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Required<string>("--model", "Model file (safetensors)");
        var command = new Command("info", "Describe a model file: layers, parameters, MACs per image, how it was trained");
        command.Options.Add(model);
        command.SetAction(parse =>
        {
            string path = parse.GetValue(model)!;
            using var context = Context.Create(Device.Cpu, threads: 1);
            using var loaded = ModelFile.Load(path, context);
            Console.WriteLine($"{path}: {loaded.Architecture.Name}, input [{string.Join("x", loaded.Architecture.InputShape)}], {loaded.Architecture.Classes} classes");
            Console.WriteLine(loaded.Network.Summary());
            Console.WriteLine($"training: {loaded.Training ?? "(no record)"}");
            return 0;
        });
        return command;
    }
}
