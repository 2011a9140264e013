namespace AdvCore.Attacks;

/// <summary>
/// Carlini and Wagner's per-image binary search on the constant c of ‖r‖² + c·J: halfway to the
/// bounds once bracketed, ×10 while no value has succeeded. Shared by C&amp;W and sC&amp;W.
/// </summary>
internal sealed class ConstantSearch
{
    // Upper bound meaning "no successful c yet" (as in Carlini & Wagner's code).
    private const float Unbounded = 1e10f;
    private readonly float[] _lower, _upper;

    public ConstantSearch(int n, float initial)
    {
        Values = new float[n];
        _lower = new float[n];
        _upper = new float[n];
        Array.Fill(Values, initial);
        Array.Fill(_upper, Unbounded);
    }

    /// <summary>The constant of each image for the next run.</summary>
    public float[] Values { get; }

    /// <summary>Moves each image's constant after a run: <paramref name="succeeded"/>[i] says whether image i succeeded at some iterate.</summary>
    public void Update(Func<int, bool> succeeded)
    {
        for (int i = 0; i < Values.Length; i++)
        {
            if (succeeded(i))
            {
                _upper[i] = Math.Min(_upper[i], Values[i]);
                if (_upper[i] < 1e9f) Values[i] = (_lower[i] + _upper[i]) / 2;
            }
            else
            {
                _lower[i] = Math.Max(_lower[i], Values[i]);
                Values[i] = _upper[i] < 1e9f ? (_lower[i] + _upper[i]) / 2 : Values[i] * 10;
            }
        }
    }
}
