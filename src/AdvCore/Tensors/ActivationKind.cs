namespace AdvCore;

/// <summary>Element-wise activations (<c>ac_activation</c>).</summary>
public enum ActivationKind
{
    /// <summary>max(x, 0); the parameter is unused.</summary>
    ReLU = 0,
    /// <summary>x for x &gt; 0, slope·x otherwise; the parameter is the negative slope.</summary>
    LeakyReLU = 1,
    /// <summary>min(max(x, 0), t); the parameter is t &gt; 0.</summary>
    BoundedReLU = 2,
}
