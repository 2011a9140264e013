namespace AdvCore.Tests.Smoothing;

/// <summary>
/// An independent float64 model of the smoothing operator for one image: W from thesis eq. 4.1
/// over all pixel pairs (plain spatial kernel exp(−‖t_i − t_j‖²/(2σ_s²))), W' = D^−1/2 W D^−1/2,
/// L_α = (I − αW')/(1 − α) as a dense matrix, solved by Cholesky.
/// </summary>
internal sealed class DenseSmoothing
{
    private readonly int _n;
    private readonly double[] _chol; // lower Cholesky factor of L_α, row-major n×n

    /// <summary>image: [C, H, W] values of one image.</summary>
    public DenseSmoothing(ReadOnlySpan<float> image, int c, int h, int w, int neighbours = 4, bool gaussian = false,
                          double sigmaF = 0.1, double sigmaS = 1.0, double alpha = 0.95f)
    {
        int n = h * w;
        _n = n;
        var W = new double[n * n];
        var d = new double[n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                int dy = j / w - i / w, dx = j % w - i % w;
                bool nb = neighbours == 4 ? Math.Abs(dy) + Math.Abs(dx) == 1 : Math.Max(Math.Abs(dy), Math.Abs(dx)) == 1;
                if (!nb) continue;
                double d2 = 0;
                for (int ch = 0; ch < c; ch++)
                {
                    double diff = (double)image[ch * n + i] - image[ch * n + j];
                    d2 += diff * diff;
                }
                double kf = gaussian ? Math.Exp(-d2 / (2 * sigmaF * sigmaF)) : Math.Exp(-Math.Sqrt(d2) / sigmaF);
                double ks = Math.Exp(-(dy * dy + dx * dx) / (2 * sigmaS * sigmaS));
                W[i * n + j] = kf * ks;
                d[i] += kf * ks;
            }
        var L = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double wn = W[i * n + j] == 0 ? 0 : W[i * n + j] / Math.Sqrt(d[i] * d[j]);
                L[i * n + j] = ((i == j ? 1 : 0) - alpha * wn) / (1 - alpha);
            }
        for (int j = 0; j < n; j++)
        {
            double s = L[j * n + j];
            for (int k = 0; k < j; k++) s -= L[j * n + k] * L[j * n + k];
            double g = Math.Sqrt(s);
            L[j * n + j] = g;
            for (int i = j + 1; i < n; i++)
            {
                double t = L[i * n + j];
                for (int k = 0; k < j; k++) t -= L[i * n + k] * L[j * n + k];
                L[i * n + j] = t / g;
            }
        }
        _chol = L;
    }

    /// <summary>L_α⁻¹ b for one channel (n = H·W values).</summary>
    public double[] Solve(ReadOnlySpan<double> b)
    {
        int n = _n;
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            double t = b[i];
            for (int k = 0; k < i; k++) t -= _chol[i * n + k] * y[k];
            y[i] = t / _chol[i * n + i];
        }
        var x = new double[n];
        for (int i = n - 1; i >= 0; i--)
        {
            double t = y[i];
            for (int k = i + 1; k < n; k++) t -= _chol[k * n + i] * x[k];
            x[i] = t / _chol[i * n + i];
        }
        return x;
    }

    public double[] Solve(ReadOnlySpan<float> b)
    {
        var bd = new double[b.Length];
        for (int i = 0; i < b.Length; i++) bd[i] = b[i];
        return Solve(bd);
    }

    /// <summary>max |got − want| / max |want|.</summary>
    public static double RelativeMaxError(ReadOnlySpan<float> got, ReadOnlySpan<double> want)
    {
        double err = 0, scale = 0;
        for (int i = 0; i < want.Length; i++)
        {
            err = Math.Max(err, Math.Abs(got[i] - want[i]));
            scale = Math.Max(scale, Math.Abs(want[i]));
        }
        return err / scale;
    }
}
