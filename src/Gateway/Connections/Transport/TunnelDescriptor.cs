using System.Runtime.InteropServices;

namespace Sockway.Gateway.Connections.Transport;

/// <summary>
/// A tunnel socket's descriptor, owned by Sockway's epoll transport. Closing waits for the last syscall that holds
/// it (SafeHandle reference counting), so a number the kernel hands out again is never read, written or removed
/// from epoll by a call meant for the tunnel that had it before.
/// </summary>
internal sealed class TunnelDescriptor : SafeHandle
{
    public TunnelDescriptor()
        : base(invalidHandleValue: -1, ownsHandle: true)
    {
    }

    public TunnelDescriptor(int fd)
        : this() => SetHandle(fd);

    public override bool IsInvalid => handle < 0;

    /// <summary>The number, for diagnostics and tests only: never for a syscall.</summary>
    public int Number => (int)handle;

    protected override bool ReleaseHandle() => LinuxInterop.close((int)handle) == 0;
}
