namespace AdvCore.Training;

/// <summary>How to train (defaults: the thesis's C4 recipe, Adam 1e-3, batch 128).</summary>
public sealed record TrainingOptions
{
    /// <summary>Passes over the training set (default 6).</summary>
    public int Epochs { get; init; } = 6;
    /// <summary>Images per optimizer step (default 128).</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>"adam" or "sgd" (SGD with momentum).</summary>
    public string Optimizer { get; init; } = "adam";
    /// <summary>The (initial) learning rate (default 1e-3).</summary>
    public float LearningRate { get; init; } = 1e-3f;

    /// <summary>How the rate changes over the run: <see cref="Training.LearningRateSchedule.Constant"/> (default) or <see cref="Training.LearningRateSchedule.Cosine"/>.</summary>
    public string LearningRateSchedule { get; init; } = Training.LearningRateSchedule.Constant;
    /// <summary>Momentum of SGD (ignored by Adam; default 0.9).</summary>
    public float Momentum { get; init; } = 0.9f;
    /// <summary>Weight decay the optimizer applies with every update (default 0).</summary>
    public float WeightDecay { get; init; }

    /// <summary>Seeds the shuffling, the augmentation noise and (through the network) dropout.</summary>
    public ulong Seed { get; init; }

    /// <summary>Gaussian augmentation (seed 002 §3): N noisy copies x + N(0, σ²) of every image; 0 = off.</summary>
    public int NoisyCopies { get; init; }
    /// <summary>σ of the Gaussian augmentation noise (with <see cref="NoisyCopies"/> &gt; 0).</summary>
    public float NoiseSigma { get; init; }

    /// <summary>
    /// CNI-I input-noise injection (seed 003 §4.1): every training image, clean or adversarial,
    /// is seen as x + N(0, σ²I) with fresh noise each time (0 = off). Unlike
    /// <see cref="NoisyCopies"/> it adds no clean copy.
    /// </summary>
    public float InputNoiseSigma { get; init; }

    /// <summary>
    /// CNI-W weight-noise injection (seed 003 §5; PNI-W with a fixed scale): each step every conv and
    /// linear weight tensor is perturbed by α·std(w)·N(0, 1) for the forward and backward pass, the
    /// update applied to the clean weights (0 = off).
    /// </summary>
    public float WeightNoiseScale { get; init; }

    /// <summary>Adversarial training: the registry attack that makes each batch's adversarial rows (null = off).</summary>
    public string? Adversary { get; init; }

    /// <summary>The adversary's options, "name=value;name=value" (budgeted attacks need exactly one epsilons=E).</summary>
    public string AdversaryParameters { get; init; } = "";

    /// <summary>The adversary's iteration count (null: the attack's default).</summary>
    public int? AdversaryIterations { get; init; }

    /// <summary>Share of each batch replaced by adversarial examples (seed 003 eq. 23's weight; 1 = all).</summary>
    public float AdversaryRatio { get; init; } = 0.5f;

    /// <summary>
    /// Virtual adversarial training (Miyato et al.; seed 002 uses ε = 2.1 on MNIST): the L2 length
    /// of each image's virtual adversarial perturbation r_vadv (null = off). Combines with an
    /// <see cref="Adversary"/>: VAT then smooths around every row of the batch, adversarial ones included.
    /// </summary>
    public float? VatEpsilon { get; init; }

    /// <summary>VAT: the L2 length ξ of the power iteration's probe ξd (default 5e-3: Miyato's 1e-6 drowns in float32 rounding).</summary>
    public float VatXi { get; init; } = VirtualAdversarial.DefaultXi;

    /// <summary>VAT: power iterations Ip per batch (default 1, as Miyato).</summary>
    public int VatPowerIterations { get; init; } = 1;

    /// <summary>VAT: the weight α of the KL term (default 1).</summary>
    public float VatWeight { get; init; } = 1f;

    /// <summary>Probability mass moved from the true class to the others (0 = off).</summary>
    public float LabelSmoothing { get; init; }

    /// <summary>Stop after this many images per epoch (0 = the whole training set); for quick runs.</summary>
    public int MaxImagesPerEpoch { get; init; }

    /// <summary>Refuses out-of-range options with <see cref="InvalidArgumentException"/> naming the option.</summary>
    public void Validate()
    {
        static void Check(bool ok, string message) { if (!ok) throw new InvalidArgumentException(message); }
        Check(Epochs >= 1, $"epochs must be >= 1 (got {Epochs})");
        Check(BatchSize >= 1, $"batch size must be >= 1 (got {BatchSize})");
        Check(Optimizer is "adam" or "sgd", $"optimizer must be 'adam' or 'sgd' (got '{Optimizer}')");
        Check(LearningRate > 0 && float.IsFinite(LearningRate), $"learning rate must be > 0 (got {LearningRate})");
        Check(Training.LearningRateSchedule.Names.Contains(LearningRateSchedule),
              $"learning-rate schedule must be one of {string.Join(", ", Training.LearningRateSchedule.Names)} (got '{LearningRateSchedule}')");
        Check(Momentum is >= 0 and < 1, $"momentum must be in [0, 1) (got {Momentum})");
        Check(WeightDecay >= 0, $"weight decay must be >= 0 (got {WeightDecay})");
        Check(NoisyCopies >= 0, $"noisy copies must be >= 0 (got {NoisyCopies})");
        Check(NoisyCopies == 0 || NoiseSigma > 0, $"Gaussian augmentation needs sigma > 0 (got {NoiseSigma})");
        Check(LabelSmoothing is >= 0 and < 1, $"label smoothing must be in [0, 1) (got {LabelSmoothing})");
        Check(InputNoiseSigma >= 0 && float.IsFinite(InputNoiseSigma), $"input noise σ must be >= 0 (got {InputNoiseSigma})");
        Check(InputNoiseSigma == 0 || NoisyCopies == 0, "input noise injection (CNI-I) and Gaussian augmentation's noisy copies are exclusive: pick one");
        Check(WeightNoiseScale >= 0 && float.IsFinite(WeightNoiseScale), $"weight noise scale must be >= 0 (got {WeightNoiseScale})");
        Check(Adversary is null || !string.IsNullOrWhiteSpace(Adversary), "the adversary needs an attack name");
        Check(AdversaryRatio is > 0 and <= 1, $"adversarial ratio must be in (0, 1] (got {AdversaryRatio})");
        Check(AdversaryIterations is null or >= 1, $"adversary iterations must be >= 1 (got {AdversaryIterations})");
        Check(VatEpsilon is null || (VatEpsilon > 0 && float.IsFinite(VatEpsilon.Value)),
              $"VAT ε must be > 0 and finite (got {VatEpsilon}); leave it unset to train without VAT");
        Check(VatXi > 0 && float.IsFinite(VatXi), $"VAT ξ must be > 0 and finite (got {VatXi})");
        Check(VatPowerIterations >= 1, $"VAT power iterations must be >= 1 (got {VatPowerIterations})");
        Check(VatWeight >= 0 && float.IsFinite(VatWeight), $"VAT weight α must be >= 0 and finite (got {VatWeight})");
        Check(MaxImagesPerEpoch >= 0, $"max images per epoch must be >= 0 (got {MaxImagesPerEpoch})");
    }

    internal Optimizer CreateOptimizer() => Optimizer == "sgd"
        ? new SgdMomentum(LearningRate, Momentum, WeightDecay)
        : new Adam(LearningRate, weightDecay: WeightDecay);
}
