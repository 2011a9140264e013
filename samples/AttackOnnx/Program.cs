// Attack your own model: a classifier exported to ONNX (PyTorch: torch.onnx.export(model,
// torch.zeros(1, 1, 28, 28), "net.onnx"), logits out, no Softmax; or ours: ./advcore export
// --model c4.safetensors --onnx c4.onnx) is imported onto AdvCore's layers and attacked with BP and
// DDN under the thesis protocol on the test set its input shape fits (MNIST or CIFAR-10).
//   dotnet run --project samples/AttackOnnx -- net.onnx [images]
using System.Globalization;
using AdvCore;
using AdvCore.Attacks;
using AdvCore.Data;
using AdvCore.Evaluation;
using AdvCore.Models;

if (args.Length == 0) { Console.Error.WriteLine("usage: AttackOnnx net.onnx [images]"); return 2; }
int count = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100;

using var context = Context.Create(Device.Cpu);
using var model = ModelFile.Load(args[0], context);   // .onnx: imported; an unsupported operator is refused by name
string shape = string.Join("x", model.InputShape);
string? dataset = shape switch { "1x28x28" => "mnist", "3x32x32" => "cifar10", _ => null };
Console.WriteLine($"{Path.GetFileName(args[0])}: {model.Architecture.Layers.Count} layers, input {shape}, {model.Classes} classes");
if (dataset is null) { Console.Error.WriteLine($"no test set of {shape} images (MNIST is 1x28x28, CIFAR-10 3x32x32)"); return 1; }

var images = DatasetCatalog.Load(dataset, DatasetSplit.Test).Take(0, count);
foreach (var (name, iterations) in new[] { ("bp", 20), ("ddn", 100) })
{
    var record = new AttackRunner(model, AttackRegistry.Create(name, dataset, iterations: iterations)).Run(images).Record;
    Console.WriteLine($"{name} {iterations}: {record.Correct} of {record.Count} {dataset} test images classified correctly and attacked; P_suc {record.PSuc:F3}, D̄ {record.MeanL2:F3}");
}
return 0;
