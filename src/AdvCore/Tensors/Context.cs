using AdvCore.Interop;

namespace AdvCore;

/// <summary>
/// A native execution context: one device, its kernels (fast or plain reference), a thread count
/// and the Philox seed behind every random op (dropout, noise fills). Tensors belong to one
/// context; a tensor keeps its native context alive, so tensors may outlive this object, but
/// every call that needs the context itself throws <see cref="ObjectDisposedException"/> once it
/// is disposed. One thread at a time: a <see cref="Nn.Network"/> pass or an attack run from a
/// second thread while one is under way throws <see cref="InvalidOperationException"/> (use one
/// context per thread).
/// </summary>
public sealed class Context : IDisposable
{
    private readonly ContextHandle _handle;
    private readonly ThreadGuard _guard;

    private Context(ContextHandle handle, Device device, int threads, ulong seed, bool referenceKernels)
    {
        _handle = handle;
        Device = device;
        Threads = threads;
        Seed = seed;
        UsesReferenceKernels = referenceKernels;
        _guard = new ThreadGuard($"the {device} context");
    }

    /// <summary>Holds this context for the calling thread (re-entrant) until the scope is disposed.</summary>
    /// <exception cref="InvalidOperationException">Another thread is using the context.</exception>
    internal ThreadGuard.Scope Use(string what) => _guard.Enter(what);

    /// <summary>
    /// Creates a context. <paramref name="threads"/> &lt;= 0 uses every core;
    /// <paramref name="seed"/> keys the Philox streams; <paramref name="referenceKernels"/> runs the
    /// plain reference kernel of every op (slow; for testing the fast kernels).
    /// </summary>
    /// <exception cref="DeviceUnavailableException">The device is not present ("CUDA is not available: ...").</exception>
    public static Context Create(Device device = Device.Cpu, int threads = 0, ulong seed = 0, bool referenceKernels = false)
    {
        uint flags = referenceKernels ? 1u : 0u; // AC_CONTEXT_REFERENCE_KERNELS
        NativeStatus.Check(Native.ac_context_create((int)device, threads, seed, flags, out ContextHandle handle));
        try
        {
            NativeStatus.Check(Native.ac_context_threads(handle, out int actualThreads));
            return new Context(handle, device, actualThreads, seed, referenceKernels);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Whether <paramref name="device"/> can be used on this machine; when not,
    /// <paramref name="reason"/> says why (e.g. "CUDA is not available: no driver").
    /// </summary>
    public static unsafe bool IsAvailable(Device device, out string reason)
    {
        const int ReasonSize = 512;
        byte* buffer = stackalloc byte[ReasonSize];
        buffer[0] = 0;
        NativeStatus.Check(Native.ac_device_available((int)device, out int available, buffer, ReasonSize));
        reason = System.Runtime.InteropServices.Marshal.PtrToStringUTF8((nint)buffer) ?? "";
        return available != 0;
    }

    /// <summary>The native engine's version ("major.minor.patch").</summary>
    public static string EngineVersion =>
        System.Runtime.InteropServices.Marshal.PtrToStringUTF8(Native.ac_version()) ?? "";

    /// <summary>The device this context runs on.</summary>
    public Device Device { get; }

    /// <summary>The number of CPU threads the context's kernels use.</summary>
    public int Threads { get; }

    /// <summary>The Philox seed of the context's random streams.</summary>
    public ulong Seed { get; }

    /// <summary>Whether every op runs its plain reference kernel.</summary>
    public bool UsesReferenceKernels { get; }

    /// <summary>Whether <see cref="Dispose"/> has been called.</summary>
    public bool IsDisposed => _handle.IsClosed;

    /// <summary>Bytes of scratch workspace the context currently holds (im2col buffers etc.).</summary>
    public long WorkspaceBytes
    {
        get
        {
            NativeStatus.Check(Native.ac_context_workspace_bytes(Handle, out long bytes));
            return bytes;
        }
    }

    /// <summary>
    /// Times C = A·B for square f32 matrices of side <paramref name="size"/> the way the fast CPU
    /// kernels run their GEMMs (single-threaded OpenBLAS per block, split over this context's
    /// threads) and returns the median rate in GFLOP/s over <paramref name="repetitions"/> runs
    /// after a warm-up: the yardstick benchmarks quote convolution throughput against. CPU only.
    /// </summary>
    /// <exception cref="InvalidArgumentException">Not a CPU context, size outside [16, 8192] or repetitions outside [1, 1000].</exception>
    public double MeasureSgemmGflops(int size = 1024, int repetitions = 5)
    {
        NativeStatus.Check(Native.ac_bench_sgemm_gflops(Handle, size, repetitions, out double gflops));
        return gflops;
    }

    /// <summary>
    /// Whether entry points run the value checks that read the device back: labels in range
    /// (the loss and every fused attack step copy them to the host) and finite logits (the loss).
    /// On by default. An attack run validates its labels and pixels once and switches them off for
    /// its loop, so that an iteration makes no device→host transfer and no synchronisation; shape,
    /// dtype and parameter checks always run.
    /// </summary>
    public bool ValueChecks
    {
        get
        {
            NativeStatus.Check(Native.ac_context_get_value_checks(Handle, out int enabled));
            return enabled != 0;
        }
        set => NativeStatus.Check(Native.ac_context_set_value_checks(Handle, value ? 1 : 0));
    }

    /// <summary>
    /// Host→device copies, device→host copies and synchronisations made since the context was
    /// created or <see cref="ResetTransferCounts"/> was last called (see <see cref="AdvCore.TransferCounts"/>).
    /// </summary>
    public AdvCore.TransferCounts TransferCounts()
    {
        NativeStatus.Check(Native.ac_context_transfer_counts(Handle, out AcTransferCounts c));
        return new AdvCore.TransferCounts(c.HostToDevice, c.DeviceToHost, c.Synchronizations);
    }

    /// <summary>Sets the transfer counters back to zero.</summary>
    public void ResetTransferCounts() => NativeStatus.Check(Native.ac_context_reset_transfer_counts(Handle));

    /// <summary>Waits until all queued work has finished (a no-op on the CPU).</summary>
    public void Synchronize() => NativeStatus.Check(Native.ac_context_synchronize(Handle));

    /// <summary>The live native handle; throws <see cref="ObjectDisposedException"/> after disposal.</summary>
    internal ContextHandle Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
            return _handle;
        }
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"Context({Device}, {Threads} threads, seed {Seed}{(UsesReferenceKernels ? ", reference kernels" : "")})";

    /// <summary>Releases the native context (tensors created from it stay valid).</summary>
    public void Dispose() => _handle.Dispose();
}
