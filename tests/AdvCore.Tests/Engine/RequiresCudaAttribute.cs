using NUnit.Framework;
using NUnit.Framework.Interfaces;
using NUnit.Framework.Internal;

namespace AdvCore.Tests.Engine;

/// <summary>
/// Marks a test that needs a working CUDA device. Where CUDA is not available the test is
/// reported as Ignored with the engine's reason, never silently passed.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class, AllowMultiple = false, Inherited = true)]
public sealed class RequiresCudaAttribute : NUnitAttribute, IApplyToTest
{
    private static readonly Lazy<(bool Available, string Reason)> Probe = new(() =>
    {
        try
        {
            bool available = Context.IsAvailable(Device.Cuda, out string reason);
            return (available, reason);
        }
        catch (Exception e)
        {
            return (false, $"CUDA probe failed: {e.Message}");
        }
    });

    /// <summary>Whether CUDA answered on this machine.</summary>
    public static bool CudaAvailable => Probe.Value.Available;

    public void ApplyToTest(Test test)
    {
        if (test.RunState == RunState.NotRunnable || Probe.Value.Available) return;
        test.RunState = RunState.Ignored;
        test.Properties.Set(PropertyNames.SkipReason, $"requires CUDA: {Probe.Value.Reason}");
    }
}
