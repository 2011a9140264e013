using System.Globalization;
using System.Text;
using AdvCore.Nn.Nodes;
using AdvCore.Training;

namespace AdvCore.Nn;

/// <summary>
/// A feed-forward classifier built from <see cref="LayerSpec"/>s on one <see cref="Context"/>.
/// Parameters are named like PyTorch's nn.Sequential state_dict. Activation buffers are cached
/// per batch size (the few most recent), so steady-state <see cref="Forward(Tensor)"/>,
/// <see cref="InputGradient(Tensor, Tensor, LossKind, float)"/> and <see cref="TrainStep"/> allocate nothing, native or managed.
/// Tensors these methods return belong to the network and are overwritten by its next call:
/// copy what must be kept and never dispose them. Not thread-safe, and enforced: a pass started
/// while another thread runs one on this network or its context throws
/// <see cref="InvalidOperationException"/> (build one network per thread, each on its own context).
/// </summary>
public sealed class Network : IDisposable
{
    /// <summary>How many batch sizes keep their buffers; the least recently used is released beyond that.</summary>
    public const int CachedBatchSizes = 4;

    private readonly Node[] _nodes;
    private readonly long[] _inputShape;
    private readonly NamedParameter[] _parameters;
    private readonly NamedParameter[] _buffers;
    private readonly NamedParameter[] _stateOrder;
    private readonly Dictionary<string, NamedParameter> _byName;
    private readonly List<BatchWorkspace> _workspaces = new(CachedBatchSizes);
    private readonly PassContext _pass = new();
    private long _clock;
    private bool _disposed;

    private Network(Context context, int[] inputShape, LayerSpec[] layers, Node[] nodes, int classes, ulong seed)
    {
        // Dropout draws from the context's Philox key; starting each network's counters at a
        // seed-dependent point (an odd multiplier is a bijection) keeps networks built with
        // different seeds on one context from sharing masks, while equal seeds stay identical.
        _pass.RandomOffset = unchecked(seed * 0x9E3779B97F4A7C15UL);
        Context = context;
        InputShape = Array.AsReadOnly((int[])inputShape.Clone());
        _inputShape = Array.ConvertAll(inputShape, d => (long)d);
        Layers = Array.AsReadOnly(layers);
        _nodes = nodes;
        OutputClasses = classes;

        var parameters = new List<NamedParameter>();
        var buffers = new List<NamedParameter>();
        var order = new List<NamedParameter>();
        foreach (var node in nodes)
        {
            var p = new List<NamedParameter>();
            var b = new List<NamedParameter>();
            node.Collect(p, b);
            parameters.AddRange(p);
            buffers.AddRange(b);
            order.AddRange(p); // state_dict order: a module's parameters, then its buffers
            order.AddRange(b);
        }
        _parameters = [.. parameters];
        _buffers = [.. buffers];
        _stateOrder = [.. order];
        _byName = order.ToDictionary(p => p.Name, StringComparer.Ordinal);
    }

    /// <summary>
    /// Builds a network for per-sample inputs of <paramref name="inputShape"/> (C,H,W for images),
    /// checking every layer's shapes and failing with an error that names the layer. Weights are
    /// He-normal (std = sqrt(2/fan_in)) drawn from Philox keyed by <paramref name="seed"/>, each
    /// parameter at its own offset, so the same seed gives bit-identical weights on every device;
    /// biases are zero, batch norm γ = 1. Dropout masks in <see cref="TrainStep"/> come from the
    /// context's Philox stream, starting at a counter derived from <paramref name="seed"/>.
    /// </summary>
    /// <exception cref="ShapeMismatchException">A layer does not fit its input, or the network does not end in [K] logits.</exception>
    /// <exception cref="InvalidArgumentException">A layer's hyper-parameters are invalid.</exception>
    public static Network Build(Context context, IReadOnlyList<int> inputShape, IReadOnlyList<LayerSpec> layers, ulong seed = 0)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(inputShape);
        ArgumentNullException.ThrowIfNull(layers);
        if (inputShape.Count is < 1 or > Tensor.MaxRank - 1 || inputShape.Any(d => d < 1))
            throw new InvalidArgumentException($"input shape [{string.Join(',', inputShape)}] must have 1 to {Tensor.MaxRank - 1} dimensions, each >= 1");
        if (layers.Count == 0) throw new InvalidArgumentException("a network needs at least one layer");

        LayerSpec[] specs = [.. layers];
        long[] inShape = [.. inputShape.Select(d => (long)d)];
        Node[] nodes;
        using (var init = new ParameterInitializer(seed))
            nodes = NodeFactory.CreateChain(specs, "", inShape, context, init, "");
        try
        {
            long[] outShape = nodes[^1].OutShape;
            if (outShape.Length != 1 || outShape[0] < 2)
                throw new ShapeMismatchException(
                    $"a classifier must end in [K] logits with K >= 2; the last layer ({specs[^1]}) outputs [{Tensor.ShapeString(outShape)}] per sample");
            return new Network(context, [.. inputShape], specs, nodes, checked((int)outShape[0]), seed);
        }
        catch
        {
            foreach (var node in nodes) node.Dispose();
            throw;
        }
    }

    // ------------------------------------------------------------------ description

    /// <summary>The context holding the parameters and buffers.</summary>
    public Context Context { get; }

    /// <summary>The layer descriptions the network was built from.</summary>
    public IReadOnlyList<LayerSpec> Layers { get; }

    /// <summary>Per-sample input shape (C,H,W for images).</summary>
    public IReadOnlyList<int> InputShape { get; }

    /// <summary>Number of classes K (logits per sample).</summary>
    public int OutputClasses { get; }

    /// <summary>Trainable parameters in state_dict order, each with its gradient tensor.</summary>
    public IReadOnlyList<NamedParameter> Parameters => _parameters;

    /// <summary>Non-trainable buffers (batch norm running statistics).</summary>
    public IReadOnlyList<NamedParameter> Buffers => _buffers;

    /// <summary>Number of trainable scalars.</summary>
    public long ParameterCount
    {
        get
        {
            long count = 0;
            foreach (var p in _parameters) count += p.Value.Count;
            return count;
        }
    }

    /// <summary>The parameter or buffer called <paramref name="name"/> (e.g. "0.weight").</summary>
    /// <exception cref="KeyNotFoundException">No such name.</exception>
    public NamedParameter this[string name] =>
        _byName.TryGetValue(name, out var p) ? p : throw new KeyNotFoundException($"the network has no parameter or buffer '{name}'");

    /// <summary>Multiply-accumulates of one image's forward pass (convolutions and linear layers).</summary>
    public long MacsPerImage()
    {
        long macs = 0;
        foreach (var node in _nodes) macs += node.Macs;
        return macs;
    }

    /// <summary>A table of layers, output shapes and parameter counts.</summary>
    public string Summary()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"input [{string.Join('x', InputShape)}]");
        for (int i = 0; i < _nodes.Length; i++)
        {
            var parameters = new List<NamedParameter>();
            _nodes[i].Collect(parameters, []);
            long count = parameters.Sum(p => p.Value.Count);
            text.AppendLine(CultureInfo.InvariantCulture,
                $"{i,3}  {Layers[i],-48} -> [{Tensor.ShapeString(_nodes[i].OutShape)}]{(count > 0 ? $"  {count} params" : "")}");
        }
        text.Append(CultureInfo.InvariantCulture, $"{ParameterCount} parameters, {MacsPerImage()} MACs per image");
        return text.ToString();
    }

    // ------------------------------------------------------------------ passes

    /// <summary>
    /// Eval-mode logits [N, K] for x [N, ...InputShape]. The result belongs to the network and is
    /// overwritten by its next call.
    /// </summary>
    /// <exception cref="ShapeMismatchException">x is not [N, ...InputShape] f32.</exception>
    /// <exception cref="NonFiniteException">x holds NaN or infinity.</exception>
    /// <exception cref="InvalidOperationException">Another thread is using the network or its context.</exception>
    public Tensor Forward(Tensor x) => Forward(x, null);

    /// <summary>
    /// Eval-mode logits with <paramref name="hook"/> free to replace any layer's output (a
    /// feature-map defense); the result belongs to the network.
    /// </summary>
    /// <exception cref="ShapeMismatchException">The hook returned a tensor of another shape or context.</exception>
    public Tensor Forward(Tensor x, FeatureHook? hook)
    {
        using var use = Context.Use("Network.Forward");
        var workspace = Prepare(x);
        SetMode(training: false, weightGrads: false);
        return NodeChain.Forward(_nodes, workspace.States, x, _pass, Checked(hook));
    }

    /// <summary>
    /// Eval-mode output [N, ...] of top-level layer <paramref name="layer"/> (the features a
    /// feature-map defense sees there); the later layers do not run. The result belongs to the network.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">No such layer.</exception>
    public Tensor Features(Tensor x, int layer)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(layer);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(layer, _nodes.Length);
        using var use = Context.Use("Network.Features");
        var workspace = Prepare(x);
        SetMode(training: false, weightGrads: false);
        Tensor current = x;
        for (int i = 0; i <= layer; i++) current = _nodes[i].Forward(workspace.States[i], current, _pass);
        return current;
    }

    /// <summary>Per-sample output shape of top-level layer <paramref name="layer"/>.</summary>
    public IReadOnlyList<int> OutputShapeOf(int layer)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(layer);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(layer, _nodes.Length);
        return Array.ConvertAll(_nodes[layer].OutShape, d => checked((int)d));
    }

    // A hook's replacement must be a tensor the next layer can take. The wrapper is made in its
    // own method: a lambda capturing a parameter allocates its closure at method entry, and the
    // passes without a hook must allocate nothing.
    private FeatureHook? Checked(FeatureHook? hook) => hook is null ? null : CheckedHook(hook);

    private FeatureHook CheckedHook(FeatureHook hook) => (layer, output) =>
    {
        Tensor replaced = hook(layer, output);
        if (ReferenceEquals(replaced, output)) return output;
        if (replaced is null || !ReferenceEquals(replaced.Context, Context) || replaced.DType != DType.F32 || !replaced.Shape.SequenceEqual(output.Shape))
            throw new ShapeMismatchException(
                $"a feature hook at layer {layer} must return f32 [{Tensor.ShapeString(output.Shape)}] on the network's context, got {(replaced is null ? "null" : $"{replaced.DType} [{Tensor.ShapeString(replaced.Shape)}]")}");
        return replaced;
    };

    /// <summary>
    /// One gradient evaluation in eval mode: per-sample loss [N], logits [N, K] and ∂loss_i/∂x_i
    /// (the shape of x). Weight gradients are not computed. The returned tensors belong to the
    /// network and are valid until its next call (which overwrites or releases them).
    /// </summary>
    /// <param name="x">Inputs [N, ...InputShape].</param>
    /// <param name="labels">i32 labels [N]; for <see cref="LossKind.DlrTargeted"/> i32 [N, 2] rows (y, t).</param>
    /// <param name="loss">The loss to differentiate.</param>
    /// <param name="lossParam">Label smoothing for cross-entropy, μ for the C&amp;W margins.</param>
    /// <exception cref="LabelOutOfRangeException">A label outside [0, K).</exception>
    /// <exception cref="InvalidOperationException">Another thread is using the network or its context.</exception>
    public GradientResult InputGradient(Tensor x, Tensor labels, LossKind loss, float lossParam = 0) =>
        InputGradient(x, labels, loss, lossParam, null);

    /// <summary>
    /// <see cref="InputGradient(Tensor, Tensor, LossKind, float)"/> with <paramref name="hook"/>
    /// free to replace layers' outputs; the backward pass takes each replacement as the identity (BPDA).
    /// </summary>
    public GradientResult InputGradient(Tensor x, Tensor labels, LossKind loss, float lossParam, FeatureHook? hook)
    {
        using var use = Context.Use("Network.InputGradient");
        var workspace = Prepare(x);
        if (loss == LossKind.DlrTargeted)
            CheckLabelPairs(labels, x.BatchSize);
        else
            CheckLabels(labels, x.BatchSize);
        SetMode(training: false, weightGrads: false);
        Tensor logits = NodeChain.Forward(_nodes, workspace.States, x, _pass, Checked(hook));
        Ops.Loss(loss, lossParam, logits, labels, workspace.Loss, workspace.LogitGrad);
        Tensor gradient = NodeChain.Backward(_nodes, workspace.States, x, workspace.LogitGrad, needInputGrad: true, _pass)!;
        return new GradientResult(workspace.Loss, logits, gradient);
    }

    /// <summary>
    /// A vector-Jacobian product in eval mode: logits [N, K] of x and ∂⟨v_i, z_i(x_i)⟩/∂x_i for
    /// a given logit gradient v [N, K] (f32). Randomized smoothing differentiates losses of
    /// averaged logits this way (EPGD). The returned tensors belong to the network.
    /// </summary>
    /// <exception cref="ShapeMismatchException">v is not f32 [N, K].</exception>
    public GradientResult InputGradientOfLogits(Tensor x, Tensor logitGradient) => InputGradientOfLogits(x, logitGradient, null);

    /// <summary>The vector-Jacobian product with <paramref name="hook"/> replacing layers' outputs (identity in the backward).</summary>
    public GradientResult InputGradientOfLogits(Tensor x, Tensor logitGradient, FeatureHook? hook)
    {
        var workspace = Prepare(x);
        ArgumentNullException.ThrowIfNull(logitGradient);
        if (logitGradient.DType != DType.F32 || !logitGradient.HasShape([x.BatchSize, OutputClasses]))
            throw new ShapeMismatchException($"logit gradient must be f32 [{x.BatchSize},{OutputClasses}], got {logitGradient.DType} [{Tensor.ShapeString(logitGradient.Shape)}]");
        SetMode(training: false, weightGrads: false);
        Tensor logits = NodeChain.Forward(_nodes, workspace.States, x, _pass, Checked(hook));
        workspace.LogitGrad.CopyFrom(logitGradient); // backward passes may overwrite their dy
        Tensor gradient = NodeChain.Backward(_nodes, workspace.States, x, workspace.LogitGrad, needInputGrad: true, _pass)!;
        workspace.Loss.Fill(0f);
        return new GradientResult(workspace.Loss, logits, gradient);
    }

    /// <summary>
    /// <see cref="InputGradientOfLogits(Tensor, Tensor)"/> with the logit gradient computed from
    /// the logits of the same forward pass: <paramref name="logitGradient"/>(logits, v) writes v
    /// [N, K]. Saves the extra forward a caller would need to learn the logits first (VAT's power
    /// iteration differentiates a KL divergence to the logits it is evaluated at).
    /// </summary>
    internal GradientResult InputGradientOfLogits(Tensor x, Action<Tensor, Tensor> logitGradient)
    {
        ArgumentNullException.ThrowIfNull(logitGradient);
        using var use = Context.Use("Network.InputGradientOfLogits");
        var workspace = Prepare(x);
        SetMode(training: false, weightGrads: false);
        Tensor logits = NodeChain.Forward(_nodes, workspace.States, x, _pass);
        logitGradient(logits, workspace.LogitGrad);
        Tensor gradient = NodeChain.Backward(_nodes, workspace.States, x, workspace.LogitGrad, needInputGrad: true, _pass)!;
        workspace.Loss.Fill(0f);
        return new GradientResult(workspace.Loss, logits, gradient);
    }

    /// <summary>
    /// A training step on a loss the caller defines by its gradient at the logits: train-mode
    /// forward of <paramref name="x"/>, then <paramref name="logitGradient"/>(logits, dlogits)
    /// writes ∂L/∂logits [N, K] (any mean over the batch included), then the backward into every
    /// trainable parameter's gradient, <paramref name="beforeUpdate"/> and the optimizer's update.
    /// Virtual adversarial training uses it: its KL term has soft targets, which
    /// <see cref="Ops.Loss"/> cannot express. The caller checks its own labels.
    /// </summary>
    internal void TrainStepWithLogitGradient(Tensor x, Action<Tensor, Tensor> logitGradient, Optimizer optimizer, Action? beforeUpdate = null)
    {
        ArgumentNullException.ThrowIfNull(logitGradient);
        ArgumentNullException.ThrowIfNull(optimizer);
        using var use = Context.Use("Network.TrainStep");
        var workspace = Prepare(x);
        SetMode(training: true, weightGrads: true);
        try
        {
            Tensor logits = NodeChain.Forward(_nodes, workspace.States, x, _pass);
            logitGradient(logits, workspace.LogitGrad);
            NodeChain.Backward(_nodes, workspace.States, x, workspace.LogitGrad, needInputGrad: false, _pass);
        }
        finally
        {
            SetMode(training: false, weightGrads: false);
        }
        beforeUpdate?.Invoke();
        optimizer.Step(_parameters);
    }

    /// <summary>
    /// One training step: train-mode forward (batch statistics, dropout with fresh Philox
    /// counters), mean cross-entropy (with optional label smoothing), gradients of every trainable
    /// parameter, then <paramref name="optimizer"/>'s update. Labels are checked before anything
    /// changes.
    /// </summary>
    /// <param name="x">The batch.</param>
    /// <param name="labels">Its labels.</param>
    /// <param name="optimizer">Applies the update.</param>
    /// <param name="labelSmoothing">Mass moved from the true class.</param>
    /// <param name="firstRows">Rows counted apart in <see cref="TrainStepResult.FirstCorrect"/>.</param>
    /// <param name="beforeUpdate">Runs after the gradients, before the update (weight-noise training restores the clean weights there).</param>
    /// <returns>The batch's mean loss and how many train-mode predictions were right.</returns>
    public TrainStepResult TrainStep(Tensor x, Tensor labels, Optimizer optimizer, float labelSmoothing = 0, int firstRows = 0, Action? beforeUpdate = null)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        using var use = Context.Use("Network.TrainStep");
        var workspace = Prepare(x);
        CheckLabels(labels, x.BatchSize);
        labels.CopyTo(workspace.LabelsHost);
        CheckLabelRange(workspace.LabelsHost);

        Tensor logits;
        SetMode(training: true, weightGrads: true);
        try
        {
            logits = NodeChain.Forward(_nodes, workspace.States, x, _pass);
            Ops.Loss(LossKind.CrossEntropy, labelSmoothing, logits, labels, workspace.Loss, workspace.LogitGrad);
            Ops.BatchScale(workspace.MeanScale, workspace.LogitGrad);
            NodeChain.Backward(_nodes, workspace.States, x, workspace.LogitGrad, needInputGrad: false, _pass);
        }
        finally
        {
            SetMode(training: false, weightGrads: false);
        }

        Ops.ArgMax(logits, workspace.Predictions);
        workspace.Predictions.CopyTo(workspace.PredictionsHost);
        workspace.Loss.CopyTo(workspace.LossHost);
        beforeUpdate?.Invoke();
        optimizer.Step(_parameters);

        double sum = 0;
        int correct = 0, firstCorrect = 0;
        for (int i = 0; i < workspace.LossHost.Length; i++)
        {
            sum += workspace.LossHost[i];
            if (workspace.PredictionsHost[i] != workspace.LabelsHost[i]) continue;
            correct++;
            if (i < firstRows) firstCorrect++;
        }
        return new TrainStepResult(sum / workspace.N, correct, (int)workspace.N, firstCorrect);
    }

    /// <summary>Eval-mode predicted classes (argmax of the logits, first maximiser).</summary>
    public int[] Predict(Tensor x)
    {
        var predictions = new int[x?.BatchSize ?? 0];
        Predict(x!, predictions);
        return predictions;
    }

    /// <summary>Eval-mode predicted classes into <paramref name="predictions"/> (length N); allocation-free.</summary>
    public void Predict(Tensor x, Span<int> predictions)
    {
        using var use = Context.Use("Network.Predict");
        Tensor logits = Forward(x);
        var workspace = Workspace(x.BatchSize);
        Ops.ArgMax(logits, workspace.Predictions);
        workspace.Predictions.CopyTo(predictions);
    }

    private void SetMode(bool training, bool weightGrads)
    {
        _pass.Training = training;
        _pass.WeightGrads = weightGrads;
    }

    private BatchWorkspace Prepare(Tensor x)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(x);
        if (!ReferenceEquals(x.Context, Context))
            throw new InvalidArgumentException("the input tensor belongs to another context than the network");
        ReadOnlySpan<long> shape = x.Shape; // also throws ObjectDisposedException for a disposed tensor
        ObjectDisposedException.ThrowIf(x.IsDisposed, x);
        if (x.DType != DType.F32 || shape.Length != _inputShape.Length + 1 || !shape[1..].SequenceEqual(_inputShape))
            throw new ShapeMismatchException(
                $"network input must be f32 [N,{string.Join(',', _inputShape)}], got {x.DType} [{Tensor.ShapeString(shape)}]");
        // An attack loop switches value checks off after validating its inputs once: the check
        // reads the device back, once per pass.
        try
        {
            if (Context.ValueChecks) x.CheckFinite();
        }
        catch (NonFiniteException e)
        {
            throw new NonFiniteException($"network input x [{Tensor.ShapeString(shape)}] holds NaN or infinite values", e.NativeMessage, e);
        }
        return Workspace(shape[0]);
    }

    private static void CheckLabels(Tensor labels, long n)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ObjectDisposedException.ThrowIf(labels.IsDisposed, labels);
        if (labels.DType != DType.I32 || labels.Rank != 1 || labels.Count != n)
            throw new ShapeMismatchException($"labels must be i32 [{n}], got {labels.DType} [{Tensor.ShapeString(labels.Shape)}]");
    }

    private static void CheckLabelPairs(Tensor labels, long n)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ObjectDisposedException.ThrowIf(labels.IsDisposed, labels);
        if (labels.DType != DType.I32 || labels.Rank != 2 || labels.Shape[0] != n || labels.Shape[1] != 2)
            throw new ShapeMismatchException(
                $"labels for {nameof(LossKind.DlrTargeted)} must be i32 [{n},2] rows (y, t), got {labels.DType} [{Tensor.ShapeString(labels.Shape)}]");
    }

    private void CheckLabelRange(int[] labels)
    {
        for (int i = 0; i < labels.Length; i++)
            if ((uint)labels[i] >= (uint)OutputClasses)
                throw new LabelOutOfRangeException($"labels[{i}] = {labels[i]} is outside [0, {OutputClasses})");
    }

    private BatchWorkspace Workspace(long n)
    {
        _clock++;
        foreach (var cached in _workspaces)
        {
            if (cached.N != n) continue;
            cached.LastUsed = _clock;
            return cached;
        }
        if (_workspaces.Count >= CachedBatchSizes)
        {
            var oldest = _workspaces.MinBy(w => w.LastUsed)!;
            _workspaces.Remove(oldest);
            oldest.Dispose();
        }
        var workspace = new BatchWorkspace(_nodes, Context, n, OutputClasses) { LastUsed = _clock };
        _workspaces.Add(workspace);
        return workspace;
    }

    /// <summary>
    /// The next Philox counter of the dropout stream; checkpoints save it so a resumed run draws
    /// the same masks as an uninterrupted one.
    /// </summary>
    public ulong DropoutCounter
    {
        get => _pass.RandomOffset;
        set => _pass.RandomOffset = value;
    }

    /// <summary>Releases the cached activation buffers (they are recreated on demand).</summary>
    public void ReleaseBuffers()
    {
        using var use = Context.Use("Network.ReleaseBuffers");
        foreach (var workspace in _workspaces) workspace.Dispose();
        _workspaces.Clear();
    }

    /// <summary>Releases the cached buffers of batch size <paramref name="batchSize"/> only (a one-off size).</summary>
    public void ReleaseBuffers(long batchSize)
    {
        using var use = Context.Use("Network.ReleaseBuffers");
        foreach (var workspace in _workspaces.Where(w => w.N == batchSize).ToList())
        {
            workspace.Dispose();
            _workspaces.Remove(workspace);
        }
    }

    // ------------------------------------------------------------------ state

    /// <summary>
    /// Every parameter and buffer by name, in state_dict order (enumeration order is guaranteed),
    /// copied to host arrays.
    /// </summary>
    public IReadOnlyDictionary<string, (long[] Shape, float[] Data)> GetState()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var state = new OrderedDictionary<string, (long[] Shape, float[] Data)>(_stateOrder.Length, StringComparer.Ordinal);
        foreach (var p in _stateOrder) state.Add(p.Name, (p.Value.ShapeArray(), p.Value.ToArray()));
        return state;
    }

    /// <summary>
    /// Loads parameters and buffers by name. Every name must be present with its exact shape and
    /// finite values, and no unknown name may appear (PyTorch's "*.num_batches_tracked" entries of
    /// batch-norm layers are accepted and ignored). Nothing is changed unless all entries fit.
    /// </summary>
    /// <exception cref="InvalidArgumentException">Missing or unexpected names.</exception>
    /// <exception cref="ShapeMismatchException">An entry with the wrong shape or data length.</exception>
    /// <exception cref="NonFiniteException">An entry holding NaN or infinity.</exception>
    public void LoadState(IReadOnlyDictionary<string, (long[] Shape, float[] Data)> state)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(state);
        var missing = _stateOrder.Where(p => !state.ContainsKey(p.Name)).Select(p => p.Name).ToList();
        var unexpected = state.Keys.Where(k => !_byName.ContainsKey(k) && !IsIgnoredBatchNormCounter(k)).ToList();
        if (missing.Count > 0 || unexpected.Count > 0)
        {
            var message = new StringBuilder("the state does not fit the network:");
            if (missing.Count > 0) message.Append(" missing ").Append(string.Join(", ", missing)).Append(';');
            if (unexpected.Count > 0) message.Append(" unexpected ").Append(string.Join(", ", unexpected)).Append(';');
            throw new InvalidArgumentException(message.ToString().TrimEnd(';'));
        }

        var misshaped = new List<string>();
        foreach (var p in _stateOrder)
        {
            var (shape, data) = state[p.Name];
            if (shape is null || data is null || !p.Value.HasShape(shape) || data.LongLength != p.Value.Count)
                misshaped.Add($"{p.Name}: expected [{Tensor.ShapeString(p.Value.Shape)}], got [{(shape is null ? "null" : Tensor.ShapeString(shape))}] with {data?.Length ?? 0} values");
        }
        if (misshaped.Count > 0)
            throw new ShapeMismatchException("the state does not fit the network: " + string.Join("; ", misshaped));

        foreach (var p in _stateOrder)
        {
            float[] data = state[p.Name].Data;
            int bad = Array.FindIndex(data, v => !float.IsFinite(v));
            if (bad >= 0) throw new NonFiniteException($"{p.Name}[{bad}] = {data[bad]}: weights must be finite");
        }

        foreach (var p in _stateOrder) p.Value.CopyFrom(state[p.Name].Data);
    }

    private bool IsIgnoredBatchNormCounter(string name)
    {
        const string Suffix = "num_batches_tracked";
        return name.EndsWith("." + Suffix, StringComparison.Ordinal)
            && _byName.ContainsKey(name[..^Suffix.Length] + "running_mean");
    }

    /// <summary>Releases parameters, buffers and cached activations.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        ReleaseBuffers();
        foreach (var node in _nodes) node.Dispose();
    }
}
