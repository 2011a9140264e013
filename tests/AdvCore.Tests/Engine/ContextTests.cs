using NUnit.Framework;

namespace AdvCore.Tests.Engine;

public class ContextTests
{
    [Test]
    public void CpuContextReportsItsSettings()
    {
        using var ctx = Context.Create(Device.Cpu, threads: 2, seed: 42);
        Assert.Multiple(() =>
        {
            Assert.That(ctx.Device, Is.EqualTo(Device.Cpu));
            Assert.That(ctx.Threads, Is.EqualTo(2));
            Assert.That(ctx.Seed, Is.EqualTo(42UL));
            Assert.That(ctx.UsesReferenceKernels, Is.False);
            Assert.That(ctx.WorkspaceBytes, Is.GreaterThanOrEqualTo(0));
            Assert.That(Context.EngineVersion, Does.Match(@"^\d+\.\d+\.\d+$"));
        });
        ctx.Synchronize();
    }

    [Test]
    public void ZeroThreadsPicksTheCoreCount()
    {
        using var ctx = Context.Create(threads: 0);
        Assert.That(ctx.Threads, Is.GreaterThanOrEqualTo(1));
    }

    [Test]
    public void CpuIsAlwaysAvailable()
    {
        Assert.That(Context.IsAvailable(Device.Cpu, out _), Is.True);
    }

    [Test]
    public void CudaContextWithoutGpuThrowsDeviceUnavailable()
    {
        if (Context.IsAvailable(Device.Cuda, out _)) Assert.Ignore("CUDA is available on this machine; the failure path cannot be exercised");
        var e = Assert.Throws<DeviceUnavailableException>(() => Context.Create(Device.Cuda));
        Assert.Multiple(() =>
        {
            Assert.That(e!.Message, Does.Contain("CUDA is not available"));
            Assert.That(e.Status, Is.EqualTo(AdvCoreStatus.NotAvailable));
            Assert.That(e.NativeMessage, Does.Contain("CUDA is not available"));
        });
    }

    [Test]
    public void CudaUnavailabilityComesWithAReason()
    {
        if (Context.IsAvailable(Device.Cuda, out string reason)) Assert.Ignore("CUDA is available on this machine");
        Assert.That(reason, Does.StartWith("CUDA is not available"));
    }

    [Test]
    [RequiresCuda]
    public void CudaContextReportsItsDevice()
    {
        using var ctx = Context.Create(Device.Cuda, seed: 3);
        Assert.That(ctx.Device, Is.EqualTo(Device.Cuda));
        ctx.Synchronize();
    }

    [Test]
    public void UnknownDeviceIsAnInvalidArgument()
    {
        Assert.Throws<InvalidArgumentException>(() => Context.Create((Device)7));
    }

    [Test]
    public void DisposedContextThrowsObjectDisposed()
    {
        var ctx = Context.Create();
        ctx.Dispose();
        ctx.Dispose(); // idempotent
        Assert.Multiple(() =>
        {
            Assert.That(ctx.IsDisposed, Is.True);
            Assert.Throws<ObjectDisposedException>(() => ctx.Synchronize());
            Assert.Throws<ObjectDisposedException>(() => _ = ctx.WorkspaceBytes);
            Assert.Throws<ObjectDisposedException>(() => Tensor.Zeros(ctx, [2, 2]));
        });
    }

    [Test]
    public void TensorsOutliveTheirContextObject()
    {
        // The native tensor keeps its context alive; only calls that need the context itself fail.
        var ctx = Context.Create();
        using var t = Tensor.FromArray(ctx, [1f, 2f, 3f]);
        ctx.Dispose();
        Assert.That(t.ToArray(), Is.EqualTo(new[] { 1f, 2f, 3f }));
        Assert.Throws<ObjectDisposedException>(() => Ops.Clip01(t));
    }
}
