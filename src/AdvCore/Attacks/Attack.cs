namespace AdvCore.Attacks;

/// <summary>
/// Base of the attacks: validates the inputs once per run (throwing <see cref="ArgumentException"/>s
/// that say what is wrong), opens an <see cref="AttackSession"/>, lets the attack run its
/// iterations and offer candidates, and turns the session into the result. Attacks implement only
/// <see cref="Execute"/> and their cost.
/// </summary>
public abstract class Attack<TOptions> : IAttack where TOptions : AttackOptions
{
    /// <summary>Validates and keeps <paramref name="options"/>.</summary>
    protected Attack(TOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
    }

    /// <inheritdoc />
    public abstract string Name { get; }

    /// <summary>The attack's options.</summary>
    public TOptions Options { get; }

    AttackOptions IAttack.Options => Options;

    /// <inheritdoc />
    public abstract int Iterations { get; }

    /// <inheritdoc />
    public virtual bool SupportsTargeted => false;

    /// <inheritdoc />
    public virtual bool SupportsMargin => false;

    /// <inheritdoc />
    public abstract AttackCost Cost(int classes, long features);

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">Another thread is using the model's context.</exception>
    public AttackResult Run(IClassifier model, Tensor images, Criterion criterion, AttackRunSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(criterion);
        settings ??= new AttackRunSettings();
        settings.Validate();
        if (criterion.Targeted && !SupportsTargeted)
            throw new ArgumentException($"attack {Name} does not support a targeted criterion", nameof(criterion));
        if (criterion.Margin > 0 && !SupportsMargin)
            throw new ArgumentException($"attack {Name} does not support a confidence margin", nameof(criterion));
        // The whole run holds the context: the network's buffers and the session's tensors live across calls.
        using var use = model.Context.Use($"attack {Name}");
        float[] imagesHost = InputChecks.Validate(model, images, criterion);
        using var session = new AttackSession(model, images, imagesHost, criterion, Options.Quantize, settings);
        bool exhausted = false;
        // Inputs are validated once above; inside the loop the engine re-reads nothing from the
        // device (labels, logits finiteness), so an iteration makes no host transfer. The final
        // prediction in Finish checks the logits once.
        var context = model.Context;
        bool checks = context.ValueChecks;
        context.ValueChecks = false;
        try
        {
            Execute(session);
        }
        catch (AttackBudgetExhaustedException)
        {
            exhausted = true;
        }
        finally
        {
            context.ValueChecks = checks;
        }
        return session.Finish(Name, exhausted);
    }

    /// <summary>Runs the attack on the session's batch; must offer at least one candidate.</summary>
    protected abstract void Execute(AttackSession session);
}
