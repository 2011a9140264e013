namespace AdvCore.Attacks;

/// <summary>The norm of a distortion budget (<c>ac_norm</c>).</summary>
public enum AttackNorm
{
    /// <summary>Euclidean norm ‖r‖₂.</summary>
    L2 = 0,
    /// <summary>Maximum norm ‖r‖∞.</summary>
    Linf = 1,
}
