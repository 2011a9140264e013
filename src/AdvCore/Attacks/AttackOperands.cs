using System.Runtime.InteropServices;
using AdvCore.Interop;

namespace AdvCore.Attacks;

/// <summary>
/// The operands every fused attack step shares (advcore.h, <c>ac_attack_operands</c>): the
/// original images <see cref="X"/>, the iterate <see cref="Y"/> (overwritten by a step), the
/// attack-loss gradient <see cref="Grad"/> at Y, the classifier's <see cref="Logits"/> at Y, the
/// <see cref="Labels"/> (true labels, or targets under a targeted <see cref="Criterion"/>), and
/// the keep-best pair <see cref="BestY"/>/<see cref="BestNorm"/>. Each step documents which it
/// reads; leave the others null (the engine refuses an operand a step would ignore).
/// </summary>
public sealed class AttackOperands
{
    /// <summary>The original images [N, ...].</summary>
    public Tensor? X { get; init; }
    /// <summary>The current iterate [N, ...], read and overwritten.</summary>
    public Tensor? Y { get; init; }
    /// <summary>dJ/dy at <see cref="Y"/> [N, ...].</summary>
    public Tensor? Grad { get; init; }
    /// <summary>Logits at <see cref="Y"/> [N, K].</summary>
    public Tensor? Logits { get; init; }
    /// <summary>i32 [N]: true labels (untargeted) or target labels (targeted).</summary>
    public Tensor? Labels { get; init; }
    /// <summary>The least-distorted adversarial iterate so far [N, ...] (with <see cref="BestNorm"/>).</summary>
    public Tensor? BestY { get; init; }
    /// <summary>f32 [N]: ‖BestY − X‖₂, +∞ until a sample is found.</summary>
    public Tensor? BestNorm { get; init; }
    /// <summary>When a sample counts as adversarial; untargeted by default.</summary>
    public AttackCriterion Criterion { get; init; }

    /// <summary>The context of the first given tensor (X, else Y).</summary>
    internal ContextHandle ContextHandle =>
        (X ?? Y ?? throw new ArgumentException("AttackOperands needs X or Y.")).Context.Handle;

    /// <summary>
    /// Validates the criterion and holds a reference on every given tensor's SafeHandle until the
    /// lease is disposed, so that no handle can be released while the native call reads the raw
    /// pointers in <see cref="Lease.Native"/>.
    /// </summary>
    internal Lease Acquire()
    {
        Criterion.Validate();
        return new Lease(this);
    }

    /// <summary>The raw <c>ac_attack_operands</c> of one call and the references that keep it valid.</summary>
    internal sealed class Lease : IDisposable
    {
        private readonly TensorHandle?[] _held = new TensorHandle?[7];
        internal NativeAttackOperands Native;

        internal Lease(AttackOperands ops)
        {
            try
            {
                Native.X = Add(0, ops.X);
                Native.Y = Add(1, ops.Y);
                Native.Grad = Add(2, ops.Grad);
                Native.Logits = Add(3, ops.Logits);
                Native.Labels = Add(4, ops.Labels);
                Native.BestY = Add(5, ops.BestY);
                Native.BestNorm = Add(6, ops.BestNorm);
                Native.Criterion = ops.Criterion.ToNative();
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        private nint Add(int slot, Tensor? t)
        {
            if (t is null) return 0;
            TensorHandle h = t.Handle; // throws ObjectDisposedException for a disposed tensor
            bool added = false;
            h.DangerousAddRef(ref added);
            if (added) _held[slot] = h;
            return h.DangerousGetHandle();
        }

        public void Dispose()
        {
            for (int i = 0; i < _held.Length; i++)
            {
                _held[i]?.DangerousRelease();
                _held[i] = null;
            }
        }
    }
}

/// <summary>Blittable mirror of <c>ac_attack_operands</c> (raw <c>ac_tensor*</c>, 0 = NULL).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NativeAttackOperands
{
    public nint X, Y, Grad, Logits, Labels, BestY, BestNorm;
    public NativeCriterion Criterion;
}
