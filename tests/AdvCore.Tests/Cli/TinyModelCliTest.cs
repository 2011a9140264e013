using AdvCore.Tests.Attacks;
using NUnit.Framework;

namespace AdvCore.Tests.Cli;

/// <summary>
/// Base of the command-line fixtures that run on the small CNN of <see cref="TrainedMnistModel"/>
/// saved as a model file (no full training in tests): a temporary folder per fixture, the model
/// file written once, the MNIST folder.
/// </summary>
public abstract class TinyModelCliTest(string folderPrefix)
{
    private string _model = null!;

    /// <summary>The fixture's temporary folder.</summary>
    protected string Dir { get; private set; } = null!;

    /// <summary>The trained model (set by <see cref="Model"/>).</summary>
    private protected TrainedMnistModel Trained { get; private set; } = null!;

    /// <summary>The MNIST folder the model was trained on.</summary>
    protected string Data => Trained.Folder!;

    [OneTimeSetUp]
    public void CreateFolder()
    {
        Dir = Directory.CreateTempSubdirectory(folderPrefix).FullName;
        _model = Path.Combine(Dir, "tiny.safetensors");
    }

    [OneTimeTearDown]
    public void DeleteFolder() => Directory.Delete(Dir, recursive: true);

    /// <summary>The trained model written to disk once (ignored without MNIST).</summary>
    protected string Model()
    {
        Trained = TrainedMnistModel.Get();
        if (!File.Exists(_model)) Trained.Save(_model);
        return _model;
    }
}
