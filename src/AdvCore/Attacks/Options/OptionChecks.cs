using System.Globalization;

namespace AdvCore.Attacks;

/// <summary>Validation helpers that throw <see cref="ArgumentOutOfRangeException"/> with the option's name and value.</summary>
internal static class OptionChecks
{
    // Values arrive widened from float: print them as the float the caller wrote ("-0.05", not
    // "-0.05000000074505806"), always with the invariant culture.
    internal static string Show(double value) =>
        (double)(float)value == value ? ((float)value).ToString(CultureInfo.InvariantCulture) : value.ToString(CultureInfo.InvariantCulture);

    internal static void Positive(double value, string name)
    {
        if (!(value > 0) || !double.IsFinite(value))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a finite number > 0 (got {Show(value)})");
    }

    internal static void NonNegative(double value, string name)
    {
        if (!(value >= 0) || !double.IsFinite(value))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a finite number >= 0 (got {Show(value)})");
    }

    internal static void AtLeast(int value, int min, string name)
    {
        if (value < min)
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be >= {min} (got {Show(value)})");
    }

    /// <summary>lo &lt;(=) value &lt;(=) hi.</summary>
    internal static void InRange(double value, double lo, double hi, string name, bool loOpen = false, bool hiOpen = false)
    {
        bool ok = double.IsFinite(value) && (loOpen ? value > lo : value >= lo) && (hiOpen ? value < hi : value <= hi);
        if (!ok)
            throw new ArgumentOutOfRangeException(name, value,
                $"{name} must be in {(loOpen ? '(' : '[')}{Show(lo)}, {Show(hi)}{(hiOpen ? ')' : ']')} (got {Show(value)})");
    }

    /// <summary>A non-empty list of budgets ε, each finite and > 0.</summary>
    internal static void Budgets(IReadOnlyList<float>? budgets, string name)
    {
        if (budgets is null || budgets.Count == 0)
            throw new ArgumentException($"{name} must list at least one budget", name);
        for (int i = 0; i < budgets.Count; i++)
            if (!(budgets[i] > 0) || !float.IsFinite(budgets[i]))
                throw new ArgumentOutOfRangeException(name, budgets[i], $"{name}[{i}] must be a finite number > 0 (got {Show(budgets[i])})");
    }

    internal static void Defined<T>(T value, string name) where T : struct, Enum
    {
        if (!Enum.IsDefined(value))
            throw new ArgumentOutOfRangeException(name, value, $"{name} has no value {value}");
    }
}
