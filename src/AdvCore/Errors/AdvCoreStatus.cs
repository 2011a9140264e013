namespace AdvCore;

/// <summary>The status codes of the native C ABI (<c>ac_status</c>).</summary>
public enum AdvCoreStatus
{
    /// <summary>Success.</summary>
    Ok = 0,
    /// <summary>A null pointer, a negative size, an unknown enum value, an absurd size.</summary>
    InvalidArgument = 1,
    /// <summary>Tensor shapes or dtypes do not fit the operation.</summary>
    Shape = 2,
    /// <summary>A host or device allocation failed.</summary>
    OutOfMemory = 3,
    /// <summary>The requested backend is not present on this machine.</summary>
    NotAvailable = 4,
    /// <summary>An input held NaN or infinity where that is refused.</summary>
    NonFinite = 5,
    /// <summary>A class label outside [0, classes).</summary>
    LabelRange = 6,
    /// <summary>A device (CUDA) call failed.</summary>
    Device = 7,
    /// <summary>A bug in AdvCore.</summary>
    Internal = 8,
}
