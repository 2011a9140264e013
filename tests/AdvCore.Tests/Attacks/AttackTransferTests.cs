using AdvCore.Attacks;
using NUnit.Framework;

namespace AdvCore.Tests.Attacks;

/// <summary>
/// The one-way data path: an iteration of BP, DDN and PGD₂ reads nothing back from the device
/// (labels and finiteness are validated once per run). Runs of K and 2K iterations must make the
/// same number of device→host transfers and synchronisations; the counters are the backend's own
/// (on the CPU backend they count the logical calls a CUDA backend would turn into copies).
/// </summary>
public class AttackTransferTests
{
    [TestCase("bp")]
    [TestCase("ddn")]
    [TestCase("pgd2")]
    public void IterationsMakeNoDeviceToHostTransfers(string name)
    {
        var model = TrainedMnistModel.Get();
        var (x, labels) = model.Correct(8);
        using (x)
        {
            var parameters = name == "pgd2" ? new Dictionary<string, string> { ["epsilons"] = "1" } : null;
            TransferCounts Spent(int k)
            {
                var attack = AttackRegistry.Create(name, "mnist", parameters, iterations: k);
                model.Context.ResetTransferCounts();
                using var result = attack.Run(model.Network, x, labels);
                return model.Context.TransferCounts();
            }
            Spent(3); // warm the network's buffers for this batch size
            var shorter = Spent(5);
            var longer = Spent(10);
            TestContext.Out.WriteLine($"{name}: 5 iterations {shorter}, 10 iterations {longer}");
            Assert.That(longer.DeviceToHost, Is.EqualTo(shorter.DeviceToHost), "device→host copies per iteration");
            Assert.That(longer.Synchronizations, Is.EqualTo(shorter.Synchronizations), "synchronisations per iteration");
            Assert.That(shorter.DeviceToHost, Is.GreaterThan(0), "the run's own reads are counted (the test can fail)");
        }
    }

    [Test]
    public void WithValueChecksOnEveryIterationWouldReadBack()
    {
        // The counter sees the per-iteration reads an attack would make without the switch.
        var model = TrainedMnistModel.Get();
        var (x, labels) = model.Correct(4);
        using (x)
        using (var y = Tensor.FromArray(model.Context, labels))
        {
            model.Context.ValueChecks = true;
            model.Context.ResetTransferCounts();
            model.Network.InputGradient(x, y, LossKind.LogProbMargin);
            Assert.That(model.Context.TransferCounts().DeviceToHost, Is.GreaterThan(0), "label and finiteness checks read the device");
            model.Context.ValueChecks = false;
            model.Context.ResetTransferCounts();
            model.Network.InputGradient(x, y, LossKind.LogProbMargin);
            Assert.That(model.Context.TransferCounts().DeviceToHost, Is.EqualTo(0));
            model.Context.ValueChecks = true;
        }
    }
}
