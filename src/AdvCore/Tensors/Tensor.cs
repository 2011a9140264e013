using System.Runtime.InteropServices;
using AdvCore.Interop;

namespace AdvCore;

/// <summary>
/// A dense, row-major tensor owned by the native engine on its context's device (f32 or i32,
/// 1 to 8 dimensions). Data moves to and from .NET memory only through the explicit copy methods.
/// Every native handle is owned by a SafeHandle: dispose tensors promptly (a finalizer frees them
/// otherwise); any use after <see cref="Dispose"/> throws <see cref="ObjectDisposedException"/>.
/// </summary>
public sealed class Tensor : IDisposable
{
    /// <summary>The most dimensions a tensor may have (AC_MAX_DIMS).</summary>
    public const int MaxRank = 8;

    private readonly TensorHandle _handle;
    private readonly long[] _shape;

    private Tensor(TensorHandle handle, Context context, long[] shape, DType dtype)
    {
        _handle = handle;
        _shape = shape;
        Context = context;
        DType = dtype;
        long count = 1;
        foreach (long d in shape) count *= d;
        Count = count;
    }

    // ------------------------------------------------------------------ creation

    /// <summary>A new zero-filled tensor of <paramref name="shape"/> on <paramref name="context"/>.</summary>
    /// <exception cref="InvalidArgumentException">A dimension &lt; 1, more than 8 dimensions, or more than 2^40 elements.</exception>
    /// <exception cref="DeviceOutOfMemoryException">The device could not hold it.</exception>
    public static unsafe Tensor Zeros(Context context, ReadOnlySpan<long> shape, DType dtype = DType.F32)
    {
        ArgumentNullException.ThrowIfNull(context);
        TensorHandle handle;
        fixed (long* dims = shape)
            NativeStatus.Check(Native.ac_tensor_create(context.Handle, (int)dtype, shape.Length, dims, out handle));
        return new Tensor(handle, context, shape.ToArray(), dtype);
    }

    /// <summary>A new f32 tensor holding a copy of <paramref name="data"/>; no shape means 1-D [data.Length].</summary>
    /// <exception cref="ShapeMismatchException">The shape's element count differs from data.Length.</exception>
    public static Tensor FromArray(Context context, float[] data, params long[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        return FromSpan(context, data, shape.Length == 0 ? [data.Length] : shape);
    }

    /// <summary>A new i32 tensor holding a copy of <paramref name="data"/>; no shape means 1-D [data.Length].</summary>
    public static Tensor FromArray(Context context, int[] data, params long[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        return FromSpan(context, data, shape.Length == 0 ? [data.Length] : shape);
    }

    /// <summary>A new f32 tensor of <paramref name="shape"/> holding a copy of <paramref name="data"/>.</summary>
    public static Tensor FromSpan(Context context, ReadOnlySpan<float> data, ReadOnlySpan<long> shape)
    {
        CheckElementCount(data.Length, shape);
        var tensor = Zeros(context, shape, DType.F32);
        try
        {
            tensor.CopyFrom(data);
            return tensor;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    /// <summary>A new i32 tensor of <paramref name="shape"/> holding a copy of <paramref name="data"/>.</summary>
    public static Tensor FromSpan(Context context, ReadOnlySpan<int> data, ReadOnlySpan<long> shape)
    {
        CheckElementCount(data.Length, shape);
        var tensor = Zeros(context, shape, DType.I32);
        try
        {
            tensor.CopyFrom(data);
            return tensor;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    /// <summary>A new i32 tensor [N] of class labels.</summary>
    public static Tensor FromLabels(Context context, int[] labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        return FromSpan(context, labels, [labels.Length]);
    }

    private static void CheckElementCount(int length, ReadOnlySpan<long> shape)
    {
        long count = 1;
        foreach (long d in shape) count = d > 0 && count <= long.MaxValue / d ? count * d : -1;
        if (count != length)
            throw new ShapeMismatchException($"{length} values cannot fill a tensor of shape {ShapeString(shape)}");
    }

    // ------------------------------------------------------------------ properties

    /// <summary>The context the tensor belongs to.</summary>
    public Context Context { get; }

    /// <summary>The element type.</summary>
    public DType DType { get; }

    /// <summary>The dimensions, outermost first.</summary>
    public ReadOnlySpan<long> Shape => _shape;

    /// <summary>The number of dimensions.</summary>
    public int Rank => _shape.Length;

    /// <summary>The number of elements.</summary>
    public long Count { get; }

    /// <summary>The first dimension (the batch size N for per-sample tensors).</summary>
    public long BatchSize => _shape[0];

    /// <summary>Elements per sample (Count / first dimension).</summary>
    public long SampleSize => Count / _shape[0];

    /// <summary>Whether <see cref="Dispose"/> has been called.</summary>
    public bool IsDisposed => _handle.IsClosed;

    /// <summary>The shape as a new array.</summary>
    public long[] ShapeArray() => (long[])_shape.Clone();

    /// <summary>Whether the tensor has exactly <paramref name="shape"/>.</summary>
    public bool HasShape(ReadOnlySpan<long> shape) => shape.SequenceEqual(_shape);

    /// <summary>The live native handle; throws <see cref="ObjectDisposedException"/> after disposal.</summary>
    internal TensorHandle Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
            return _handle;
        }
    }

    // ------------------------------------------------------------------ host copies

    /// <summary>Copies <paramref name="source"/> (exactly <see cref="Count"/> floats) into this f32 tensor.</summary>
    public unsafe void CopyFrom(ReadOnlySpan<float> source)
    {
        CheckHostSpan(DType.F32, source.Length, "source");
        fixed (float* p = source)
            NativeStatus.Check(Native.ac_tensor_copy_from_host(Handle, p, Count * sizeof(float)));
    }

    /// <summary>Copies <paramref name="source"/> (exactly <see cref="Count"/> ints) into this i32 tensor.</summary>
    public unsafe void CopyFrom(ReadOnlySpan<int> source)
    {
        CheckHostSpan(DType.I32, source.Length, "source");
        fixed (int* p = source)
            NativeStatus.Check(Native.ac_tensor_copy_from_host(Handle, p, Count * sizeof(int)));
    }

    /// <summary>Copies this f32 tensor into <paramref name="destination"/> (exactly <see cref="Count"/> floats).</summary>
    public unsafe void CopyTo(Span<float> destination)
    {
        CheckHostSpan(DType.F32, destination.Length, "destination");
        fixed (float* p = destination)
            NativeStatus.Check(Native.ac_tensor_copy_to_host(Handle, p, Count * sizeof(float)));
    }

    /// <summary>Copies this i32 tensor into <paramref name="destination"/> (exactly <see cref="Count"/> ints).</summary>
    public unsafe void CopyTo(Span<int> destination)
    {
        CheckHostSpan(DType.I32, destination.Length, "destination");
        fixed (int* p = destination)
            NativeStatus.Check(Native.ac_tensor_copy_to_host(Handle, p, Count * sizeof(int)));
    }

    /// <summary>A new array with the contents of this f32 tensor.</summary>
    public float[] ToArray()
    {
        CheckDType(DType.F32);
        var result = new float[checked((int)Count)];
        CopyTo(result);
        return result;
    }

    /// <summary>A new array with the contents of this i32 tensor.</summary>
    public int[] ToInt32Array()
    {
        CheckDType(DType.I32);
        var result = new int[checked((int)Count)];
        CopyTo(result);
        return result;
    }

    private void CheckHostSpan(DType expected, int length, string name)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        CheckDType(expected);
        if (length != Count)
            throw new ShapeMismatchException($"{name} holds {length} elements but tensor {ShapeString(_shape)} holds {Count}");
    }

    private void CheckDType(DType expected)
    {
        if (DType != expected)
            throw new ShapeMismatchException($"tensor {ShapeString(_shape)} is {DType}, not {expected}");
    }

    // ------------------------------------------------------------------ device-side operations

    /// <summary>this ← <paramref name="source"/> (same dtype, context and element count; shapes may differ).</summary>
    public void CopyFrom(Tensor source)
    {
        ArgumentNullException.ThrowIfNull(source);
        NativeStatus.Check(Native.ac_tensor_copy(Handle, source.Handle));
    }

    /// <summary>
    /// Copies <paramref name="count"/> samples (first dimension) of <paramref name="source"/>
    /// starting at <paramref name="sourceStart"/> into this tensor starting at
    /// <paramref name="destinationStart"/>; both must have the same per-sample size.
    /// </summary>
    public void CopySamples(long destinationStart, Tensor source, long sourceStart, long count)
    {
        ArgumentNullException.ThrowIfNull(source);
        NativeStatus.Check(Native.ac_tensor_copy_samples(Handle, destinationStart, source.Handle, sourceStart, count));
    }

    /// <summary>
    /// A new tensor sharing this tensor's storage under <paramref name="shape"/> (same element
    /// count). The view is a separate object and must be disposed too; the storage lives until
    /// both are released.
    /// </summary>
    public unsafe Tensor View(params long[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        TensorHandle view;
        fixed (long* dims = shape)
            NativeStatus.Check(Native.ac_tensor_view(Handle, shape.Length, dims, out view));
        return new Tensor(view, Context, (long[])shape.Clone(), DType);
    }

    /// <summary>Sets every element of this f32 tensor to <paramref name="value"/>.</summary>
    public void Fill(float value) => NativeStatus.Check(Native.ac_tensor_fill(Handle, value));

    /// <summary>
    /// Fills with N(mean, std²) from the context's Philox stream at <paramref name="offset"/>: the
    /// same seed and offset give the same numbers on every backend. Element i uses counter
    /// offset + i/4, so fills that must be independent need offsets at least Count/4 apart.
    /// </summary>
    public void FillNormal(float mean, float std, ulong offset) =>
        NativeStatus.Check(Native.ac_tensor_fill_normal(Handle, mean, std, offset));

    /// <summary>Fills with U[lo, hi) from the context's Philox stream at <paramref name="offset"/>.</summary>
    public void FillUniform(float lo, float hi, ulong offset) =>
        NativeStatus.Check(Native.ac_tensor_fill_uniform(Handle, lo, hi, offset));

    /// <summary>Throws <see cref="NonFiniteException"/> if any element is NaN or infinite.</summary>
    public void CheckFinite() => NativeStatus.Check(Native.ac_tensor_check_finite(Handle));

    /// <summary>Philox counters one fill of <paramref name="count"/> elements consumes (4 per counter).</summary>
    public static ulong PhiloxCounters(long count) => (ulong)((count + 3) / 4);

    // ------------------------------------------------------------------ misc

    /// <summary>"2x3x4" for messages.</summary>
    internal static string ShapeString(ReadOnlySpan<long> shape)
    {
        if (shape.Length == 0) return "[]";
        var parts = new string[shape.Length];
        for (int i = 0; i < shape.Length; i++) parts[i] = shape[i].ToString(System.Globalization.CultureInfo.InvariantCulture);
        return string.Join('x', parts);
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"Tensor({DType} {ShapeString(_shape)}{(IsDisposed ? ", disposed" : "")})";

    /// <summary>Releases the native tensor (its storage lives on while views of it exist).</summary>
    public void Dispose() => _handle.Dispose();
}
