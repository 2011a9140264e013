using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AdvCore.Interop;

/// <summary>Turns native status codes into typed exceptions carrying <c>ac_last_error()</c>.</summary>
internal static class NativeStatus
{
    internal const int Ok = 0;

    /// <summary>Throws the exception matching <paramref name="status"/> unless it is AC_OK.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Check(int status)
    {
        if (status != Ok) Throw(status);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Throw(int status) => throw CreateException(status, LastError());

    /// <summary>The native message of the last failing call on this thread.</summary>
    internal static string LastError()
    {
        nint message = Native.ac_last_error();
        return message == 0 ? "" : Marshal.PtrToStringUTF8(message) ?? "";
    }

    internal static AdvCoreException CreateException(int status, string nativeMessage)
    {
        var code = (AdvCoreStatus)status;
        string message = string.IsNullOrEmpty(nativeMessage) ? $"AdvCore native call failed with status {code}" : nativeMessage;
        return code switch
        {
            AdvCoreStatus.InvalidArgument => new InvalidArgumentException(message, nativeMessage),
            AdvCoreStatus.Shape => new ShapeMismatchException(message, nativeMessage),
            AdvCoreStatus.OutOfMemory => new DeviceOutOfMemoryException(message, nativeMessage),
            AdvCoreStatus.NotAvailable => new DeviceUnavailableException(message, nativeMessage),
            AdvCoreStatus.NonFinite => new NonFiniteException(message, nativeMessage),
            AdvCoreStatus.LabelRange => new LabelOutOfRangeException(message, nativeMessage),
            AdvCoreStatus.Device => new DeviceException(message, nativeMessage),
            AdvCoreStatus.Internal => new InternalEngineException(message, nativeMessage),
            _ => new AdvCoreException(code, $"unknown AdvCore status {status}: {message}", nativeMessage),
        };
    }
}
