using AdvCore; using AdvCore.Attacks; using AdvCore.Data; using AdvCore.Evaluation; using AdvCore.Models;

using var context = Context.Create(Device.Cpu);
using var model = ModelFile.Load(args.Length > 0 ? args[0] : "c4.safetensors", context);
var images = DatasetCatalog.Load("mnist", DatasetSplit.Test).Take(0, 100);
var attack = AttackRegistry.Create("bp", "mnist", iterations: 20);
var record = new AttackRunner(model, attack).Run(images).Record;
Console.WriteLine($"BP 20 on {record.Count} MNIST test images ({record.Correct} attacked): P_suc {record.PSuc:F3}, D̄ {record.MeanL2:F3}");
