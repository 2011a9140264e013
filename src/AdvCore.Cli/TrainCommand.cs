using System.CommandLine;
using System.Globalization;
using AdvCore.Data;
using AdvCore.Models;
using AdvCore.Nn;
using AdvCore.Training;

namespace AdvCore.Cli;

/// <summary>
/// <c>advcore train</c>: trains a zoo model on a dataset, writing the model file and a
/// checkpoint (<c>FILE.ckpt</c>) atomically after every epoch; <c>--resume</c> continues from it.
/// Interrupted (SIGINT/SIGTERM), it stops before the next batch, keeps the files of the last
/// finished epoch and exits with 130, printing the command that continues.
/// </summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Required<string>("--model", $"Architecture: {string.Join(", ", ModelZoo.Names)}");
        var dataset = CommonOptions.Required<string>("--dataset", "mnist, fashion-mnist or cifar10");
        var output = CommonOptions.Required<string>("--out", "Model file to write (safetensors)");
        var epochs = new Option<int>("--epochs") { Description = "Epochs", DefaultValueFactory = _ => 6 };
        var batch = new Option<int>("--batch") { Description = "Batch size", DefaultValueFactory = _ => 128 };
        var optimizer = new Option<string>("--optimizer") { Description = "adam or sgd (with momentum)", DefaultValueFactory = _ => "adam" };
        var lr = new Option<float>("--lr") { Description = "Learning rate", DefaultValueFactory = _ => 1e-3f };
        var schedule = new Option<string>("--lr-schedule")
        {
            Description = "constant, or cosine (half a cosine from --lr down to 0 over the run)",
            DefaultValueFactory = _ => LearningRateSchedule.Constant,
        };
        var momentum = new Option<float>("--momentum") { Description = "SGD momentum", DefaultValueFactory = _ => 0.9f };
        var weightDecay = new Option<float>("--weight-decay") { Description = "L2 weight decay", DefaultValueFactory = _ => 0f };
        var seed = new Option<ulong>("--seed") { Description = "Seed of weights, shuffling, noise and dropout", DefaultValueFactory = _ => 1 };
        var activation = new Option<string?>("--activation") { Description = "relu, leaky[:slope] or brelu[:t] (default: the model's own)" };
        var noisyCopies = new Option<int>("--noisy-copies") { Description = "Gaussian augmentation: N noisy copies per image (0 = off)", DefaultValueFactory = _ => 0 };
        var sigma = new Option<float>("--sigma") { Description = "Gaussian augmentation σ", DefaultValueFactory = _ => 0f };
        var inputNoise = new Option<float>("--input-noise") { Description = "CNI-I: σ of the noise added to every training image (0 = off)", DefaultValueFactory = _ => 0f };
        var weightNoise = new Option<float>("--weight-noise") { Description = "CNI-W: weight noise α·std(w)·N(0,1) per step on conv/linear weights (0 = off)", DefaultValueFactory = _ => 0f };
        var adversary = new Option<string?>("--adversary") { Description = "Adversarial training: registry attack making each batch's adversarial rows (fgsm, pgdinf, pgd2, epgd, ddn, bp, …)" };
        var adversaryOptions = new Option<string>("--adversary-options")
        {
            Description = "The adversary's options 'name=value;…' (budgeted attacks need one epsilons=E; e.g. 'epsilons=0.3;random-start=true')",
            DefaultValueFactory = _ => "",
        };
        var adversaryIterations = new Option<int?>("--adversary-iterations") { Description = "The adversary's iterations (default: the attack's)" };
        var adversaryRatio = new Option<float>("--adversary-ratio") { Description = "Share of each batch replaced by adversarial examples", DefaultValueFactory = _ => 0.5f };
        var vatEpsilon = new Option<float?>("--vat-epsilon") { Description = "Virtual adversarial training: L2 length ε of r_vadv (seed 002: 2.1; unset = off)" };
        var vatXi = new Option<float?>("--vat-xi") { Description = $"VAT: L2 length ξ of the power iteration's probe (default {VirtualAdversarial.DefaultXi.ToString(CultureInfo.InvariantCulture)})" };
        var vatIterations = new Option<int?>("--vat-iterations") { Description = "VAT: power iterations per batch (default 1)" };
        var vatWeight = new Option<float?>("--vat-weight") { Description = "VAT: weight α of the KL term (default 1)" };
        var init = new Option<string?>("--init") { Description = "Fine-tune: start from this model file's weights (its architecture; --model must name it)" };
        var smoothing = new Option<float>("--label-smoothing") { Description = "Label smoothing mass (0 = off)", DefaultValueFactory = _ => 0f };
        var maxImages = new Option<int>("--max-images") { Description = "Images per epoch (0 = the whole training set)", DefaultValueFactory = _ => 0 };
        var testCount = new Option<int>("--test-count") { Description = "Test images evaluated after each epoch (0 = the whole test split)", DefaultValueFactory = _ => 0 };
        var resume = new Option<bool>("--resume") { Description = "Continue from FILE.ckpt if it exists (--epochs may extend a finished run)" };
        var data = CommonOptions.Data();
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();

        var command = new Command("train", "Train a model of the zoo on a dataset");
        foreach (var o in new Option[] { model, dataset, output, epochs, batch, optimizer, lr, schedule, momentum, weightDecay, seed, activation,
                                         noisyCopies, sigma, inputNoise, weightNoise, adversary, adversaryOptions, adversaryIterations, adversaryRatio,
                                         vatEpsilon, vatXi, vatIterations, vatWeight, init,
                                         smoothing, maxImages, testCount, resume, data, device, threads })
            command.Options.Add(o);

        command.SetAction(parse =>
        {
            string datasetName = DatasetCatalog.Normalize(parse.GetValue(dataset)!);
            string outPath = parse.GetValue(output)!;
            string checkpoint = outPath + ".ckpt";
            float? vat = parse.GetValue(vatEpsilon);
            CommonOptions.Check(vat is not null || (parse.GetValue(vatXi) is null && parse.GetValue(vatIterations) is null && parse.GetValue(vatWeight) is null),
                                "--vat-xi, --vat-iterations and --vat-weight need --vat-epsilon (VAT is off without it)");
            var defaults = new TrainingOptions();
            var options = new TrainingOptions
            {
                Epochs = parse.GetValue(epochs),
                BatchSize = parse.GetValue(batch),
                Optimizer = parse.GetValue(optimizer)!.ToLowerInvariant(),
                LearningRate = parse.GetValue(lr),
                LearningRateSchedule = parse.GetValue(schedule)!.ToLowerInvariant(),
                Momentum = parse.GetValue(momentum),
                WeightDecay = parse.GetValue(weightDecay),
                Seed = parse.GetValue(seed),
                NoisyCopies = parse.GetValue(noisyCopies),
                NoiseSigma = parse.GetValue(sigma),
                InputNoiseSigma = parse.GetValue(inputNoise),
                WeightNoiseScale = parse.GetValue(weightNoise),
                Adversary = parse.GetValue(adversary),
                AdversaryParameters = parse.GetValue(adversaryOptions)!,
                AdversaryIterations = parse.GetValue(adversaryIterations),
                AdversaryRatio = parse.GetValue(adversaryRatio),
                LabelSmoothing = parse.GetValue(smoothing),
                VatEpsilon = vat,
                VatXi = parse.GetValue(vatXi) ?? defaults.VatXi,
                VatPowerIterations = parse.GetValue(vatIterations) ?? defaults.VatPowerIterations,
                VatWeight = parse.GetValue(vatWeight) ?? defaults.VatWeight,
                MaxImagesPerEpoch = parse.GetValue(maxImages),
            };
            options.Validate();
            OutputPaths.ProbeFiles(("--out", outPath), ("--out (checkpoint)", checkpoint));
            Interruption.Graceful();
            var (c, h, w, classes) = DatasetCatalog.ShapeOf(datasetName);
            string? initPath = parse.GetValue(init);
            var architecture = initPath is null
                ? ModelZoo.Create(parse.GetValue(model)!, [c, h, w], classes, parse.GetValue(activation) is { } a ? ActivationChoice.Parse(a) : null)
                : InitArchitecture(initPath, parse.GetValue(model)!, [c, h, w], datasetName);

            using var context = CommonOptions.CreateContext(parse.GetValue(device)!, parse.GetValue(threads), options.Seed);
            var log = new Progress<string>(Console.WriteLine);
            var train = DatasetCatalog.Load(datasetName, DatasetSplit.Train, parse.GetValue(data), log: log);
            var test = DatasetCatalog.Load(datasetName, DatasetSplit.Test, parse.GetValue(data), log: log);
            int testImages = parse.GetValue(testCount);
            CommonOptions.Check(testImages >= 0, $"--test-count must be >= 0 (got {testImages})");
            if (testImages > 0 && testImages < test.Count) test = test.Take(0, testImages);
            using var trainer = parse.GetValue(resume) && File.Exists(checkpoint)
                ? Resumed(checkpoint, context, architecture, options)
                : new Trainer(Initial(context, architecture, options, initPath), architecture, options, ownsNetwork: true);
            try
            {
                Train(trainer, train, test, datasetName, outPath, checkpoint);
            }
            catch (OperationCanceledException) when (Interruption.Requested)
            {
                int epoch = trainer.CompletedEpochs + 1;
                Console.WriteLine(trainer.CompletedEpochs == 0
                    ? $"interrupted in epoch 1 before any epoch finished: nothing saved"
                    : $"interrupted in epoch {epoch}: {outPath} and {checkpoint} hold epoch {trainer.CompletedEpochs} of {trainer.Options.Epochs}");
                Console.WriteLine($"continue with: {Interruption.ResumeCommand()}");
                return ExitCodes.Interrupted;
            }
            return 0;
        });
        return command;
    }

    // The fine-tuned model's own architecture (activation included); --model must name it.
    private static ModelArchitecture InitArchitecture(string path, string model, int[] shape, string dataset)
    {
        var architecture = ModelFile.ReadArchitecture(path);
        if (!string.Equals(architecture.Name, model, StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"--init {path} holds a '{architecture.Name}' model, not '{model}'");
        if (!architecture.InputShape.SequenceEqual(shape))
            throw new ArgumentException($"--init {path} takes [{string.Join("x", architecture.InputShape)}] images, {dataset} has [{string.Join("x", shape)}]");
        return architecture;
    }

    private static Network Initial(Context context, ModelArchitecture architecture, TrainingOptions options, string? initPath)
    {
        var network = Network.Build(context, architecture.InputShape, architecture.Layers, options.Seed);
        if (initPath is null) return network;
        try
        {
            using var start = ModelFile.Load(initPath, context);
            network.LoadState(start.Network.GetState());
            Console.WriteLine($"fine-tuning from {initPath}");
            return network;
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    private static Trainer Resumed(string checkpoint, Context context, ModelArchitecture architecture, TrainingOptions options)
    {
        // Only the epoch count may change on resume: anything else would make the run a different one.
        var trainer = TrainingCheckpoint.Resume(checkpoint, context, options.Epochs);
        if (ArchitectureJson.Serialize(trainer.Architecture) != ArchitectureJson.Serialize(architecture) || trainer.Options != options)
        {
            trainer.Dispose();
            throw new ArgumentException($"{checkpoint} was made with another model or other options; remove it or drop --resume");
        }
        Console.WriteLine($"resuming from {checkpoint} after epoch {trainer.CompletedEpochs} of {options.Epochs}");
        return trainer;
    }

    private static void Train(Trainer trainer, LabeledImages train, LabeledImages test, string dataset, string outPath, string checkpoint)
    {
        var o = trainer.Options;
        Console.WriteLine($"training {trainer.Architecture.Name} on {dataset}: {train.Count} images, {trainer.Network.ParameterCount} parameters, " +
                          $"{o.Optimizer} lr {o.LearningRate.ToString(CultureInfo.InvariantCulture)} ({o.LearningRateSchedule}), batch {o.BatchSize}, {o.Epochs} epochs, {trainer.Network.Context.Threads} threads" +
                          (o.VatEpsilon is null ? "" : $"; virtual adversarial training: {VirtualAdversarial.Describe(o)}"));
        while (!trainer.Finished)
        {
            int epoch = trainer.CompletedEpochs + 1;
            var report = ProgressLine.Run($"epoch {epoch}/{o.Epochs}", update =>
                trainer.RunEpoch(train, test, new Progress<TrainingProgress>(p =>
                    update((double)p.Batch / p.Batches, $"loss {p.Loss:F4}{Divergence(p.VatDivergence)} acc {p.Accuracy:F4}{Split(p.CleanAccuracy, p.AdversarialAccuracy)} {p.ImagesPerSecond:F0} img/s")),
                    Interruption.Token));
            trainer.SaveCheckpoint(checkpoint);
            ModelFile.Save(outPath, trainer.Architecture, trainer.Network, TrainingRecord(trainer, dataset));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"epoch {report.Epoch}/{o.Epochs}: loss {report.Loss:F4}{Divergence(report.VatDivergence)}, train accuracy {report.TrainAccuracy:F4}{Split(report.CleanAccuracy, report.AdversarialAccuracy)}, test accuracy {report.TestAccuracy:F4}, " +
                $"{report.ImagesPerSecond:F0} images/s, {report.Seconds:F1} s; saved {outPath}"));
        }
    }

    private static string Split(double? clean, double? adversarial) =>
        adversarial is null && clean is null ? "" : string.Create(CultureInfo.InvariantCulture,
            $" (clean {(clean is double c ? c.ToString("F4", CultureInfo.InvariantCulture) : "–")}, adversarial {(adversarial is double a ? a.ToString("F4", CultureInfo.InvariantCulture) : "–")})");

    // VAT's KL term beside the loss (which includes α·KL).
    private static string Divergence(double? kl) =>
        kl is double d ? string.Create(CultureInfo.InvariantCulture, $" (VAT KL {d:F4})") : "";

    internal static Dictionary<string, string> TrainingRecord(Trainer trainer, string dataset)
    {
        var o = trainer.Options;
        var last = trainer.History[^1];
        return new Dictionary<string, string>
        {
            ["dataset"] = dataset,
            ["epochs"] = trainer.CompletedEpochs.ToString(CultureInfo.InvariantCulture),
            ["optimizer"] = o.Optimizer,
            ["learning_rate"] = o.LearningRate.ToString(CultureInfo.InvariantCulture),
            ["learning_rate_schedule"] = o.LearningRateSchedule,
            ["batch_size"] = o.BatchSize.ToString(CultureInfo.InvariantCulture),
            ["seed"] = o.Seed.ToString(CultureInfo.InvariantCulture),
            ["noisy_copies"] = o.NoisyCopies.ToString(CultureInfo.InvariantCulture),
            ["noise_sigma"] = o.NoiseSigma.ToString(CultureInfo.InvariantCulture),
            ["input_noise_sigma"] = o.InputNoiseSigma.ToString(CultureInfo.InvariantCulture),
            ["weight_noise_scale"] = o.WeightNoiseScale.ToString(CultureInfo.InvariantCulture),
            ["adversary"] = o.Adversary is null ? "" : $"{o.Adversary} {o.AdversaryParameters} iterations {o.AdversaryIterations?.ToString(CultureInfo.InvariantCulture) ?? "default"} ratio {o.AdversaryRatio.ToString(CultureInfo.InvariantCulture)}".Trim(),
            ["vat"] = VirtualAdversarial.Describe(o),
            ["label_smoothing"] = o.LabelSmoothing.ToString(CultureInfo.InvariantCulture),
            ["test_accuracy"] = (last.TestAccuracy ?? double.NaN).ToString("F4", CultureInfo.InvariantCulture),
            ["seconds"] = trainer.History.Sum(h => h.Seconds).ToString("F1", CultureInfo.InvariantCulture),
            // How the weights were made, as in every result's run section.
            ["version"] = Evaluation.RunProvenance.LibraryVersion,
            ["device"] = trainer.Network.Context.Device.ToString().ToLowerInvariant(),
            ["threads"] = trainer.Network.Context.Threads.ToString(CultureInfo.InvariantCulture),
        };
    }
}
