using AdvCore.Interop;
using NUnit.Framework;

namespace AdvCore.Tests.Engine;

public class InteropTests
{
    [TestCase(AdvCoreStatus.InvalidArgument, typeof(InvalidArgumentException))]
    [TestCase(AdvCoreStatus.Shape, typeof(ShapeMismatchException))]
    [TestCase(AdvCoreStatus.OutOfMemory, typeof(DeviceOutOfMemoryException))]
    [TestCase(AdvCoreStatus.NotAvailable, typeof(DeviceUnavailableException))]
    [TestCase(AdvCoreStatus.NonFinite, typeof(NonFiniteException))]
    [TestCase(AdvCoreStatus.LabelRange, typeof(LabelOutOfRangeException))]
    [TestCase(AdvCoreStatus.Device, typeof(DeviceException))]
    [TestCase(AdvCoreStatus.Internal, typeof(InternalEngineException))]
    public void EveryStatusMapsToItsException(AdvCoreStatus status, Type expected)
    {
        var e = NativeStatus.CreateException((int)status, "native says no");
        Assert.Multiple(() =>
        {
            Assert.That(e, Is.TypeOf(expected));
            Assert.That(e, Is.InstanceOf<AdvCoreException>());
            Assert.That(e.Status, Is.EqualTo(status));
            Assert.That(e.NativeMessage, Is.EqualTo("native says no"));
            Assert.That(e.Message, Is.EqualTo("native says no"));
        });
    }

    [Test]
    public void UnknownStatusStillBecomesAnAdvCoreException()
    {
        var e = NativeStatus.CreateException(99, "");
        Assert.That(e.GetType(), Is.EqualTo(typeof(AdvCoreException)));
        Assert.That(e.Message, Does.Contain("99"));
    }

    [Test]
    public void NativeMessageReachesTheException()
    {
        using var ctx = Context.Create();
        using var x = Tensor.Zeros(ctx, [2, 3, 5, 5]);
        using var w = Tensor.Zeros(ctx, [4, 2, 3, 3]); // 2 input channels, x has 3
        using var y = Tensor.Zeros(ctx, [2, 4, 3, 3]);
        var e = Assert.Throws<ShapeMismatchException>(() => Ops.Conv2dForward(x, w, null, y, ConvPadding.Valid(1, 1)));
        Assert.Multiple(() =>
        {
            Assert.That(e!.NativeMessage, Does.Contain("conv2d_forward"));
            Assert.That(e.Message, Does.Contain("w"));
        });
    }

    [Test]
    public void ErrorsOnOneThreadDoNotLeakIntoAnother()
    {
        using var ctx = Context.Create();
        Assert.Throws<InvalidArgumentException>(() => Tensor.Zeros(ctx, [0]));
        string other = "";
        var thread = new Thread(() => other = NativeStatus.LastError());
        thread.Start();
        thread.Join();
        Assert.That(other, Is.Empty);
    }

    [Test]
    public void LoadFailureListsEveryAttempt()
    {
        string bogusDir = Path.Combine(Path.GetTempPath(), "advcore-no-such-dir-" + Guid.NewGuid().ToString("N"));
        string? saved = Environment.GetEnvironmentVariable(NativeLibraryResolver.PathVariable);
        Environment.SetEnvironmentVariable(NativeLibraryResolver.PathVariable, bogusDir);
        try
        {
            var e = Assert.Throws<DllNotFoundException>(() => NativeLibraryResolver.Load(
                typeof(Context).Assembly, null, "libadvcore_missing_for_test.so", "advcore_missing_for_test"));
            string assemblyDir = Path.GetDirectoryName(typeof(Context).Assembly.Location)!;
            Assert.Multiple(() =>
            {
                Assert.That(e!.Message, Does.Contain(Path.Combine(assemblyDir, "libadvcore_missing_for_test.so")));
                Assert.That(e.Message, Does.Contain(Path.Combine(bogusDir, "libadvcore_missing_for_test.so")));
                Assert.That(e.Message, Does.Contain("default probing for 'advcore_missing_for_test'"));
                Assert.That(e.Message, Does.Contain(NativeLibraryResolver.PathVariable));
            });
        }
        finally
        {
            Environment.SetEnvironmentVariable(NativeLibraryResolver.PathVariable, saved);
        }
    }

    [Test]
    public void AFileThatIsNotALibraryReportsTheLoaderError()
    {
        string dir = Directory.CreateTempSubdirectory("advcore-bad-lib-").FullName;
        string? saved = Environment.GetEnvironmentVariable(NativeLibraryResolver.PathVariable);
        try
        {
            File.WriteAllText(Path.Combine(dir, "libadvcore_garbage.so"), "not an ELF file");
            Environment.SetEnvironmentVariable(NativeLibraryResolver.PathVariable, dir);
            var e = Assert.Throws<DllNotFoundException>(() => NativeLibraryResolver.Load(
                typeof(Context).Assembly, null, "libadvcore_garbage.so", "advcore_garbage_for_test"));
            Assert.That(e!.Message, Does.Contain(Path.Combine(dir, "libadvcore_garbage.so") + ": "));
            Assert.That(e.Message, Does.Not.Contain(Path.Combine(dir, "libadvcore_garbage.so") + ": no such file"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(NativeLibraryResolver.PathVariable, saved);
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void SamePaddingFollowsTensorFlow()
    {
        Assert.Multiple(() =>
        {
            Assert.That(ConvPadding.SameAxis(28, 8, 2), Is.EqualTo((3, 3)));   // out 14: (13*2 + 8 - 28) = 6
            Assert.That(ConvPadding.SameAxis(5, 3, 2), Is.EqualTo((1, 1)));    // out 3: 2*2 + 3 - 5 = 2
            Assert.That(ConvPadding.SameAxis(6, 3, 2), Is.EqualTo((0, 1)));    // out 3: 4 + 3 - 6 = 1, extra goes after
            Assert.That(ConvPadding.SameAxis(7, 1, 1), Is.EqualTo((0, 0)));
        });
        var p = ConvPadding.Resolve(Padding.Same, 28, 28, 8, 8, 2, 2);
        Assert.That(p.OutputHeight(28, 8), Is.EqualTo(14));
        Assert.Throws<InvalidArgumentException>(() => ConvPadding.SameAxis(0, 3, 1));
        Assert.Throws<InvalidArgumentException>(() => Padding.Explicit(-1));
    }
}
