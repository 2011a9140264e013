namespace AdvCore.Attacks;

/// <summary>
/// Base of the attacks: validates the inputs (throwing <see cref="ArgumentException"/>s that say
/// what is wrong), opens an <see cref="AttackSession"/>, lets the attack run its iterations and
/// offer candidates, and turns the session into the result.
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
    public AttackResult Run(IClassifier model, Tensor images, Tensor labels)
    {
        var (imagesHost, labelsHost) = InputChecks.Validate(model, images, labels);
        using var session = new AttackSession(model, images, labels, labelsHost, imagesHost, Options.Quantize);
        Execute(session);
        return session.Finish(Name);
    }

    /// <summary>Runs the attack on the session's batch; must offer at least one candidate.</summary>
    protected abstract void Execute(AttackSession session);
}
