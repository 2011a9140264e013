namespace AdvCore;

/// <summary>
/// A convolution's padding rule: <see cref="Valid"/> (the default value), <see cref="Same"/> or
/// explicit sizes. Resolve it against an input size with <see cref="ConvPadding.Resolve"/>.
/// </summary>
public readonly record struct Padding
{
    private Padding(PaddingMode mode, int top, int bottom, int left, int right)
    {
        Mode = mode;
        Top = top;
        Bottom = bottom;
        Left = left;
        Right = right;
    }

    /// <summary>Which rule applies.</summary>
    public PaddingMode Mode { get; }

    /// <summary>Rows above (explicit mode only).</summary>
    public int Top { get; }

    /// <summary>Rows below (explicit mode only).</summary>
    public int Bottom { get; }

    /// <summary>Columns on the left (explicit mode only).</summary>
    public int Left { get; }

    /// <summary>Columns on the right (explicit mode only).</summary>
    public int Right { get; }

    /// <summary>No padding.</summary>
    public static Padding Valid => default;

    /// <summary>TensorFlow-style 'same' padding.</summary>
    public static Padding Same => new(PaddingMode.Same, 0, 0, 0, 0);

    /// <summary><paramref name="all"/> rows/columns on every side.</summary>
    public static Padding Explicit(int all) => Explicit(all, all, all, all);

    /// <summary>Explicit rows above/below and columns left/right.</summary>
    public static Padding Explicit(int top, int bottom, int left, int right)
    {
        if (top < 0 || bottom < 0 || left < 0 || right < 0)
            throw new InvalidArgumentException($"padding must be >= 0 (got {top}, {bottom}, {left}, {right})");
        return new Padding(PaddingMode.Explicit, top, bottom, left, right);
    }

    /// <inheritdoc />
    public override string ToString() => Mode switch
    {
        PaddingMode.Valid => "valid",
        PaddingMode.Same => "same",
        _ => $"pad({Top},{Bottom},{Left},{Right})",
    };
}
