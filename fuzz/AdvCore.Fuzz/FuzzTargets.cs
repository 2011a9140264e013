using AdvCore.Data;
using AdvCore.Evaluation;
using AdvCore.IO;
using AdvCore.Models;

namespace AdvCore.Fuzz;

/// <summary>
/// One fuzz target per reader of untrusted files. Each takes the fuzzer's bytes and returns
/// normally or throws one of the reader's documented exceptions; anything else is a finding.
/// The path-based readers get the bytes through a file under /dev/shm (or the temp folder).
/// </summary>
internal static class FuzzTargets
{
    /// <summary>Target name → what it reads.</summary>
    public static readonly IReadOnlyDictionary<string, Action<byte[]>> All = new Dictionary<string, Action<byte[]>>
    {
        ["idx-images"] = bytes => IdxReader.ReadImages(AsFile(bytes, "images-idx3-ubyte")),
        ["idx-labels"] = bytes => IdxReader.ReadLabels(AsFile(bytes, "labels-idx1-ubyte")),
        ["idx-gz"] = bytes => IdxReader.ReadImages(AsFile(bytes, "images-idx3-ubyte.gz")),
        ["cifar"] = bytes => CifarReader.ReadBatch(AsFile(bytes, "test_batch.bin")),
        ["safetensors"] = bytes =>
        {
            string path = AsFile(bytes, "model.safetensors");
            var file = SafeTensorFile.Read(path);
            foreach (string name in file.Names)
                if (file[name].DType == SafeTensorDType.F32) file[name].ToFloat32(path);
        },
        ["model-json"] = bytes => ArchitectureJson.Parse(System.Text.Encoding.UTF8.GetString(bytes)),
        ["record"] = bytes => AttackRunRecord.FromJson(System.Text.Encoding.UTF8.GetString(bytes)),
    };

    /// <summary>The exceptions the readers document for bad input.</summary>
    public static bool IsExpected(Exception e) =>
        e is DatasetFormatException or SafeTensorsFormatException or InvalidDataException or FormatException or AdvCoreException;

    private static readonly string Folder = Directory.CreateDirectory(
        Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), $"advcore-fuzz-{Environment.ProcessId}")).FullName;

    private static string AsFile(byte[] bytes, string name)
    {
        string path = Path.Combine(Folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
