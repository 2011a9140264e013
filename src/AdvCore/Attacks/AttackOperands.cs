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
public readonly struct AttackOperands
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
    internal struct Lease : IDisposable
    {
        // Seven slots as fields, not an array: a step call allocates nothing.
        private TensorHandle? _x, _y, _grad, _logits, _labels, _bestY, _bestNorm;
        internal NativeAttackOperands Native;

        internal Lease(AttackOperands ops)
        {
            try
            {
                Native.X = Add(ref _x, ops.X);
                Native.Y = Add(ref _y, ops.Y);
                Native.Grad = Add(ref _grad, ops.Grad);
                Native.Logits = Add(ref _logits, ops.Logits);
                Native.Labels = Add(ref _labels, ops.Labels);
                Native.BestY = Add(ref _bestY, ops.BestY);
                Native.BestNorm = Add(ref _bestNorm, ops.BestNorm);
                Native.Criterion = ops.Criterion.ToNative();
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        private static nint Add(ref TensorHandle? slot, Tensor? t)
        {
            if (t is null) return 0;
            TensorHandle h = t.Handle; // throws ObjectDisposedException for a disposed tensor
            bool added = false;
            h.DangerousAddRef(ref added);
            if (added) slot = h;
            return h.DangerousGetHandle();
        }

        public void Dispose()
        {
            Release(ref _x);
            Release(ref _y);
            Release(ref _grad);
            Release(ref _logits);
            Release(ref _labels);
            Release(ref _bestY);
            Release(ref _bestNorm);
        }

        private static void Release(ref TensorHandle? slot)
        {
            slot?.DangerousRelease();
            slot = null;
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
