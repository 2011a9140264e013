using AdvCore.Nn;

namespace AdvCore.Training;

/// <summary>
/// A first-order optimizer holding per-parameter state tensors (created lazily on the
/// parameter's context at the first step and reused afterwards). Parameters whose
/// <see cref="NamedParameter.Trainable"/> is false are skipped.
/// </summary>
public abstract class Optimizer : IDisposable
{
    private readonly Dictionary<NamedParameter, Tensor[]> _state = new(ReferenceEqualityComparer.Instance);
    private bool _disposed;

    /// <summary>Creates an optimizer with <paramref name="learningRate"/> and L2 <paramref name="weightDecay"/>.</summary>
    protected Optimizer(float learningRate, float weightDecay)
    {
        LearningRate = learningRate;
        WeightDecay = weightDecay;
    }

    /// <summary>The step size; may be changed between steps (schedules).</summary>
    public float LearningRate { get; set; }

    /// <summary>L2 penalty added to the gradient.</summary>
    public float WeightDecay { get; }

    /// <summary>Steps taken so far.</summary>
    public long Steps { get; private set; }

    /// <summary>Number of state tensors per parameter (Adam: m and v; SGD: velocity).</summary>
    protected abstract int StateTensorsPerParameter { get; }

    /// <summary>Updates every trainable parameter from its gradient.</summary>
    public void Step(IReadOnlyList<NamedParameter> parameters)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(parameters);
        Steps++;
        for (int i = 0; i < parameters.Count; i++)
        {
            var parameter = parameters[i];
            if (!parameter.Trainable || parameter.Grad is null) continue;
            Update(parameter.Value, parameter.Grad, StateFor(parameter), Steps);
        }
    }

    /// <summary>Applies one update to <paramref name="value"/> given its gradient, state and the 1-based step.</summary>
    protected abstract void Update(Tensor value, Tensor grad, Tensor[] state, long step);

    private Tensor[] StateFor(NamedParameter parameter)
    {
        if (_state.TryGetValue(parameter, out var state)) return state;
        state = new Tensor[StateTensorsPerParameter];
        try
        {
            for (int i = 0; i < state.Length; i++) state[i] = Tensor.Zeros(parameter.Value.Context, parameter.Value.Shape);
        }
        catch
        {
            foreach (var t in state) t?.Dispose();
            throw;
        }
        _state.Add(parameter, state);
        return state;
    }

    /// <summary>
    /// The optimizer state for checkpoints: per trainable parameter its state tensors named
    /// "<c>name#i</c>", copied to host arrays, and the step count.
    /// </summary>
    public (IReadOnlyDictionary<string, (long[] Shape, float[] Data)> Tensors, long Steps) GetState(IReadOnlyList<NamedParameter> parameters)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(parameters);
        var tensors = new Dictionary<string, (long[] Shape, float[] Data)>(StringComparer.Ordinal);
        foreach (var parameter in parameters)
        {
            if (!_state.TryGetValue(parameter, out var state)) continue;
            for (int i = 0; i < state.Length; i++) tensors[$"{parameter.Name}#{i}"] = (state[i].ShapeArray(), state[i].ToArray());
        }
        return (tensors, Steps);
    }

    /// <summary>
    /// Restores what <see cref="GetState"/> returned, for the same parameters: every trainable
    /// parameter needs all its state tensors with matching shapes (or none at all, before the
    /// first step). Nothing changes unless everything fits.
    /// </summary>
    public void LoadState(IReadOnlyList<NamedParameter> parameters, IReadOnlyDictionary<string, (long[] Shape, float[] Data)> tensors, long steps)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(tensors);
        if (steps < 0) throw new InvalidArgumentException($"optimizer step count {steps} is negative");
        var trainable = parameters.Where(p => p.Trainable).ToList();
        if (steps > 0)
        {
            foreach (var parameter in trainable)
                for (int i = 0; i < StateTensorsPerParameter; i++)
                {
                    string key = $"{parameter.Name}#{i}";
                    if (!tensors.TryGetValue(key, out var entry))
                        throw new InvalidArgumentException($"optimizer state '{key}' is missing");
                    if (!parameter.Value.HasShape(entry.Shape) || entry.Data.LongLength != parameter.Value.Count)
                        throw new ShapeMismatchException($"optimizer state '{key}' has shape [{Tensor.ShapeString(entry.Shape)}], the parameter [{Tensor.ShapeString(parameter.Value.Shape)}]");
                }
        }
        Reset();
        Steps = steps;
        if (steps == 0) return;
        foreach (var parameter in trainable)
        {
            var state = StateFor(parameter);
            for (int i = 0; i < state.Length; i++) state[i].CopyFrom(tensors[$"{parameter.Name}#{i}"].Data);
        }
    }

    /// <summary>Forgets all state (moments, velocities) and the step count.</summary>
    public void Reset()
    {
        foreach (var state in _state.Values)
            foreach (var t in state) t.Dispose();
        _state.Clear();
        Steps = 0;
    }

    /// <summary>Releases the state tensors.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        Reset();
        _disposed = true;
        GC.SuppressFinalize(this);
    }
}
