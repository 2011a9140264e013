namespace AdvCore.Nn;

/// <summary>
/// A named tensor of a network: a trainable parameter (with its gradient) or a buffer such as
/// batch norm's running statistics (no gradient, never trainable). The network owns both tensors.
/// </summary>
public sealed class NamedParameter
{
    private bool _trainable;

    internal NamedParameter(string name, Tensor value, Tensor? grad)
    {
        Name = name;
        Value = value;
        Grad = grad;
        _trainable = grad is not null;
    }

    /// <summary>The PyTorch-style name, e.g. "0.weight", "3.running_mean", "2.body.0.bias".</summary>
    public string Name { get; }

    /// <summary>The values (conv weights OIHW, linear weights [out, in]).</summary>
    public Tensor Value { get; }

    /// <summary>The gradient written by <see cref="Network.TrainStep"/>; null for buffers.</summary>
    public Tensor? Grad { get; }

    /// <summary>
    /// Whether optimizers update this parameter (and training computes its gradient). Set false
    /// to freeze it. Buffers are never trainable.
    /// </summary>
    public bool Trainable
    {
        get => _trainable;
        set
        {
            if (value && Grad is null) throw new InvalidOperationException($"{Name} is a buffer and cannot be trainable");
            _trainable = value;
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name} {Tensor.ShapeString(Value.Shape)}";
}
