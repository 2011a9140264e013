using System.CommandLine;
using AdvCore.Models;
using AdvCore.Onnx;

namespace AdvCore.Cli;

/// <summary><c>advcore import</c>: turns an ONNX classifier into an AdvCore model file (docs/onnx.md).</summary>
internal static class ImportCommand
{
    public static Command Create()
    {
        var onnx = CommonOptions.Required<string>("--onnx", "ONNX model to import (Conv, Gemm/MatMul, Relu, LeakyRelu, Clip, pools, BatchNormalization, residual Add, Flatten/Reshape, Dropout)");
        var output = CommonOptions.Required<string>("--out", "Model file to write (safetensors)");
        var name = new Option<string?>("--name") { Description = "Architecture name to store (default: the ONNX graph's name)" };
        var command = new Command("import", "Import an ONNX classifier (e.g. exported by PyTorch) as an AdvCore model file; every command also reads .onnx models directly");
        command.Options.Add(onnx);
        command.Options.Add(output);
        command.Options.Add(name);
        command.SetAction(parse =>
        {
            string source = parse.GetValue(onnx)!, target = parse.GetValue(output)!;
            CommonOptions.Check(!OnnxImport.IsOnnxPath(target), $"--out must name a safetensors model file, not '{target}'");
            using var context = Context.Create(Device.Cpu, threads: 1);
            using var loaded = ModelFile.Load(source, context);
            var architecture = parse.GetValue(name) is { Length: > 0 } n ? loaded.Architecture with { Name = n } : loaded.Architecture;
            var training = TrainingRecord(loaded.Training);
            training["imported_from"] = Path.GetFileName(source);
            ModelFile.Save(target, architecture, loaded.Network, training);
            Console.WriteLine($"{source} -> {target}: {architecture.Name}, input [{string.Join("x", architecture.InputShape)}], {architecture.Classes} classes");
            Console.WriteLine(loaded.Network.Summary());
            return 0;
        });
        return command;
    }

    /// <summary>The record an AdvCore export carried (string values), or an empty one.</summary>
    private static Dictionary<string, string> TrainingRecord(string? json)
    {
        if (json is null) return [];
        try { return System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? []; }
        catch (System.Text.Json.JsonException) { return new() { ["training"] = json }; }
    }
}
