using System.Runtime.InteropServices;
using AdvCore.Interop;

namespace AdvCore.Attacks;

/// <summary>
/// Declarations of the "fused attack steps" section of native/include/advcore.h (kept beside the
/// attacks that use them rather than in <see cref="Native"/>). Every function returns a raw status;
/// callers wrap it in <see cref="NativeStatus.Check(int)"/>.
/// </summary>
internal static unsafe partial class AttackNative
{
    // The resolver that finds libadvcore is registered once per assembly; make sure it is in
    // place even when an attack kernel is the first native call of the process.
    static AttackNative() => NativeLibraryResolver.Register(typeof(AttackNative).Assembly);

    // The fused steps take the shared operands as one ac_attack_operands (AttackOperands.Lease
    // holds the SafeHandles while the pointer is in use), then their own state and parameters.
    [LibraryImport(Native.LibraryName)]
    internal static partial int ac_attack_keep_best(ContextHandle ctx, NativeAttackOperands* ops, TensorHandle adversarial);

    [LibraryImport(Native.LibraryName)]
    internal static partial int ac_pgd_step(ContextHandle ctx, NativeAttackOperands* ops, TensorHandle eps, TensorHandle alpha,
                                            int norm, float gradSign, int quantize);

    [LibraryImport(Native.LibraryName)]
    internal static partial int ac_ddn_step(ContextHandle ctx, NativeAttackOperands* ops, TensorHandle radius, float alpha,
                                            float gamma, float gradSign, int quantize);

    [LibraryImport(Native.LibraryName)]
    internal static partial int ac_bp_step(ContextHandle ctx, NativeAttackOperands* ops, TensorHandle stage, float gamma,
                                           float alpha, float betaMin, float gradSign, int rounding);

    [LibraryImport(Native.LibraryName)]
    internal static partial int ac_quantized_line_search(ContextHandle ctx, TensorHandle x, TensorHandle y, TensorHandle z,
                                                         TensorHandle output, TensorHandle beta);

    [LibraryImport(Native.LibraryName)]
    internal static partial int ac_cw_init(ContextHandle ctx, TensorHandle x, TensorHandle w, TensorHandle y);

    [LibraryImport(Native.LibraryName)]
    internal static partial int ac_cw_step(ContextHandle ctx, NativeAttackOperands* ops, TensorHandle w, TensorHandle lambda,
                                           TensorHandle m, TensorHandle v, TensorHandle found,
                                           float lr, float beta1, float beta2, float eps, long step);

    [LibraryImport(Native.LibraryName)]
    internal static partial int ac_deepfool_step(ContextHandle ctx, NativeAttackOperands* ops, TensorHandle rTotal,
                                                 TensorHandle jacobian, TensorHandle active, float overshoot);

    [LibraryImport(Native.LibraryName)]
    internal static partial int ac_jsma_step(ContextHandle ctx, NativeAttackOperands* ops, TensorHandle gradTarget,
                                             TensorHandle gradOther, TensorHandle domain, TensorHandle changed,
                                             TensorHandle active, float theta, long maxChanged);
}
