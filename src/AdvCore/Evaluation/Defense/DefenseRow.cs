namespace AdvCore.Evaluation;

/// <summary>How the attacker sees a defense (thesis §6.5-6.6).</summary>
public enum AttackMode
{
    /// <summary>No defense: the attack and the judge are the bare network.</summary>
    None,

    /// <summary>The attack crafts on the bare network; the defended one judges (the thesis's Tables 6.2-6.3).</summary>
    Oblivious,

    /// <summary>The attack runs on the defended network with BPDA gradients (identity through the defense; Table 6.4).</summary>
    Bpda,
}

/// <summary>
/// One attack against one defense: of <see cref="Count"/> images, the judge (the defended model)
/// classifies <see cref="CleanCorrect"/> correctly; <see cref="Attacked"/> of those were also right
/// on the attacker's model, and <see cref="Succeeded"/> of their adversarial images fool the judge.
/// <see cref="AdversarialCorrect"/> counts images the judge gets right after the attack (an image
/// the attack did not change counts as itself).
/// </summary>
public sealed record DefenseRow(string Attack, string Defense, AttackMode Mode, int Count, int CleanCorrect, int Attacked, int Succeeded,
                                int AdversarialCorrect, double? MeanL2, double Seconds)
{
    /// <summary>Clean accuracy of the judge.</summary>
    public double CleanAccuracy => (double)CleanCorrect / Count;

    /// <summary>P_suc: successes over the attacked images (thesis §3.3: images classified correctly).</summary>
    public double PSuc => Attacked == 0 ? 0 : (double)Succeeded / Attacked;

    /// <summary>Accuracy on the attacked images.</summary>
    public double AdversarialAccuracy => (double)AdversarialCorrect / Count;
}
