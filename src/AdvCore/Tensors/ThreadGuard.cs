namespace AdvCore;

/// <summary>
/// Enforces that a <see cref="Context"/> (its scratch workspace, value-check switch, transfer
/// counters) and the <see cref="Nn.Network"/>s built on it (their cached activations) are used by
/// one thread at a time: a network pass or an attack run holds the guard, and a second thread that
/// arrives meanwhile gets an <see cref="InvalidOperationException"/> instead of silently wrong
/// results. The holding thread may re-enter (an attack calls the network's passes).
/// </summary>
internal sealed class ThreadGuard(string owner)
{
    private int _thread; // managed thread id of the holder, 0 when free
    private int _depth;  // re-entries by the holder

    /// <summary>Holds the guard until the returned scope is disposed.</summary>
    /// <exception cref="InvalidOperationException">Another thread holds it.</exception>
    public Scope Enter(string what)
    {
        int me = Environment.CurrentManagedThreadId;
        if (Volatile.Read(ref _thread) == me)
        {
            _depth++;
            return new Scope(this);
        }
        int holder = Interlocked.CompareExchange(ref _thread, me, 0);
        if (holder != 0)
            throw new InvalidOperationException(
                $"{what}: {owner} is in use by another thread (managed thread {holder}); a Context and its Networks are not thread-safe: give each thread its own Context and Network");
        _depth = 1;
        return new Scope(this);
    }

    private void Exit()
    {
        if (--_depth == 0) Volatile.Write(ref _thread, 0);
    }

    /// <summary>Releases the guard (once per <see cref="Enter"/>).</summary>
    public readonly struct Scope(ThreadGuard guard) : IDisposable
    {
        /// <inheritdoc />
        public void Dispose() => guard?.Exit();
    }
}
