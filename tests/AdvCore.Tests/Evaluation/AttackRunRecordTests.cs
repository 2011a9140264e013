using System.Text.Json;
using AdvCore.Evaluation;
using NUnit.Framework;

namespace AdvCore.Tests.Evaluation;

/// <summary>The JSON result file: its fields, a round trip, merging shards, and what is refused.</summary>
public class AttackRunRecordTests
{
    private string _folder = null!;

    [SetUp]
    public void SetUp() => _folder = Directory.CreateTempSubdirectory("advcore-records-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    private static AttackRunRecord Shard(int from, int to, double seconds = 1)
    {
        var images = Enumerable.Range(from, to - from).Where(i => i % 5 != 0)
                               .Select(i => new ImageRecord(i, i % 10, i % 3 != 0, 0.1 * i, i % 3 != 0 ? (i + 1) % 10 : i % 10, 0.05, i, 20));
        var misclassified = Enumerable.Range(from, to - from).Where(i => i % 5 == 0);
        return AttackRunRecord.Create("bp", new Dictionary<string, string> { ["iterations"] = "20" }, "mnist", "c4.safetensors",
                                      20, true, 2.0, seconds, images, misclassified);
    }

    [Test]
    public void JsonHoldsTheProtocolFields()
    {
        var record = Shard(0, 10);
        using var doc = JsonDocument.Parse(record.ToJson());
        var root = doc.RootElement;
        foreach (string key in new[] { "attack", "iterations", "gradients", "quantized", "count", "correct", "p_suc", "mean_l2", "d_upp", "p_upp", "seconds", "images", "misclassified", "options" })
            Assert.That(root.TryGetProperty(key, out _), Is.True, key);
        var image = root.GetProperty("images")[0];
        foreach (string key in new[] { "index", "label", "success", "l2", "adv_label", "linf", "l0", "gradients" })
            Assert.That(image.TryGetProperty(key, out _), Is.True, key);
        Assert.That(root.GetProperty("count").GetInt32(), Is.EqualTo(10));
        Assert.That(root.GetProperty("correct").GetInt32(), Is.EqualTo(8));
        Assert.That(root.GetProperty("attack").GetString(), Is.EqualTo("bp"));
    }

    [Test]
    public void SaveAndLoadRoundTripAtomically()
    {
        var record = Shard(0, 30);
        string path = Path.Combine(_folder, "runs", "bp.json");
        record.Save(path);
        Assert.That(Directory.GetFiles(Path.GetDirectoryName(path)!), Is.EqualTo(new[] { path }), "no temporary file left");
        var loaded = AttackRunRecord.Load(path);
        Assert.That(loaded.Images, Is.EqualTo(record.Images));
        Assert.That(loaded.Misclassified, Is.EqualTo(record.Misclassified));
        Assert.That((loaded.PSuc, loaded.MeanL2, loaded.PUpp, loaded.Count, loaded.Correct), Is.EqualTo((record.PSuc, record.MeanL2, record.PUpp, record.Count, record.Correct)));
        Assert.That(loaded.Options, Is.EqualTo(record.Options));
    }

    [Test]
    public void MergingShardsGivesTheWholeRun()
    {
        var whole = Shard(0, 60, seconds: 3);
        var merged = AttackRunRecord.Merge(Shard(40, 60), Shard(0, 20), Shard(20, 40), Shard(20, 40));
        Assert.That(merged.Images, Is.EqualTo(whole.Images));
        Assert.That(merged.Misclassified, Is.EqualTo(whole.Misclassified));
        Assert.That((merged.Count, merged.Correct, merged.PSuc, merged.MeanL2, merged.PUpp, merged.Gradients),
                    Is.EqualTo((whole.Count, whole.Correct, whole.PSuc, whole.MeanL2, whole.PUpp, whole.Gradients)));
        Assert.That(merged.Seconds, Is.EqualTo(4), "seconds add up (a repeated shard counts twice)");
    }

    [Test]
    public void IncompatibleShardsAreRefused()
    {
        var a = Shard(0, 10);
        Assert.That(Assert.Throws<ArgumentException>(() => AttackRunRecord.Merge(a, a with { Attack = "ddn" }))!.Message,
                    Does.Contain("different attack (bp vs ddn)"));
        Assert.That(Assert.Throws<ArgumentException>(() => AttackRunRecord.Merge(a, a with { Quantized = false }))!.Message,
                    Does.Contain("different quantized"));
        Assert.That(Assert.Throws<ArgumentException>(() => AttackRunRecord.Merge(a, a with { Dataset = "cifar10" }))!.Message,
                    Does.Contain("different dataset"));
        var changed = a with { Images = [a.Images[0] with { L2 = 9 }, .. a.Images.Skip(1)] };
        Assert.That(Assert.Throws<ArgumentException>(() => AttackRunRecord.Merge(a, changed))!.Message,
                    Does.Contain($"image {a.Images[0].Index} appears in two shards with different results"));
        Assert.Throws<ArgumentException>(() => AttackRunRecord.Merge());
    }

    [Test]
    public void CorruptFilesAreRefusedWithTheirName()
    {
        string path = Path.Combine(_folder, "bad.json");
        File.WriteAllText(path, "{ \"attack\": \"bp\", \"count\": 3, \"correct\": 1, \"images\": [], \"misclassified\": [] }");
        var e = Assert.Throws<InvalidDataException>(() => AttackRunRecord.Load(path))!;
        Assert.That(e.Message, Does.Contain("bad.json: inconsistent record"));
        File.WriteAllText(path, "not json");
        Assert.That(Assert.Throws<InvalidDataException>(() => AttackRunRecord.Load(path))!.Message, Does.Contain("not an attack result record"));
    }

    [Test]
    public void CsvFilesListCurvesAndSummaries()
    {
        var records = new[] { Shard(0, 30), Shard(0, 30) with { Attack = "ddn" } };
        string curves = Path.Combine(_folder, "oc.csv"), summary = Path.Combine(_folder, "summary.csv");
        ResultFiles.WriteOperatingCharacteristics(curves, records);
        ResultFiles.WriteSummary(summary, records);
        var lines = File.ReadAllLines(curves);
        Assert.That(lines[0], Is.EqualTo("attack,iterations,quantized,d,p,variant"));
        Assert.That(lines[1], Is.EqualTo("bp,20,true,0,0,"));
        Assert.That(lines.Count(l => l.StartsWith("ddn,", StringComparison.Ordinal)), Is.EqualTo(records[1].Curve().Points().Count));
        var rows = File.ReadAllLines(summary);
        Assert.That(rows[0], Is.EqualTo("attack,iterations,gradients,quantized,count,correct,p_suc,mean_l2,d_upp,p_upp,seconds,variant,mean_omega,mean_omega_n"));
        Assert.That(rows, Has.Length.EqualTo(3));
        Assert.That(rows[2], Does.StartWith("ddn,20,20,true,30,24,"));
    }
}
