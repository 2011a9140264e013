using System.Runtime.InteropServices;
using AdvCore.Interop;

namespace AdvCore.Smoothing;

/// <summary>Blittable mirror of <c>ac_smoothing_params</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct AcSmoothingParams
{
    public int Neighbours;
    public int Kernel;
    public float SigmaFeature;
    public float SigmaSpatial;
    public float Alpha;
    public float Tolerance;
    public int MaxIterations;

    internal static AcSmoothingParams From(GraphSmoothingOptions o) => new()
    {
        Neighbours = o.Neighbours,
        Kernel = (int)o.Kernel,
        SigmaFeature = o.SigmaFeature,
        SigmaSpatial = o.SigmaSpatial,
        Alpha = o.Alpha,
        Tolerance = o.Tolerance,
        MaxIterations = o.MaxIterations,
    };
}

/// <summary>
/// Declarations of the "Graph-Laplacian smoothing" section of native/include/advcore.h (kept
/// beside <see cref="GraphSmoother"/> rather than in <see cref="Native"/>). Every function
/// returns a raw status; callers wrap it in <see cref="NativeStatus.Check(int)"/>.
/// </summary>
internal static unsafe partial class SmoothingNative
{
    // The resolver that finds libadvcore is registered once per assembly; make sure it is in
    // place even when smoothing is the first native call of the process.
    static SmoothingNative() => NativeLibraryResolver.Register(typeof(SmoothingNative).Assembly);

    [LibraryImport(Native.LibraryName)]
    internal static partial int ac_smoothing_params_default(out AcSmoothingParams p);

    [LibraryImport(Native.LibraryName)]
    internal static partial int ac_smoothing_graph_create(ContextHandle ctx, TensorHandle images, in AcSmoothingParams p,
                                                          out SmoothingGraphHandle graph);

    // Raw pointer: only called from SmoothingGraphHandle.ReleaseHandle.
    [LibraryImport(Native.LibraryName)] internal static partial int ac_smoothing_graph_destroy(nint graph);

    [LibraryImport(Native.LibraryName)]
    internal static partial int ac_smoothing_graph_weights(ContextHandle ctx, SmoothingGraphHandle graph, TensorHandle weights);

    [LibraryImport(Native.LibraryName)]
    internal static partial int ac_smoothing_graph_ones_response(ContextHandle ctx, SmoothingGraphHandle graph, TensorHandle s1);

    [LibraryImport(Native.LibraryName)]
    internal static partial int ac_smoothing_apply(ContextHandle ctx, SmoothingGraphHandle graph, TensorHandle v, TensorHandle y);

    [LibraryImport(Native.LibraryName)]
    internal static partial int ac_smoothing_solve(ContextHandle ctx, SmoothingGraphHandle graph, TensorHandle b, TensorHandle x,
                                                   int warmStart);

    [LibraryImport(Native.LibraryName)]
    internal static partial int ac_smoothing_smooth(ContextHandle ctx, SmoothingGraphHandle graph, TensorHandle z, TensorHandle r,
                                                    int warmStart);

    [LibraryImport(Native.LibraryName)]
    internal static partial int ac_smoothing_smooth_adjoint(ContextHandle ctx, SmoothingGraphHandle graph, TensorHandle g,
                                                            TensorHandle gz, int warmStart);

    [LibraryImport(Native.LibraryName)]
    internal static partial int ac_smoothing_last_report(SmoothingGraphHandle graph, int* iterations, float* residuals, long count);

    [LibraryImport(Native.LibraryName)]
    internal static partial int ac_smoothing_ones_report(SmoothingGraphHandle graph, int* iterations, float* residuals, long count);
}
