using AdvCore.Attacks;
using AdvCore.Evaluation;
using AdvCore.Nn;
using AdvCore.Tests.Attacks;
using NUnit.Framework;

namespace AdvCore.Tests.Nn;

/// <summary>
/// A Network and its Context are used by one thread at a time, and that is enforced: four threads on
/// four networks (each on its own context) give the sequential results; four threads on one shared
/// network give the sequential result or a clear <see cref="InvalidOperationException"/>, never a
/// wrong success rate.
/// </summary>
public class ThreadSafetyTests
{
    private const int Images = 30;

    [Test]
    public void APassFromASecondThreadWhileOneRunsThrowsAClearError()
    {
        using var context = Context.Create(Device.Cpu, threads: 1, seed: 1);
        using var network = Network.Build(context, [1, 8, 8], [new LinearLayer(3)], seed: 2);
        using var x = Tensor.FromArray(context, RandomPixels(2 * 64, 7), [2, 1, 8, 8]);
        using (context.Use("test holder"))
        {
            Exception? error = null;
            var other = new Thread(() => error = Catch(() => network.Forward(x)));
            other.Start();
            other.Join();
            Assert.That(error, Is.TypeOf<InvalidOperationException>());
            Assert.That(error!.Message, Does.Contain("Network.Forward").And.Contain("in use by another thread").And.Contain("its own Context and Network"));
            network.Forward(x); // the holding thread itself may re-enter
        }
        // Released: any thread may use it now.
        Exception? after = null;
        var later = new Thread(() => after = Catch(() => network.Forward(x)));
        later.Start();
        later.Join();
        Assert.That(after, Is.Null);
    }

    [Test]
    public void FourThreadsOnFourNetworksGiveTheSequentialResults()
    {
        var trained = TrainedMnistModel.Get();
        var reference = Attack(trained, trained.Network);
        var copies = Enumerable.Range(0, 4).Select(_ => Copy(trained)).ToList();
        try
        {
            var records = new AttackRunRecord[4];
            using var start = new Barrier(4);
            var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
            {
                start.SignalAndWait();
                records[t] = Attack(trained, copies[t].Network);
            })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());
            foreach (var record in records)
            {
                Assert.That(record.Images, Is.EqualTo(reference.Images));
                Assert.That(record.PSuc, Is.EqualTo(reference.PSuc));
            }
        }
        finally
        {
            foreach (var (context, network) in copies)
            {
                network.Dispose();
                context.Dispose();
            }
        }
    }

    [Test]
    public void FourThreadsOnOneSharedNetworkGetTheResultOrAClearError()
    {
        var trained = TrainedMnistModel.Get();
        var reference = Attack(trained, trained.Network);
        var outcomes = new object?[4];
        using var start = new Barrier(4);
        var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            try
            {
                outcomes[t] = Attack(trained, trained.Network);
            }
            catch (InvalidOperationException e)
            {
                outcomes[t] = e;
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        foreach (var outcome in outcomes)
        {
            if (outcome is InvalidOperationException e)
                Assert.That(e.Message, Does.Contain("in use by another thread"));
            else
                Assert.That(((AttackRunRecord)outcome!).Images, Is.EqualTo(reference.Images), "a run that was let through is right");
        }
        // Four attack runs of many passes each, started together, overlap: the guard must have spoken.
        Assert.That(outcomes.OfType<InvalidOperationException>().Count(), Is.GreaterThan(0));
    }

    private static AttackRunRecord Attack(TrainedMnistModel trained, Network network)
    {
        var info = AttackRegistry.Get("bp");
        var attack = AttackRegistry.Create(info, AttackRegistry.Options(info, "mnist", new Dictionary<string, string>(), 10));
        var runner = new AttackRunner(new NetworkClassifier(network), attack, new AttackRunnerOptions { BatchSize = 10, KeepExamples = 0 });
        return runner.Run(trained.TestImages[..(Images * 784)], trained.TestLabels[..Images]).Record;
    }

    private static (Context Context, Network Network) Copy(TrainedMnistModel trained)
    {
        var context = Context.Create(Device.Cpu, threads: trained.Context.Threads, seed: trained.Context.Seed);
        var network = Network.Build(context, [1, 28, 28], TrainedMnistModel.Layers, seed: 3);
        network.LoadState(trained.Network.GetState());
        return (context, network);
    }

    private static float[] RandomPixels(int n, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, n).Select(_ => (float)random.NextDouble())];
    }

    private static Exception? Catch(Action action)
    {
        try
        {
            action();
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }
}
