namespace AdvCore.Attacks;

/// <summary>Keep-best under a criterion (the native criterion lands with the operand struct).</summary>
internal static class Judge
{
    internal static void KeepBest(Tensor x, Tensor y, Tensor logits, Tensor labels, Tensor? bestY, Tensor? bestNorm, Tensor? adversarial,
                                  AttackCriterion criterion) =>
        AttackSteps.KeepBest(x, y, logits, labels, bestY, bestNorm, adversarial);
}
