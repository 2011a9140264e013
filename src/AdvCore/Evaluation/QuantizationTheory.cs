namespace AdvCore.Evaluation;

/// <summary>
/// Thesis §5.4, "predicting distortion after quantization": an iterate y on the grid of step Δ
/// receives an update U uniform on the sphere of radius ρ in ℝⁿ and is rounded. Pixel j moves
/// (|E_j| ≥ Δ) when |U_j| ≥ Δ/2, whose probability is the solid-angle ratio of a double cone:
/// P(|E_j| ≥ Δ) = 1 − I_{c²}(1/2, (n−1)/2) for c = Δ/(2ρ) ≤ 1, else 0; for large n it is
/// ≈ 2Φ(−√n·c). E(D²) ≥ nΔ²·P(|E_j| ≥ Δ): updates much shorter than ≈ Δ√n/2 are rounded away.
/// </summary>
public static class QuantizationTheory
{
    /// <summary>The 8-bit grid step Δ = 1/255.</summary>
    public const double GridStep = 1.0 / 255;

    /// <summary>P(|E_j| ≥ Δ) of §5.4 for an update of norm <paramref name="rho"/> in <paramref name="n"/> dimensions.</summary>
    public static double MoveProbability(double rho, int n, double delta = GridStep)
    {
        Check(rho, n, delta);
        double c = delta / (2 * rho);
        if (c > 1) return 0;
        // 1 − I_{c²}(1/2, (n−1)/2) = I_{1−c²}((n−1)/2, 1/2): no cancellation in the far tail.
        return RegularizedIncompleteBeta(1 - c * c, (n - 1) / 2.0, 0.5);
    }

    /// <summary>The large-n approximation 2Φ(−√n·c), c = Δ/(2ρ).</summary>
    public static double MoveProbabilityNormalApproximation(double rho, int n, double delta = GridStep)
    {
        Check(rho, n, delta);
        return 2 * NormalCdf(-Math.Sqrt(n) * delta / (2 * rho));
    }

    /// <summary>The lower bound nΔ²·P(|E_j| ≥ Δ) on E(D²) after rounding.</summary>
    public static double SquaredDistortionLowerBound(double rho, int n, double delta = GridStep) =>
        n * delta * delta * MoveProbability(rho, n, delta);

    private static void Check(double rho, int n, double delta)
    {
        if (!(rho > 0) || !double.IsFinite(rho)) throw new ArgumentOutOfRangeException(nameof(rho), rho, "rho must be a finite number > 0");
        if (n < 2) throw new ArgumentOutOfRangeException(nameof(n), n, "n must be >= 2");
        if (!(delta > 0) || !double.IsFinite(delta)) throw new ArgumentOutOfRangeException(nameof(delta), delta, "delta must be a finite number > 0");
    }

    // ------------------------------------------------------------------ special functions

    /// <summary>The regularised incomplete beta function I_x(a, b) (continued fraction, Lentz's method).</summary>
    public static double RegularizedIncompleteBeta(double x, double a, double b)
    {
        if (!(a > 0) || !(b > 0)) throw new ArgumentOutOfRangeException(nameof(a), "a and b must be > 0");
        if (!(x >= 0 && x <= 1)) throw new ArgumentOutOfRangeException(nameof(x), x, "x must be in [0, 1]");
        if (x == 0 || x == 1) return x;
        double front = Math.Exp(LogGamma(a + b) - LogGamma(a) - LogGamma(b) + a * Math.Log(x) + b * Math.Log(1 - x));
        // The continued fraction converges fast for x < (a+1)/(a+b+2); use the symmetry otherwise.
        return x < (a + 1) / (a + b + 2)
            ? front * BetaContinuedFraction(x, a, b) / a
            : 1 - front * BetaContinuedFraction(1 - x, b, a) / b;
    }

    private static double BetaContinuedFraction(double x, double a, double b)
    {
        const double Tiny = 1e-300, Eps = 1e-16;
        double qab = a + b, qap = a + 1, qam = a - 1;
        double c = 1, d = 1 - qab * x / qap;
        if (Math.Abs(d) < Tiny) d = Tiny;
        d = 1 / d;
        double h = d;
        for (int m = 1; m <= 100000; m++) // n = 100 000 certification needs more than a few thousand
        {
            int m2 = 2 * m;
            double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
            d = 1 + aa * d; if (Math.Abs(d) < Tiny) d = Tiny;
            c = 1 + aa / c; if (Math.Abs(c) < Tiny) c = Tiny;
            d = 1 / d;
            h *= d * c;
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
            d = 1 + aa * d; if (Math.Abs(d) < Tiny) d = Tiny;
            c = 1 + aa / c; if (Math.Abs(c) < Tiny) c = Tiny;
            d = 1 / d;
            double delta = d * c;
            h *= delta;
            if (Math.Abs(delta - 1) < Eps) return h;
        }
        throw new ArithmeticException($"incomplete beta did not converge for x = {x}, a = {a}, b = {b}");
    }

    /// <summary>ln Γ(x) for x > 0 (Lanczos, g = 7; relative error ~1e-15).</summary>
    public static double LogGamma(double x)
    {
        if (!(x > 0)) throw new ArgumentOutOfRangeException(nameof(x), x, "x must be > 0");
        if (x < 0.5) return Math.Log(Math.PI / Math.Sin(Math.PI * x)) - LogGamma(1 - x);
        ReadOnlySpan<double> g =
        [
            0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
            12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
        ];
        x -= 1;
        double sum = g[0];
        for (int i = 1; i < g.Length; i++) sum += g[i] / (x + i);
        double t = x + 7.5;
        return 0.5 * Math.Log(2 * Math.PI) + (x + 0.5) * Math.Log(t) - t + Math.Log(sum);
    }

    /// <summary>The standard normal CDF Φ(z), through erfc(t) = Q(1/2, t²) (regularised upper incomplete gamma).</summary>
    public static double NormalCdf(double z)
    {
        double t = Math.Abs(z) / Math.Sqrt(2);
        double tail = 0.5 * UpperGammaHalf(t * t); // P(Z > |z|) = erfc(|z|/√2)/2
        return z >= 0 ? 1 - tail : tail;
    }

    // Q(1/2, x): series for small x, continued fraction otherwise (Numerical Recipes gser/gcf).
    private static double UpperGammaHalf(double x)
    {
        const double a = 0.5;
        if (x == 0) return 1;
        double lnFront = -x + a * Math.Log(x) - LogGamma(a);
        if (x < a + 1)
        {
            double ap = a, sum = 1 / a, del = sum;
            for (int n = 0; n < 10000 && Math.Abs(del) > Math.Abs(sum) * 1e-16; n++)
            {
                ap += 1;
                del *= x / ap;
                sum += del;
            }
            return 1 - sum * Math.Exp(lnFront);
        }
        const double Tiny = 1e-300;
        double b = x + 1 - a, c = 1 / Tiny, d = 1 / b, h = d;
        for (int i = 1; i <= 10000; i++)
        {
            double an = -i * (i - a);
            b += 2;
            d = an * d + b; if (Math.Abs(d) < Tiny) d = Tiny;
            c = b + an / c; if (Math.Abs(c) < Tiny) c = Tiny;
            d = 1 / d;
            double delta = d * c;
            h *= delta;
            if (Math.Abs(delta - 1) < 1e-16) break;
        }
        return Math.Exp(lnFront) * h;
    }
}
