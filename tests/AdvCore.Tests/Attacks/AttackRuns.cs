using System.Collections.Concurrent;
using AdvCore.Attacks;

namespace AdvCore.Tests.Attacks;

/// <summary>
/// Each attack of the factory run once (thesis MNIST settings) on the same 24 correctly classified
/// test images of <see cref="TrainedMnistModel"/>; several tests read the same run.
/// </summary>
internal static class AttackRuns
{
    internal const int Images = 24;

    private static readonly ConcurrentDictionary<string, Lazy<AttackRun>> Runs = new();

    internal sealed record AttackRun(IAttack Attack, float[] Originals, int[] Labels, float[] Adversarials, AttackResult Result);

    internal static AttackRun Get(string name) =>
        Runs.GetOrAdd(name, n => new Lazy<AttackRun>(() => Run(n), LazyThreadSafetyMode.ExecutionAndPublication)).Value;

    private static AttackRun Run(string name)
    {
        var model = TrainedMnistModel.Get();
        var (x, labels) = model.Correct(Images);
        using (x)
        {
            var attack = AttackFactory.Create(name, "mnist", null);
            var result = attack.Run(model.Network, x, labels);
            return new AttackRun(attack, x.ToArray(), labels, result.CopyAdversarials(), result);
        }
    }
}
