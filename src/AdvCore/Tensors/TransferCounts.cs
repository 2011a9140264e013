namespace AdvCore;

/// <summary>
/// Host↔device traffic of a context since its creation or its last
/// <see cref="Context.ResetTransferCounts"/> (advcore.h, <c>ac_context_transfer_counts</c>). The CPU
/// backends count logical calls (a tensor upload or download, a label read-back, a finiteness
/// flag read, a synchronize); the CUDA backend counts its real cuMemcpy and cuStreamSynchronize
/// calls. Device-to-device copies are not counted.
/// </summary>
public readonly record struct TransferCounts(long HostToDevice, long DeviceToHost, long Synchronizations);
