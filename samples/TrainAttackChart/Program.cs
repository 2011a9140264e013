// Train C4 on MNIST for one epoch, attack the first 200 test images with BP and DDN, and draw
// their operating characteristics P(D) on one chart (AdvCore.Plots).
//   dotnet run --project samples/TrainAttackChart -- [out-folder] [max-training-images]
using System.Globalization;
using AdvCore;
using AdvCore.Data;
using AdvCore.Evaluation;
using AdvCore.Models;
using AdvCore.Nn;
using AdvCore.Training;
using AdvCore.Attacks;

string folder = args.Length > 0 ? args[0] : "train-attack-chart";
int maxImages = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 0;   // 0: all 60,000
Directory.CreateDirectory(folder);

using var context = Context.Create(Device.Cpu, seed: 1);
var train = DatasetCatalog.Load("mnist", DatasetSplit.Train);
var test = DatasetCatalog.Load("mnist", DatasetSplit.Test);

// Training: the thesis's recipe (Adam 1e-3, batch 128), one epoch.
var options = new TrainingOptions { Epochs = 1, MaxImagesPerEpoch = maxImages };
var architecture = ModelZoo.Create("c4", test.Shape, test.Classes);
using var trainer = new Trainer(Network.Build(context, architecture.InputShape, architecture.Layers, options.Seed), architecture, options, ownsNetwork: true);
var epoch = trainer.RunEpoch(train, test.Take(0, 1000));
Console.WriteLine($"trained C4 in {epoch.Seconds:F1} s: test accuracy {epoch.TestAccuracy:F4} (first 1000 test images)");
string modelPath = Path.Combine(folder, "c4.safetensors");
ModelFile.Save(modelPath, architecture, trainer.Network);

// Attacks: the thesis protocol on the first 200 test images (only correctly classified ones are attacked).
var classifier = new NetworkClassifier(trainer.Network);
var slice = test.Take(0, 200);
var records = new List<AttackRunRecord>();
foreach (var (name, iterations) in new[] { ("bp", 20), ("ddn", 100) })
{
    var attack = AttackRegistry.Create(name, "mnist", iterations: iterations);
    var record = new AttackRunner(classifier, attack, new AttackRunnerOptions { Dataset = "mnist", Model = modelPath }).Run(slice).Record;
    record.Save(Path.Combine(folder, $"{name}-{iterations}.json"));
    records.Add(record);
    Console.WriteLine($"{name} {iterations}: P_suc {record.PSuc:F3}, D̄ {record.MeanL2:F3}, P_upp {record.PUpp:F3} at D_upp {record.DUpp}");
}

// Chart: P(D) of both runs, D_upp dashed.
string chart = Path.Combine(folder, "operating-characteristic.png");
OperatingCharacteristicChart.Save(chart, records, "BP 20 vs DDN 100, C4 on MNIST");
Console.WriteLine($"wrote {chart}");
