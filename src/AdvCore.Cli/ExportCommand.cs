using System.CommandLine;
using AdvCore.Models;

namespace AdvCore.Cli;

/// <summary><c>advcore export --onnx</c>: writes a model file as an ONNX model (docs/onnx.md).</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var model = CommonOptions.ModelFile();
        var onnx = CommonOptions.Required<string>("--onnx", "ONNX file to write (opset 13: input 'input' [N, C, H, W], output 'logits' [N, K])");
        var command = new Command("export", "Write a model as ONNX, for ONNX Runtime, PyTorch or any other ONNX tool");
        command.Options.Add(model);
        command.Options.Add(onnx);
        command.SetAction(parse =>
        {
            string source = parse.GetValue(model)!, target = parse.GetValue(onnx)!;
            CommonOptions.Check(target.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase), $"--onnx must name a .onnx file (got '{target}')");
            using var context = Context.Create(Device.Cpu, threads: 1);
            using var loaded = ModelFile.Load(source, context);
            ModelFile.SaveOnnx(target, loaded.Architecture, loaded.Network, loaded.Training);
            Console.WriteLine($"{target}: {loaded.Architecture.Name}, input [N, {string.Join(", ", loaded.Architecture.InputShape)}], {loaded.Architecture.Classes} classes, {loaded.Network.ParameterCount} parameters ({new FileInfo(target).Length} bytes)");
            return 0;
        });
        return command;
    }
}
