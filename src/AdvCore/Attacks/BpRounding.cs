namespace AdvCore.Attacks;

/// <summary>Where BP rounds its iterates to the 8-bit grid: the three rows of thesis Table 5.1 (<c>ac_bp_rounding</c>).</summary>
public enum BpRounding
{
    /// <summary>Iterates are only clipped to [0,1]; the output is rounded once at the end.</summary>
    AtEnd = 0,
    /// <summary>Every iterate is rounded: y_{i+1} = Q(z).</summary>
    EachIteration = 1,
    /// <summary>Stage 2 anticipates the rounding with Q_OUT (line search, eq. 5.7) and Q_IN (eq. 5.10).</summary>
    QInOut = 2,
}
