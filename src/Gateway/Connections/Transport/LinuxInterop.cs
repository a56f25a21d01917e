using System.Runtime.InteropServices;

namespace Sockway.Gateway.Connections.Transport;

/// <summary>
/// The few libc calls the epoll transport makes. Every call on a tunnel's descriptor takes its
/// <see cref="TunnelDescriptor"/>: the marshaller holds a reference for the call's duration, so the descriptor is
/// closed only after the last call in flight returned, and its number cannot be reused under one.
/// </summary>
internal static unsafe partial class LinuxInterop
{
    public const int EAGAIN = 11;
    public const int EINTR = 4;
    public const int ENOENT = 2;
    public const int EBADF = 9;
    public const int EINVAL = 22;
    public const int EPERM = 1;

    public const int F_DUPFD_CLOEXEC = 1030;
    public const int EPOLL_CLOEXEC = 0x80000;
    public const int EPOLL_CTL_ADD = 1;
    public const int EPOLL_CTL_DEL = 2;

    public const uint EPOLLIN = 0x001;
    public const uint EPOLLOUT = 0x004;
    public const uint EPOLLERR = 0x008;
    public const uint EPOLLHUP = 0x010;
    public const uint EPOLLRDHUP = 0x2000;
    public const uint EPOLLET = 1u << 31;

    public const int MSG_DONTWAIT = 0x40;
    public const int MSG_NOSIGNAL = 0x4000;

    /// <summary>struct epoll_event is packed on x86-64 (12 bytes), naturally aligned elsewhere (16).</summary>
    public static readonly int EventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    public static readonly int EventDataOffset = EventSize - 8;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int fcntl(SafeHandle fd, int cmd, int arg);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int epoll_create1(int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int epoll_ctl(int epfd, int op, SafeHandle fd, byte* ev);

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    public static partial int epoll_ctl_raw(int epfd, int op, int fd, byte* ev);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int epoll_wait(int epfd, byte* events, int maxevents, int timeout);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint recv(SafeHandle fd, byte* buf, nint len, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint send(SafeHandle fd, byte* buf, nint len, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    /// <summary>Adds or removes <paramref name="fd"/> in <paramref name="epfd"/>; 0 or the errno.</summary>
    public static int Control(int epfd, int op, SafeHandle fd, uint events, ulong data)
    {
        var ev = stackalloc byte[16];
        *(uint*)ev = events;
        *(ulong*)(ev + EventDataOffset) = data;
        return epoll_ctl(epfd, op, fd, ev) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }
}
