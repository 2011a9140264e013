namespace AdvCore.Defenses;

/// <summary>
/// Float64 statistics behind Cohen et al.'s certification: the regularized incomplete beta
/// function (continued fraction, Lentz), its quantile (bisection to the last bit), the one-sided
/// Clopper-Pearson lower bound, the two-sided binomial test at p = ½, and Φ, Φ⁻¹ (incomplete gamma,
/// refined by Newton steps).
/// </summary>
public static class BinomialBounds
{
    /// <summary>
    /// One-sided (1 − α) Clopper-Pearson lower confidence bound on p from k successes in n
    /// trials: the α quantile of Beta(k, n − k + 1), 0 when k = 0. Equals statsmodels'
    /// proportion_confint(k, n, alpha = 2α, method = "beta")[0], which Cohen et al. use.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">n &lt; 1, k ∉ [0, n] or α ∉ (0, 1).</exception>
    public static double ClopperPearsonLower(long k, long n, double alpha)
    {
        CheckAlpha(alpha);
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), n, $"trials must be >= 1 (got {n})");
        if (k < 0 || k > n) throw new ArgumentOutOfRangeException(nameof(k), k, $"successes must be in [0, {n}] (got {k})");
        return k == 0 ? 0.0 : BetaQuantile(alpha, k, n - k + 1);
    }

    /// <summary>Two-sided binomial test p-value of k successes in n trials against p = ½ (scipy's binom_test).</summary>
    public static double BinomialTestHalf(long k, long n)
    {
        if (n < 1 || k < 0 || k > n) throw new ArgumentOutOfRangeException(nameof(k), k, $"need 0 <= k <= n, n >= 1 (got k = {k}, n = {n})");
        long hi = Math.Max(k, n - k);
        if (2 * hi == n) return 1.0;
        // P(X >= hi) = I_{1/2}(hi, n − hi + 1); the test is symmetric at ½.
        return Math.Min(1.0, 2.0 * RegularizedBeta(0.5, hi, n - hi + 1));
    }

    /// <summary>Throws unless α ∈ (0, 1).</summary>
    public static void CheckAlpha(double alpha)
    {
        if (!(alpha > 0 && alpha < 1)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, $"alpha must be in (0, 1) (got {alpha})");
    }

    /// <summary>The x with I_x(a, b) = p, by bisection on [0, 1] until the interval stops shrinking.</summary>
    public static double BetaQuantile(double p, double a, double b)
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "p must be in [0, 1]");
        double lo = 0, hi = 1;
        for (int i = 0; i < 1100; i++)
        {
            double mid = 0.5 * (lo + hi);
            if (mid <= lo || mid >= hi) break;
            if (RegularizedBeta(mid, a, b) < p) lo = mid; else hi = mid;
        }
        return 0.5 * (lo + hi);
    }

    /// <summary>The regularized incomplete beta function I_x(a, b), a, b &gt; 0 (<see cref="Evaluation.QuantizationTheory.RegularizedIncompleteBeta"/>).</summary>
    public static double RegularizedBeta(double x, double a, double b) => Evaluation.QuantizationTheory.RegularizedIncompleteBeta(x, a, b);

    /// <summary>ln Γ(x) for x &gt; 0 (<see cref="Evaluation.QuantizationTheory.LogGamma"/>).</summary>
    public static double LogGamma(double x) => Evaluation.QuantizationTheory.LogGamma(x);

    /// <summary>Standard normal CDF Φ(x) = ½ erfc(−x/√2), through the regularized incomplete gamma Q(½, x²/2).</summary>
    public static double NormalCdf(double x)
    {
        double q = GammaQ(0.5, 0.5 * x * x); // = erfc(|x|/√2)
        return x >= 0 ? 1 - 0.5 * q : 0.5 * q;
    }

    /// <summary>Φ⁻¹(p) for p ∈ (0, 1): bisection start, then Newton steps on Φ.</summary>
    public static double NormalQuantile(double p)
    {
        if (!(p > 0 && p < 1)) throw new ArgumentOutOfRangeException(nameof(p), p, $"p must be in (0, 1) (got {p})");
        if (p == 0.5) return 0;
        double lo = -40, hi = 40;
        for (int i = 0; i < 80; i++)
        {
            double mid = 0.5 * (lo + hi);
            if (NormalCdf(mid) < p) lo = mid; else hi = mid;
        }
        double z = 0.5 * (lo + hi);
        for (int i = 0; i < 3; i++)
        {
            double pdf = Math.Exp(-0.5 * z * z) / Math.Sqrt(2 * Math.PI);
            if (pdf <= 0) break;
            // Newton on the tail that holds the information: Φ(z) for z < 0, 1 − Φ(z) for z > 0.
            double tail = 0.5 * GammaQ(0.5, 0.5 * z * z);
            z += z > 0 ? (tail - (1 - p)) / pdf : -(tail - p) / pdf;
        }
        return z;
    }

    // Regularized upper incomplete gamma Q(a, x): series for x < a + 1, continued fraction otherwise.
    private static double GammaQ(double a, double x)
    {
        if (x <= 0) return 1;
        double gln = LogGamma(a);
        if (x < a + 1)
        {
            double ap = a, sum = 1 / a, del = sum;
            for (int n = 0; n < 10000; n++)
            {
                ap += 1; del *= x / ap; sum += del;
                if (Math.Abs(del) < Math.Abs(sum) * 1e-17) break;
            }
            return 1 - sum * Math.Exp(-x + a * Math.Log(x) - gln);
        }
        const double tiny = 1e-300;
        double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
        for (int i = 1; i < 10000; i++)
        {
            double an = -i * (i - a);
            b += 2;
            d = an * d + b; if (Math.Abs(d) < tiny) d = tiny;
            c = b + an / c; if (Math.Abs(c) < tiny) c = tiny;
            d = 1 / d;
            double del = d * c;
            h *= del;
            if (Math.Abs(del - 1) < 1e-17) break;
        }
        return Math.Exp(-x + a * Math.Log(x) - gln) * h;
    }
}
