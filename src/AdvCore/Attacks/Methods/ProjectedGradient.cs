namespace AdvCore.Attacks;

/// <summary>
/// The loop shared by I-FGSM, PGD and qPGD₂: per budget, K fused projected steps, then offer the
/// run's best and last iterates. <c>direction</c>, when given, maps each gradient to the tensor
/// the step follows instead (qPGD₂: the smoothed gradient); the step normalises it as usual.
/// </summary>
internal static class ProjectedGradient
{
    internal static void RunBudgets(AttackSession s, AttackNorm norm, IReadOnlyList<float> epsilons, int iterations,
                                    Func<float, float> stepFor, bool randomStart, LossKind loss, bool quantizeEach, ulong seed,
                                    Func<Tensor, Tensor>? direction = null, Func<Tensor, Nn.GradientResult>? gradient = null)
    {
        var y = s.NewLike();
        var runBest = s.NewLike();
        var runBestNorm = s.NewScalars(float.PositiveInfinity);
        var eps = s.NewScalars(0f);
        var alpha = s.NewScalars(0f);
        var noise = randomStart ? s.NewLike() : null;
        float sign = s.GradSign(loss);
        // Ascending budgets: the fallback of an image that never succeeds is the largest budget's try.
        foreach (float e in epsilons.Order())
        {
            eps.Fill(e);
            alpha.Fill(stepFor(e));
            runBest.CopyFrom(s.X); // rows without a success hold x, never a stale image
            runBestNorm.Fill(float.PositiveInfinity);
            y.CopyFrom(s.X);
            if (noise is not null) RandomStart(s, y, noise, norm, e, BudgetStream.Offset(seed, e), new Random(BudgetStream.HostSeed(seed, e)));
            for (int i = 0; i < iterations; i++)
            {
                var g = gradient is null ? s.Gradient(y, loss) : gradient(y);
                var step = direction is null ? g.Gradient : direction(g.Gradient);
                AttackSteps.PgdStep(s.Operands(y, step, g.Logits, runBest, runBestNorm), eps, alpha, norm, sign, quantizeEach);
            }
            s.Offer(runBest, e);
            s.Offer(y, e);
        }
    }

    // y = x + a uniform point of the L∞ ball (Madry), or of the L2 ball (radius ε·U^(1/d) along a
    // Gaussian direction), clipped to [0,1].
    private static void RandomStart(AttackSession s, Tensor y, Tensor noise, AttackNorm norm, float eps, ulong offset, Random random)
    {
        var coef = new float[s.N];
        if (norm == AttackNorm.Linf)
        {
            noise.FillUniform(-1f, 1f, offset);
            Array.Fill(coef, eps);
        }
        else
        {
            noise.FillNormal(0f, 1f, offset);
            var norms = s.NewScalars(0f);
            Ops.BatchL2Norm(noise, norms);
            float[] n = norms.ToArray();
            for (int i = 0; i < s.N; i++)
                coef[i] = n[i] > 0 ? (float)(eps * Math.Pow(random.NextDouble(), 1.0 / s.SampleSize) / n[i]) : 0f;
        }
        Ops.BatchAxpy(s.NewScalars(coef), noise, y);
        Ops.Clip01(y);
    }
}
