using AdvCore.Interop;

namespace AdvCore.Smoothing;

/// <summary>
/// The graph-Laplacian smoothing operator of the smooth attacks (thesis ch. 4, §4.2-4.3;
/// docs/smoothing.md), built once for a batch of images x_o [N, C, H, W] and applied to any
/// signal of that shape, one system per (image, channel), all in one native call:
/// <list type="bullet">
/// <item><see cref="Solve"/>: s_α(b) = L_α⁻¹ b (eq. 4.4), L_α = (I − α D^−1/2 W D^−1/2) / (1 − α);</item>
/// <item><see cref="Smooth"/>: ŝ_α(z) = s_α(z) ⊘ s(1) (eq. 4.5), s(1) = L_α⁻¹ 1 per image;</item>
/// <item><see cref="SmoothAdjoint"/>: ŝ_αᵀ(g) = L_α⁻¹ (g ⊘ s(1)) (eq. 4.15; L_α is symmetric).</item>
/// </list>
/// The solves run conjugate gradient on the context's backend (reference, fast CPU or CUDA) with
/// per-system convergence; they make no host transfer and allocate nothing (buffers are sized at
/// <see cref="Build"/>), so an attack may call them every iteration. <see cref="LastReport"/>
/// reads the per-system iterations and residuals back when asked. One call at a time per smoother
/// (the native side serialises them). Dispose frees the native graph.
/// </summary>
public sealed class GraphSmoother : IDisposable
{
    private readonly SmoothingGraphHandle _handle;
    private readonly Context _context;
    private readonly long[] _shape;
    private bool _solved;

    private GraphSmoother(SmoothingGraphHandle handle, Context context, long[] shape, GraphSmoothingOptions options)
    {
        _handle = handle;
        _context = context;
        _shape = shape;
        Options = options;
    }

    /// <summary>
    /// Builds the pixel graphs of <paramref name="images"/> (an engine tensor [N, C, H, W] on its
    /// context, values in [0,1], finite) and s(1) for each image. This call reads the device back
    /// (the finiteness check, a check of s(1)); the solves do not.
    /// </summary>
    /// <exception cref="ArgumentException">An option out of range (names it).</exception>
    /// <exception cref="ShapeMismatchException">images is not 4-D.</exception>
    /// <exception cref="NonFiniteException">images hold NaN or infinity.</exception>
    public static GraphSmoother Build(Tensor images, GraphSmoothingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        options ??= new GraphSmoothingOptions();
        options.Validate();
        if (images.Rank != 4)
            throw new ShapeMismatchException($"GraphSmoother.Build: images must be [N, C, H, W], got {Tensor.ShapeString(images.Shape)}");
        var p = AcSmoothingParams.From(options);
        NativeStatus.Check(SmoothingNative.ac_smoothing_graph_create(images.Context.Handle, images.Handle, in p, out var handle));
        return new GraphSmoother(handle, images.Context, images.ShapeArray(), options);
    }

    /// <summary>The options the graph was built with.</summary>
    public GraphSmoothingOptions Options { get; }

    /// <summary>N, the number of images.</summary>
    public int Images => checked((int)_shape[0]);

    /// <summary>C, the channels per image (systems per graph).</summary>
    public int Channels => checked((int)_shape[1]);

    /// <summary>H, the image height.</summary>
    public int Height => checked((int)_shape[2]);

    /// <summary>W, the image width.</summary>
    public int Width => checked((int)_shape[3]);

    /// <summary>The shape every operand must have: the images' [N, C, H, W].</summary>
    public ReadOnlySpan<long> Shape => _shape;

    /// <summary>The context the graph lives on.</summary>
    public Context Context => _context;

    /// <summary>
    /// x = L_α⁻¹ b for every (image, channel). With <paramref name="warmStart"/> CG starts from x's
    /// current content, else from 0. b and x have the images' shape and must not share storage.
    /// </summary>
    public void Solve(Tensor b, Tensor x, bool warmStart = false)
    {
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(x);
        NativeStatus.Check(SmoothingNative.ac_smoothing_solve(ContextHandle, Handle, b.Handle, x.Handle, warmStart ? 1 : 0));
        _solved = true;
    }

    /// <summary>
    /// r = ŝ_α(z) = L_α⁻¹ z ⊘ s(1). With <paramref name="warmStart"/> CG starts from r ⊙ s(1) (the
    /// solution r came from), else from 0. z and r have the images' shape and must not share storage.
    /// </summary>
    public void Smooth(Tensor z, Tensor r, bool warmStart = false)
    {
        ArgumentNullException.ThrowIfNull(z);
        ArgumentNullException.ThrowIfNull(r);
        NativeStatus.Check(SmoothingNative.ac_smoothing_smooth(ContextHandle, Handle, z.Handle, r.Handle, warmStart ? 1 : 0));
        _solved = true;
    }

    /// <summary>
    /// gz = ŝ_αᵀ(g) = L_α⁻¹ (g ⊘ s(1)): the gradient with respect to z of a loss whose gradient
    /// with respect to r = ŝ_α(z) is g. With <paramref name="warmStart"/> CG starts from gz's
    /// current content. g and gz have the images' shape and must not share storage.
    /// </summary>
    public void SmoothAdjoint(Tensor g, Tensor gz, bool warmStart = false)
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(gz);
        NativeStatus.Check(SmoothingNative.ac_smoothing_smooth_adjoint(ContextHandle, Handle, g.Handle, gz.Handle, warmStart ? 1 : 0));
        _solved = true;
    }

    /// <summary>y = L_α v for every (image, channel) (the matvec CG iterates with).</summary>
    public void Apply(Tensor v, Tensor y)
    {
        ArgumentNullException.ThrowIfNull(v);
        ArgumentNullException.ThrowIfNull(y);
        NativeStatus.Check(SmoothingNative.ac_smoothing_apply(ContextHandle, Handle, v.Handle, y.Handle));
    }

    /// <summary>
    /// The last <see cref="Solve"/>/<see cref="Smooth"/>/<see cref="SmoothAdjoint"/> call's per-system
    /// iterations and final relative residuals (N·C entries, index image·C + channel). A host transfer.
    /// </summary>
    /// <exception cref="InvalidOperationException">No solve has run yet.</exception>
    public unsafe CgReport LastReport()
    {
        if (!_solved) throw new InvalidOperationException("GraphSmoother.LastReport: no Solve, Smooth or SmoothAdjoint has run yet");
        var iterations = new int[Images * Channels];
        var residuals = new float[iterations.Length];
        fixed (int* it = iterations)
        fixed (float* res = residuals)
            NativeStatus.Check(SmoothingNative.ac_smoothing_last_report(Handle, it, res, iterations.Length));
        return new CgReport(iterations, residuals);
    }

    /// <summary>The s(1) solve's per-image iterations and residuals (N entries), done at <see cref="Build"/>.</summary>
    public unsafe CgReport OnesReport()
    {
        var iterations = new int[Images];
        var residuals = new float[Images];
        fixed (int* it = iterations)
        fixed (float* res = residuals)
            NativeStatus.Check(SmoothingNative.ac_smoothing_ones_report(Handle, it, res, iterations.Length));
        return new CgReport(iterations, residuals);
    }

    /// <summary>
    /// A new tensor [N, K, H, W] with the stencil of the normalised affinity W' = D^−1/2 W D^−1/2:
    /// slot k of pixel (y, x) is its neighbour up, left, right, down (then, with 8 neighbours,
    /// up-left, up-right, down-left, down-right); 0 outside the image.
    /// </summary>
    public Tensor StencilWeights()
    {
        var t = Tensor.Zeros(_context, [_shape[0], Options.Neighbours, _shape[2], _shape[3]]);
        try
        {
            NativeStatus.Check(SmoothingNative.ac_smoothing_graph_weights(ContextHandle, Handle, t.Handle));
            return t;
        }
        catch
        {
            t.Dispose();
            throw;
        }
    }

    /// <summary>A new tensor [N, 1, H, W] with s(1) = L_α⁻¹ 1 of each image (every entry ≥ 1 − α).</summary>
    public Tensor OnesResponse()
    {
        var t = Tensor.Zeros(_context, [_shape[0], 1, _shape[2], _shape[3]]);
        try
        {
            NativeStatus.Check(SmoothingNative.ac_smoothing_graph_ones_response(ContextHandle, Handle, t.Handle));
            return t;
        }
        catch
        {
            t.Dispose();
            throw;
        }
    }

    /// <summary>Whether <see cref="Dispose"/> has been called.</summary>
    public bool IsDisposed => _handle.IsClosed;

    private SmoothingGraphHandle Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
            return _handle;
        }
    }

    private ContextHandle ContextHandle => _context.Handle;

    /// <inheritdoc />
    public override string ToString() =>
        $"GraphSmoother({Tensor.ShapeString(_shape)}, {Options.Neighbours} neighbours, {Options.Kernel}, α = {Options.Alpha}{(IsDisposed ? ", disposed" : "")})";

    /// <summary>Frees the native graph and its buffers.</summary>
    public void Dispose() => _handle.Dispose();
}
