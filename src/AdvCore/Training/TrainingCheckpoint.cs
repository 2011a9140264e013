using System.Text.Json;
using AdvCore.IO;
using AdvCore.Models;
using AdvCore.Nn;

namespace AdvCore.Training;

/// <summary>
/// Everything a resumed run needs to continue exactly as if uninterrupted, in one safetensors
/// file written atomically: the weights ("model/…"), the optimizer moments ("optim/…"), and in
/// the metadata the architecture, the options, the finished epochs and the dropout counter.
/// </summary>
public sealed class TrainingCheckpoint
{
    /// <summary>The <c>format</c> metadata value every checkpoint carries.</summary>
    public const string Format = "advcore-checkpoint/1";
    private const string ModelPrefix = "model/";
    private const string OptimizerPrefix = "optim/";

    private sealed record State(TrainingOptions Options, List<EpochReport> History, long OptimizerSteps, ulong DropoutCounter);

    internal static void Save(string path, ModelArchitecture architecture, Network network, Optimizer optimizer,
                              TrainingOptions options, IReadOnlyList<EpochReport> history)
    {
        var writer = new SafeTensorWriter()
            .Metadata("format", Format)
            .Metadata("architecture", ArchitectureJson.Serialize(architecture));
        foreach (var (name, (shape, data)) in network.GetState()) writer.Add(ModelPrefix + name, data, shape);
        var (moments, steps) = optimizer.GetState(network.Parameters);
        foreach (var (name, (shape, data)) in moments) writer.Add(OptimizerPrefix + name, data, shape);
        var state = new State(options, [.. history], steps, network.DropoutCounter);
        writer.Metadata("state", JsonSerializer.Serialize(state));
        writer.Save(path);
    }

    /// <summary>
    /// Rebuilds the network and a trainer positioned after the checkpoint's last epoch. With
    /// <paramref name="epochs"/> the run's length changes (e.g. a finished 6-epoch run extended
    /// to 12); everything else stays as saved. Under the cosine schedule the rates of the
    /// remaining steps then follow the new length.
    /// </summary>
    public static Trainer Resume(string path, Context context, int? epochs = null)
    {
        var file = SafeTensorFile.Read(path);
        if (!file.Metadata.TryGetValue("format", out var format) || format != Format)
            throw new SafeTensorsFormatException(path, $"not an AdvCore training checkpoint (format {(format is null ? "missing" : $"'{format}'")}, expected '{Format}')");
        ModelArchitecture architecture;
        State state;
        try
        {
            architecture = ArchitectureJson.Parse(file.Metadata["architecture"]);
            state = JsonSerializer.Deserialize<State>(file.Metadata["state"]) ?? throw new FormatException("state is null");
        }
        catch (Exception e) when (e is FormatException or JsonException or KeyNotFoundException)
        {
            throw new SafeTensorsFormatException(path, $"checkpoint metadata is unreadable: {e.Message}");
        }

        var model = new Dictionary<string, (long[] Shape, float[] Data)>(StringComparer.Ordinal);
        var moments = new Dictionary<string, (long[] Shape, float[] Data)>(StringComparer.Ordinal);
        foreach (var name in file.Names)
        {
            var entry = (file[name].Shape, file[name].ToFloat32(path));
            if (name.StartsWith(ModelPrefix, StringComparison.Ordinal)) model[name[ModelPrefix.Length..]] = entry;
            else if (name.StartsWith(OptimizerPrefix, StringComparison.Ordinal)) moments[name[OptimizerPrefix.Length..]] = entry;
            else throw new SafeTensorsFormatException(path, $"unexpected tensor '{name}' in a checkpoint");
        }

        var options = state.Options;
        if (epochs is { } newEpochs)
        {
            if (newEpochs < state.History.Count)
                throw new InvalidArgumentException($"{path} already holds {state.History.Count} epochs; cannot shorten the run to {newEpochs}");
            options = options with { Epochs = newEpochs };
        }

        var network = Network.Build(context, architecture.InputShape, architecture.Layers, options.Seed);
        try
        {
            network.LoadState(model);
            network.DropoutCounter = state.DropoutCounter;
            return new Trainer(network, architecture, options, ownsNetwork: true, state.History, moments, state.OptimizerSteps);
        }
        catch (AdvCoreException e)
        {
            network.Dispose();
            throw new SafeTensorsFormatException(path, e.Message);
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }
}
